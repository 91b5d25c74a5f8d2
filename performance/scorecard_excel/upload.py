"""The filled workbook back: read, check every row like the page does, write all or nothing."""
from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.spreadsheets import SpreadsheetRefused, TooManyRows, open_workbook, sheet_rows
from organization.access import Scope

from .. import entry, services
from ..engine import RuleSet
from ..entry import EntryData, EntryError
from ..models import Assignment, Indicator, Measurement, Period, Scorecard, Submission
from ..parsing import (
    MAX_INT,
    ValueParseError,
    format_number,
    parse_bool,
    parse_bounded_int,
    parse_value,
    value_fields,
)
from .common import (
    BLANK_TAIL,
    FIELD_COLUMN,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    REQUIRED,
    SHEET,
    TEXT_FIELDS,
    Cell,
    ImportProblem,
    ImportResult,
    ScorecardImportError,
    _excel_safe,
    _measurements,
    _megabytes,
    _shown,
)


def _refuse(message: str, row: int | None = None) -> ScorecardImportError:
    return ScorecardImportError([ImportProblem(row, "", message)])


def _read(file: IO[bytes]) -> list[tuple[int, list[Cell]]]:
    """The rows of the «valori» sheet (or the first one), refusing anything but a sound, small .xlsx."""
    limit = settings.MAX_UPLOAD_BYTES
    too_big = _refuse(_("Il file supera la dimensione massima di %(mb)s MB.") % {"mb": _megabytes()})
    not_xlsx = _refuse(_("Il file non è una cartella di lavoro Excel (.xlsx): caricare la scheda scaricata da "
                         "Misura."))
    if (getattr(file, "size", None) or 0) > limit:
        raise too_big
    if Path(getattr(file, "name", "") or "x.xlsx").suffix.lower() != ".xlsx":
        raise not_xlsx
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise too_big
    try:
        # A small file unpacking to a huge one is a zip bomb, not a scorecard: refused before openpyxl reads
        # a byte of it (it loads the shared strings whole even in read-only mode).
        wb = open_workbook(io.BytesIO(data), size=len(data))
    except SpreadsheetRefused as exc:
        raise _refuse(str(exc)) from exc
    except Exception as exc:  # zipfile and openpyxl raise several unrelated types for a broken file
        raise not_xlsx from exc
    rows: list[tuple[int, list[Cell]]] = []
    try:
        ws = next((s for s in wb.worksheets if s.title.strip().lower() == SHEET), wb.worksheets[0])
        blank = 0
        # No wider than MAX_COLUMNS whatever the sheet declares: the header is looked for among them.
        for number, row in sheet_rows(ws, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS):
            cells = [(c.value, getattr(c, "number_format", "") or "") for c in row]
            blank = 0 if any(v not in (None, "") for v, _f in cells) else blank + 1
            if blank > BLANK_TAIL:
                break
            rows.append((number, cells))
    except TooManyRows as exc:
        raise _refuse(_("Il foglio ha più di %(n)d righe: non è una scheda di Misura.") % {"n": MAX_ROWS}) from exc
    except ScorecardImportError:
        raise
    except Exception as exc:
        raise not_xlsx from exc
    finally:
        wb.close()
    return rows


def _text(cell: Cell) -> str:
    """A cell as the page would have received it typed: Excel's numbers and dates in Italian notation."""
    value, number_format = cell
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SI" if value else "NO"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y" if value.time() == datetime.time(0, 0) else "%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
        # A cell formatted as a percentage stores 0,95 for what the person typed and sees: 95%.
        return format_number(number * 100) + "%" if "%" in number_format else format_number(number)
    return str(value).strip()


def _normalise(text: object) -> str:
    return str(text or "").strip().lower().replace(" ", "_").replace("-", "_")


def _header(rows: list[tuple[int, list[Cell]]]) -> tuple[int, dict[str, int]]:
    """The header row, found by its names wherever it is, and the position of each column."""
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        names = [_normalise(value) for value, _f in cells]
        if "codice" in names and "valore" in names:
            positions: dict[str, int] = {}
            for index, name in enumerate(names):
                positions.setdefault(name, index)
            missing = [name for name in REQUIRED if name not in positions]
            if missing:
                raise ScorecardImportError([ImportProblem(number, name, _("Colonna mancante: riscaricare la scheda."))
                                            for name in missing])
            return number, positions
    raise _refuse(_("Riga di intestazione non trovata: il foglio «valori» deve avere le colonne %(names)s.")
                  % {"names": ", ".join(REQUIRED)})


def _check_title(rows: list[tuple[int, list[Cell]]], header: int, scorecard: Scorecard, period: Period) -> None:
    """A file downloaded for another scorecard or period is refused, not written into this one."""
    wanted = {
        _normalise(_("Codice scheda")): (scorecard.code, _(
            "Il file è la scheda «%(found)s», non «%(wanted)s»: caricarlo nella pagina di quella scheda.")),
        _normalise(_("Codice periodo")): (period.code, _(
            "Il file è stato scaricato per il periodo «%(found)s», non «%(wanted)s»: caricarlo nella pagina di "
            "quel periodo o riscaricare la scheda.")),
    }
    for number, cells in rows[:header - 1]:
        if len(cells) >= 2 and _normalise(cells[0][0]) in wanted:
            code, message = wanted[_normalise(cells[0][0])]
            if _plain(cells[1]) not in ("", code):
                raise _refuse(message % {"found": _plain(cells[1]), "wanted": code}, number)


def _plain(cell: Cell) -> str:
    """A code or version as written, not as a number: "2023", never "2.023"."""
    value = cell[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _version(cell: Cell) -> tuple[int | None, bool]:
    """(version, understood): blank means the download had no value."""
    text = _plain(cell)
    version = parse_bounded_int(text, 0, MAX_INT)
    return (version, True) if version is not None else (None, text == "")


def _lines(text: str) -> str:
    # A note typed on the page keeps the browser's "\r\n"; read back from the .xlsx it has "\n".
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _stale(current: Measurement | None) -> str:
    if current is None:
        return _("Il valore è stato eliminato dopo il download: riscaricare la scheda.")
    who = (current.author.get_full_name() or current.author.username) if current.author else _("un'altra persona")
    return _("Il valore è stato modificato da %(who)s il %(when)s dopo il download: riscaricare la scheda.") % {
        "who": who, "when": timezone.localtime(current.updated_at).strftime("%d/%m/%Y %H:%M")}


@dataclass
class _Write:
    row: int
    indicator: Indicator
    data: EntryData
    version: int | None


@dataclass
class _Check:
    """Every row checked before anything is written, errors collected rather than stopping at the first."""

    positions: dict[str, int]
    indicators: dict[str, Indicator]
    stored: dict[int, Measurement]
    rules: RuleSet
    problems: list[ImportProblem] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    empty: int = 0

    def row(self, number: int, cells: list[Cell]) -> None:
        raw = {name: cells[i] if i < len(cells) else (None, "") for name, i in self.positions.items()}
        text = {name: _text(raw[name]) for name in REQUIRED} | {"codice": _plain(raw["codice"])}
        code, before = text["codice"], len(self.problems)
        try:
            is_nv, nv_ok = bool(parse_bool(text["nv"])), True
        except ValueParseError:
            is_nv, nv_ok = False, False
        if nv_ok and not is_nv and not any(text[FIELD_COLUMN[f]] for f in TEXT_FIELDS):
            self.empty += bool(code)  # nothing typed: skipped, whatever is stored
            return
        indicator = self.indicators.get(code)
        if indicator is None:
            message = _("L'indicatore «%(code)s» non è in questa scheda.") if code else _("Manca il codice.")
            return self._error(number, "codice", message % {"code": code} if code else message)
        if code in self.seen:
            return self._error(number, "codice", _("L'indicatore «%(code)s» compare due volte (anche alla riga "
                                                   "%(row)d).") % {"code": code, "row": self.seen[code]})
        self.seen[code] = number
        version, version_ok = _version(raw["versione"])
        if not version_ok:
            self._error(number, "versione", _("La versione «%(text)s» non è valida: riscaricare la scheda.")
                        % {"text": text["versione"]})
        if not nv_ok:
            return self._error(number, "nv", _("Scrivere SI oppure NO."))
        data = EntryData(is_nv=is_nv, **{f: text[FIELD_COLUMN[f]] for f in TEXT_FIELDS})
        current = self.stored.get(indicator.pk)
        shown = _shown(current)
        for f in TEXT_FIELDS:  # what the cell could not carry ("\r", control characters, length) stays as stored
            if _lines(getattr(data, f)) == _lines(_excel_safe(getattr(shown, f))):
                setattr(data, f, getattr(shown, f))
        if current is not None and data == shown:
            self.unchanged += 1  # as downloaded, or as someone saved it since: nothing to write
            return
        try:  # the page's checks, in the order services.submit_measurement runs them
            fields = entry.clean(indicator.kind, data)
            if entry.needs_shortfall_reason(entry.preview(indicator, fields, self.rules), fields):
                raise EntryError({"shortfall_reason": _(
                    "Il risultato è inferiore al target: indicare la motivazione dello scostamento.")})
        except EntryError as exc:
            for name, message in exc.errors.items():
                self._error(number, FIELD_COLUMN.get(name, ""), message)
        else:
            if current is not None and _same_meaning(current, fields):
                self.unchanged += 1
                return
        if version_ok and version != (current.version if current else None):
            self._error(number, "versione", _stale(current))
        if len(self.problems) == before:
            self.writes.append(_Write(number, indicator, data, version))

    def _error(self, row: int, column: str, message: str) -> None:
        self.problems.append(ImportProblem(row, column, message))


def _same_meaning(current: Measurement, fields: dict) -> bool:
    """The stored value in another notation ("2,6" for "2,60", 1234,5 for "1.234,5"): nothing to write."""
    def meaning(raw: str) -> object:
        try:
            typed = value_fields(parse_value(raw))
        except ValueParseError:
            return raw
        return typed["value_number"], typed["value_date"], typed["value_bool"], typed["is_nv"]

    def same(name: str, value: object) -> bool:
        stored = getattr(current, name)
        return _lines(stored) == _lines(value) if isinstance(value, str) else stored == value

    return meaning(current.raw_value) == meaning(fields["raw_value"]) and all(
        same(name, value) for name, value in fields.items() if name != "raw_value")


def import_scorecard(scorecard: Scorecard, period: Period, file: IO[bytes], *, acting_user,
                     scope: Scope) -> ImportResult:
    """Write the values of a filled download, all or nothing. Raises PermissionDenied, services.EntryLocked
    (period, cycle or scorecard closed) or ScorecardImportError listing every wrong row and column."""
    if not scope.can_edit(scorecard.unit_id, scorecard.holder_id):
        raise PermissionDenied
    services.check_period_open(period)
    state = Submission.objects.filter(scorecard=scorecard, period=period).values_list("state", flat=True).first()
    if state not in (None, Submission.State.DRAFT, Submission.State.RETURNED):
        raise services.EntryLocked(_("La scheda è stata inviata per l'approvazione: i valori si possono cambiare "
                                     "solo se viene restituita."))
    rows = _read(file)
    header, positions = _header(rows)
    _check_title(rows, header, scorecard, period)
    indicators = {a.indicator.code: a.indicator for a in Assignment.objects.filter(scorecard=scorecard)
                  .select_related("indicator")}
    check = _Check(positions, indicators, _measurements([i.pk for i in indicators.values()], period),
                   RuleSet.from_dict(period.cycle.rules or {}))
    for number, cells in rows:
        if number > header:
            check.row(number, cells)
    if check.problems:
        raise ScorecardImportError(check.problems)
    return ImportResult(_write(check.writes, period, acting_user, scope), check.unchanged, check.empty)


def _write(writes: list[_Write], period: Period, acting_user, scope: Scope) -> int:
    """The checked rows in one transaction: whatever still fails (a value saved meanwhile) undoes them all."""
    problems: list[ImportProblem] = []
    changed = 0
    with transaction.atomic():
        for w in writes:
            try:
                m = services.submit_measurement(w.indicator, period, w.data, expected_version=w.version,
                                                acting_user=acting_user, scope=scope)
            except services.EditConflict as exc:
                problems.append(ImportProblem(w.row, "versione", _stale(exc.current)))
            except services.EntryLocked:
                raise
            except ValidationError as exc:
                problems += ([ImportProblem(w.row, FIELD_COLUMN.get(name, ""), " ".join(messages))
                              for name, messages in exc.message_dict.items()] if hasattr(exc, "error_dict")
                             else [ImportProblem(w.row, "", " ".join(exc.messages))])
            else:
                changed += m.version != w.version
        if problems:
            raise ScorecardImportError(problems)  # leaving the block rolls back every row written above
    return changed

