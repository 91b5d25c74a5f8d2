"""Set-based writes for imports and recomputation.

Django's bulk_create/bulk_update spend most of their time preparing values field by field and, for
updates, building one CASE expression per field. On PostgreSQL these helpers stream rows with COPY
(inserts get their ids from the table's sequence first, so callers can link children to them) and
update through a temporary table joined once. Other databases (the SQLite demo) fall back to
Django's own bulk methods inside the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connections, models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .freeze import guard_objects

BATCH = 2000


def _value(field: models.Field, obj: models.Model, connection, add: bool):
    # Plain values (str, int, Decimal, date, bool, None) go to psycopg as they are; only the
    # few field types that need Django's preparation get it.
    if getattr(field, "auto_now", False) or (add and getattr(field, "auto_now_add", False)):
        return field.pre_save(obj, add)
    value = getattr(obj, field.attname)
    if isinstance(value, FieldFile):  # also the text copy of a file field in a history table
        return value.name or ""
    if isinstance(field, models.JSONField):
        return field.get_db_prep_save(value, connection)
    return value


def _use_copy(connection) -> bool:
    return connection.vendor == "postgresql"


def fetch_rows(queryset) -> list[tuple]:
    """All rows of a values_list() query in one fetch: the ORM's iterator fetches 100 rows at a time.

    Unordered unless the queryset says otherwise: sorting 100k rows by the models' default ordering
    (text codes) costs more than reading them.
    """
    if not queryset.query.order_by:
        queryset = queryset.order_by()
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def insert(model: type[models.Model], objs: Sequence[models.Model], using: str = "default") -> None:
    """Insert new objects and set their primary keys. Refused on frozen data (freeze.py), as the ORM is."""
    if not objs:
        return
    guard_objects(model, objs)
    connection = connections[using]
    if not _use_copy(connection):
        model._default_manager.using(using).bulk_create(objs, batch_size=BATCH)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall()):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, using
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_value(f, obj, connection, True) for f in fields])


def update(model: type[models.Model], objs: Sequence[models.Model], field_names: Sequence[str],
           using: str = "default") -> None:
    """Write `field_names` of existing objects in one statement (COPY into a temp table + UPDATE … FROM)."""
    if not objs:
        return
    guard_objects(model, objs)
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in field_names]
    update_rows(model, field_names,
                ([obj.pk, *[_value(f, obj, connection, False) for f in fields]] for obj in objs), using=using)


def update_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence],
                using: str = "default") -> int:
    """Update rows given as plain tuples (pk, value, ...) without building model instances."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in field_names]
    pk = meta.pk.column
    if not _use_copy(connection):
        sql = (f"UPDATE {quote(meta.db_table)} SET " + ", ".join(f"{quote(c)} = %s" for c in columns)
               + f" WHERE {quote(pk)} = %s")
        params = [(*row[1:], row[0]) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        return len(params)
    temp = f"tmp_update_{meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {quote(temp)} ON COMMIT DROP AS SELECT {quote(pk)}, "
            + ", ".join(quote(c) for c in columns) + f" FROM {quote(meta.db_table)} WITH NO DATA"
        )
        count = 0
        with cursor.cursor.copy(f"COPY {quote(temp)} ({', '.join(quote(c) for c in [pk, *columns])}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        # A temp table has no statistics: without them the planner may join 100k rows by nested loop.
        cursor.execute(f"ANALYZE {quote(temp)}")
        assignments = ", ".join(f"{quote(c)} = t.{quote(c)}" for c in columns)
        cursor.execute(f"UPDATE {quote(meta.db_table)} AS m SET {assignments} FROM {quote(temp)} AS t "
                       f"WHERE m.{quote(pk)} = t.{quote(pk)}")
        cursor.execute(f"DROP TABLE {quote(temp)}")
    return count


def delete_rows(model: type[models.Model], pks: Sequence, using: str = "default") -> None:
    """Delete rows by primary key in one statement on PostgreSQL (an array parameter), in chunks elsewhere."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if _use_copy(connection):
            cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = ANY(%s)", [list(pks)])
            return
        for start in range(0, len(pks), 500):
            chunk = list(pks[start:start + 500])
            cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} IN "
                           f"({', '.join(['%s'] * len(chunk))})", chunk)


def insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence],
                using: str = "default") -> None:
    """Insert plain tuples whose ids nobody needs back (e.g. stored roll-ups)."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in field_names]
    if not _use_copy(connection):
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES ("
               + ", ".join(["%s"] * len(columns)) + ")")
        with connection.cursor() as cursor:
            cursor.executemany(sql, [tuple(r) for r in rows])
        return
    with connections[using].cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_supported(using: str = "default") -> bool:
    return _use_copy(connections[using])


def copy_lines(model: type[models.Model], field_names: Sequence[str], lines: Iterable[str],
               using: str = "default") -> None:
    """COPY lines already in PostgreSQL's text format (tab-separated, \\N for NULL, escaped by the caller)."""
    with copy_writer(model, field_names, using) as write:
        write(lines)


@contextmanager
def copy_writer(model: type[models.Model], field_names: Sequence[str], using: str = "default"
                ) -> Iterator[Callable[[Iterable[str]], None]]:
    """A COPY left open: lines written are sent at once and the server ingests them while the caller
    goes on working inside the block; leaving the block waits for the server to finish."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in field_names)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            def write(lines: Iterable[str]) -> None:
                batch: list[str] = []
                for line in lines:
                    batch.append(line)
                    if len(batch) == 10_000:
                        copy.write("".join(batch))
                        batch.clear()
                if batch:
                    copy.write("".join(batch))

            yield write


def insert_history(model: type[models.Model], objs: Sequence[models.Model], history_type: str, user=None,
                   reason: str = "", using: str = "default") -> None:
    """The django-simple-history records of objects written in bulk ("+" created, "~" changed)."""
    history_model = model.history.model
    now = timezone.now()
    tracked = [f.attname for f in model._meta.concrete_fields]
    user_id = getattr(user, "pk", None)
    records = [
        history_model(**{name: getattr(obj, name) for name in tracked}, history_date=now,
                      history_type=history_type, history_user_id=user_id, history_change_reason=reason or None)
        for obj in objs
    ]
    insert(history_model, records, using=using)
