"""The rows of a scorecard page for one period: read in a fixed number of queries, whatever its size."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .engine import RuleSet
from .entry import EntryData, clean, preview, EntryError
from .models import Assignment, Measurement, Period, Scorecard
from .parsing import MAX_INT, parse_bounded_int

PREFIX = "r{}-"


@dataclass
class Row:
    assignment: Assignment
    measurement: Measurement | None
    previous: list[tuple[Period, Measurement]]
    typed: EntryData | None = None  # what the person typed, when the page is shown again after an error
    errors: dict[str, str] = field(default_factory=dict)
    conflict: Measurement | None = None
    saved: bool = False
    realization: float | None = None
    status: str = ""

    @property
    def indicator(self):
        return self.assignment.indicator

    @property
    def prefix(self) -> str:
        return PREFIX.format(self.assignment.indicator_id)

    @property
    def version(self) -> int | str:
        source = self.conflict or self.measurement
        return source.version if source else ""

    @property
    def form(self) -> EntryData:
        """What the inputs show: the typed values after an error or conflict, else the stored ones."""
        if self.typed is not None:
            return self.typed
        m = self.measurement
        if m is None:
            return EntryData()
        value = m.raw_value
        if self.indicator.kind == "date" and m.value_date:
            value = m.value_date.isoformat()  # what <input type="date"> expects
        return EntryData(value="" if m.is_nv else value, numerator=_plain(m.numerator),
                         denominator=_plain(m.denominator), is_nv=m.is_nv, nv_reason=m.nv_reason, note=m.note,
                         shortfall_reason=m.shortfall_reason)

    @property
    def flags(self) -> list[str]:
        score = getattr(self.indicator, "score", None)
        codes = (score.flags.split(";") if score else []) + self.assignment.flags.split(";")
        return [c for c in codes if c]


def _plain(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def load_rows(scorecard: Scorecard, period: Period, periods: list[Period], rules: RuleSet,
              indicator_ids: list[int] | None = None) -> list[Row]:
    """Two queries: the assignments with their plan and score, and every measurement of their indicators."""
    assignments = (Assignment.objects.filter(scorecard=scorecard)
                   .select_related("indicator__operational_objective__strategic_objective", "indicator__score")
                   .order_by("position", "pk"))
    if indicator_ids is not None:
        assignments = assignments.filter(indicator_id__in=indicator_ids)
    assignments = list(assignments)
    by_indicator: dict[int, dict[int, Measurement]] = defaultdict(dict)
    for m in (Measurement.objects.filter(indicator_id__in=[a.indicator_id for a in assignments],
                                         period__in=periods).select_related("author")):
        by_indicator[m.indicator_id][m.period_id] = m
    earlier = [p for p in periods if p.reference_date < period.reference_date]
    rows = []
    for a in assignments:
        values = by_indicator.get(a.indicator_id, {})
        row = Row(a, values.get(period.pk), [(p, values[p.pk]) for p in earlier if p.pk in values])
        estimate(row, rules)
        rows.append(row)
    return rows


def estimate(row: Row, rules: RuleSet) -> None:
    """The realization the engine gives the row's current (or typed) value: the live figure on the page."""
    data = row.typed if row.typed is not None else (row.form if row.measurement else None)
    if data is None:
        row.realization, row.status = None, "missing"
        return
    try:
        fields = clean(row.indicator.kind, EntryData(**{**data.__dict__, "evidence": None}))
    except EntryError:
        row.realization, row.status = None, "invalid"
        return
    result = preview(row.indicator, fields, rules)
    row.realization, row.status = result.realization, result.status


def entry_from_post(post, files, prefix: str) -> EntryData:
    return EntryData(
        value=post.get(prefix + "value", ""), numerator=post.get(prefix + "numerator", ""),
        denominator=post.get(prefix + "denominator", ""), is_nv=post.get(prefix + "is_nv") in ("on", "1", "true"),
        nv_reason=post.get(prefix + "nv_reason", ""), note=post.get(prefix + "note", ""),
        shortfall_reason=post.get(prefix + "shortfall_reason", ""), evidence=files.get(prefix + "evidence"))


def posted_version(post, prefix: str) -> int | None:
    # A version that is no number ("²", 25 digits) is not the stored one: the save answers 409 with it.
    return parse_bounded_int(post.get(prefix + "version", ""), 0, MAX_INT)
