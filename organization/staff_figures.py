"""Staff figures for chapter 1 ("Le risorse umane") and section 2.5 (bilancio di genere), computed from
the counts: the table by category × gender × contract, FTE, shares, the year-on-year gender tables,
absences and parental leave.

Pure: plain data in, plain data out (budget/selectors.py reads the rows). Genders are the codes "F" and
"M"; every per-gender figure is a dict with both keys, so templates never miss one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from performance.parsing import format_number

GENDERS = ("F", "M")
HUNDRED = Decimal(100)


def _zero() -> dict[str, int]:
    return {g: 0 for g in GENDERS}


def _share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole × 100, unrounded; None when there is no whole to share."""
    return Decimal(part) / Decimal(whole) * HUNDRED if whole else None


def gender_label(code: str) -> str:
    return {"F": _("Donne"), "M": _("Uomini")}.get(code, code)


# ------------------------------------------------------------------------------------------------ staff table

@dataclass(frozen=True)
class StaffInput:
    category: str  # "" = breakdown-only row (counts for part_time_by_gender, never in the table)
    gender: str  # "F" / "M"
    contract: str  # "full" / "part" / "" (not split: in the totals, in neither contract column)
    part_time_percent: Decimal | None
    headcount: int


@dataclass(frozen=True)
class PlanInput:
    category: str
    planned_posts: int
    note: str = ""
    position: int = 0


@dataclass
class CategoryRow:
    category: str
    planned: int | None
    note: str = ""
    full: dict[str, int] = field(default_factory=_zero)
    part: dict[str, int] = field(default_factory=_zero)
    total: dict[str, int] = field(default_factory=_zero)

    @property
    def total_all(self) -> int:
        return sum(self.total.values())


@dataclass
class StaffTable:
    categories: list[CategoryRow]
    totals: CategoryRow
    part_time_by_gender: dict[str, int]
    headcount_by_gender: dict[str, int]
    headcount: int
    fte: Decimal | None
    part_time_without_percent: int
    #: True when every category row says full or part time (otherwise the contract columns are partial)
    contract_known: bool

    @property
    def plan_notes(self) -> list[str]:
        """The dotazione organica's footnotes ("Operatori esperti: di cui 2 PT al 50% e 1 PT al 75%")."""
        return [f"{row.category}: {row.note}" for row in self.categories if row.note]

    @property
    def part_time(self) -> int:
        return sum(self.part_time_by_gender.values())

    @property
    def women_share(self) -> Decimal | None:
        """Women among the staff in service, % (the seed's 75%)."""
        return _share(self.headcount_by_gender["F"], self.headcount)

    @property
    def part_time_share(self) -> Decimal | None:
        """Part-time among the staff in service, % (the seed's 16%)."""
        return _share(self.part_time, self.headcount)

    @property
    def women_part_time_share(self) -> Decimal | None:
        """Part-time among the women in service, % (the seed's "tra le dipendenti donne … il 16%")."""
        return _share(self.part_time_by_gender["F"], self.headcount_by_gender["F"])


def staff_table(rows: Sequence[StaffInput], plans: Sequence[PlanInput]) -> StaffTable:
    """Categories in plan order, then those with staff but no plan in the order first seen."""
    by_category: dict[str, CategoryRow] = {}
    for _i, plan in sorted(enumerate(plans), key=lambda pair: (pair[1].position, pair[0])):
        by_category[plan.category] = CategoryRow(plan.category, plan.planned_posts, plan.note)
    part_time = _zero()
    fte = Decimal(0)
    fte_known = True
    contract_known = True
    without_percent = 0
    for row in rows:
        if row.gender not in GENDERS:
            raise ValueError(f"unknown gender {row.gender!r}")
        if row.contract == "part":
            part_time[row.gender] += row.headcount
        if not row.category:
            continue
        line = by_category.setdefault(row.category, CategoryRow(row.category, None))
        line.total[row.gender] += row.headcount
        if row.contract == "full":
            line.full[row.gender] += row.headcount
            fte += row.headcount
        elif row.contract == "part":
            line.part[row.gender] += row.headcount
            if row.part_time_percent is None:
                without_percent += row.headcount
                fte_known = False
            else:
                fte += row.headcount * row.part_time_percent / HUNDRED
        else:
            # unknown whether these people work full or part time, so their FTE is unknown too
            contract_known = fte_known = False
    table_rows = list(by_category.values())
    planned = [r.planned for r in table_rows if r.planned is not None]
    totals = CategoryRow(_("Totale"), sum(planned) if planned else None)
    for r in table_rows:
        for g in GENDERS:
            totals.full[g] += r.full[g]
            totals.part[g] += r.part[g]
            totals.total[g] += r.total[g]
    return StaffTable(table_rows, totals, part_time, dict(totals.total), totals.total_all,
                      fte if fte_known and table_rows else None, without_percent, contract_known)


# ------------------------------------------------------------------------------------------ gender comparison

@dataclass(frozen=True)
class GenderRow:
    label: str  # "Donne" / "Uomini" / "Totale"
    previous: int | None
    current: int
    share: Decimal | None  # current / current total × 100, unrounded


@dataclass(frozen=True)
class AreaRow:
    category: str
    previous: dict[str, int] | None  # {"F", "M", "total"}; None when the category did not exist last year
    current: dict[str, int] | None


@dataclass(frozen=True)
class GenderComparison:
    part_time: list[GenderRow]  # last row is the total
    in_service: list[GenderRow]
    by_area: list[AreaRow]  # last row is the total
    has_previous: bool


def _gender_rows(current: dict[str, int], previous: dict[str, int] | None) -> list[GenderRow]:
    total = sum(current.values())
    rows = [GenderRow(gender_label(g), previous[g] if previous else None, current[g], _share(current[g], total))
            for g in GENDERS]
    rows.append(GenderRow(_("Totale"), sum(previous.values()) if previous else None, total,
                          _share(total, total)))
    return rows


def _area(row: CategoryRow) -> dict[str, int]:
    return {**row.total, "total": row.total_all}


def gender_comparison(current: StaffTable, previous: StaffTable | None) -> GenderComparison:
    """The three tables of section 2.5: part-time by gender with the share of all part-time staff,
    staff in service by gender with the share, and staff by area and gender, each against last year.

    Every total is recomputed from its rows: the seed prints 87 for 2022 where its own rows add to 89.
    """
    before = {r.category: r for r in previous.categories} if previous else {}
    now = {r.category: r for r in current.categories}
    order = list(now) + [c for c in before if c not in now]
    areas = [AreaRow(c, _area(before[c]) if c in before else None, _area(now[c]) if c in now else None)
             for c in order]
    areas.append(AreaRow(_("Totale"), _area(previous.totals) if previous else None, _area(current.totals)))
    return GenderComparison(
        _gender_rows(current.part_time_by_gender, previous.part_time_by_gender if previous else None),
        _gender_rows(current.headcount_by_gender, previous.headcount_by_gender if previous else None),
        areas, previous is not None)


# ----------------------------------------------------------------------------------- absences, parental leave

ABSENCE_CAUSES = ("malattia", "infortunio", "congedo_parentale", "altre_cause")
PAYS = ("100", "30", "0")


def absence_label(cause: str) -> str:
    return {"malattia": _("Malattia"), "infortunio": _("Infortunio"), "congedo_parentale": _("Congedo parentale"),
            "altre_cause": _("Altre cause")}.get(cause, cause)


def pay_label(pay: str) -> str:
    return {"100": _("Congedo retribuito 100%"), "30": _("Congedo retribuito 30%"),
            "0": _("Congedo non retribuito")}.get(pay, pay)


@dataclass(frozen=True)
class AbsenceInput:
    cause: str
    days: Decimal


@dataclass(frozen=True)
class AbsenceRow:
    cause: str
    label: str
    days: Decimal


class AbsenceTable(NamedTuple):
    rows: list[AbsenceRow]
    total: Decimal


def absences(rows: Sequence[AbsenceInput]) -> AbsenceTable:
    """Days by cause in the seed's column order, and their total."""
    days: dict[str, Decimal] = {}
    for row in rows:
        days[row.cause] = days.get(row.cause, Decimal(0)) + row.days
    order = [c for c in ABSENCE_CAUSES if c in days] + [c for c in days if c not in ABSENCE_CAUSES]
    table = [AbsenceRow(c, absence_label(c), days[c]) for c in order]
    return AbsenceTable(table, sum((r.days for r in table), Decimal(0)))


@dataclass(frozen=True)
class ParentalInput:
    gender: str
    pay: str  # "100" / "30" / "0"
    days: Decimal


@dataclass(frozen=True)
class ParentalRow:
    gender: str
    label: str
    days: dict[str, Decimal]  # by pay, every pay present
    total: Decimal


@dataclass(frozen=True)
class ParentalTable:
    rows: list[ParentalRow]  # one per gender
    totals: dict[str, Decimal]  # by pay
    total: Decimal
    absence_days: Decimal | None  # the "congedo parentale" column of the absences table

    @property
    def consistent(self) -> bool:
        return self.absence_days is None or self.absence_days == self.total

    @property
    def mismatch(self) -> str:
        """"" when the two tables agree, otherwise what disagrees, in words."""
        if self.consistent:
            return ""
        return _("Le assenze per congedo parentale (%(absences)s giorni) non coincidono con il totale dei "
                 "congedi parentali (%(leave)s giorni).") % {
            "absences": format_number(self.absence_days), "leave": format_number(self.total)}


def parental_leave(rows: Sequence[ParentalInput], absence_days: Decimal | None = None) -> ParentalTable:
    """Days of parental leave by gender × pay with the totals; flagged when the absences table counts a
    different number of parental-leave days (the same days, seen twice in the Relazione)."""
    days = {g: {p: Decimal(0) for p in PAYS} for g in GENDERS}
    for row in rows:
        days.setdefault(row.gender, {p: Decimal(0) for p in PAYS})
        days[row.gender][row.pay] = days[row.gender].get(row.pay, Decimal(0)) + row.days
    pays = list(PAYS) + sorted({p for by_pay in days.values() for p in by_pay} - set(PAYS))
    table = [ParentalRow(g, gender_label(g), by_pay, sum(by_pay.values(), Decimal(0))) for g, by_pay in days.items()]
    totals = {p: sum((r.days.get(p, Decimal(0)) for r in table), Decimal(0)) for p in pays}
    total = sum(totals.values(), Decimal(0))
    return ParentalTable(table, totals, total, absence_days)
