"""The authentication backend: Django's ModelBackend with a cheaper per-request user lookup.

Every logged-in request loads its user by primary key (``get_user``). Through the ORM that lookup costs
about 0.5 ms of Python on top of the round trip, a quarter of the cached scorecard page; the same SELECT
run directly costs half. The semantics stay ModelBackend's: every concrete field is loaded, a missing or
inactive user is ``None``, and the session hash is still checked by django.contrib.auth afterwards.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router


@cache
def _user_select(db: str) -> tuple[str, list[str], list[tuple[int, Any, list]]]:
    """The SELECT, the attribute names, and the value converters the ORM would apply, by column index
    (none on PostgreSQL; SQLite returns timestamps and booleans as text and integers)."""
    model = get_user_model()
    connection = connections[db]
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return sql, [field.attname for field in fields], converters


class MisuraBackend(ModelBackend):
    def get_user(self, user_id: Any):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        db = router.db_for_read(model)
        sql, attnames, converters = _user_select(db)
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, column, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], column, connection)
        user = model.from_db(db, attnames, values)
        return user if self.user_can_authenticate(user) else None
