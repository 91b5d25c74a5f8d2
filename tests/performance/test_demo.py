"""The demo cycle against the figures printed in the source report it was transcribed from.

The printed figures come from tests/data/seed_reference.json (see tests/seed_reference.py): the tests
never open the source document, which is not part of the repository.
"""
from __future__ import annotations

import difflib
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from organization.models import Membership, OrgUnit, Role
from performance.models import Assignment, Indicator, Measurement, Perspective, Scorecard, StrategicObjective
from performance.parsing import parse_value
from tests.seed_reference import REFERENCE, TOOLS, share_copied_from_seed, tool

# Scorecard code → the rows of its table(s) as printed: indicator, achieved, target, printed % (and algorithm).
PRINTED: dict[str, list[dict[str, str]]] = REFERENCE["scorecards"]
DESCRIPTIONS = TOOLS / "descrizioni_obiettivi"


def same_value(a: str, b: str) -> bool:
    pa, pb = parse_value(a.strip()), parse_value(b.strip())
    return (pa.shape, pa.number, pa.date, pa.boolean, pa.operator) == (pb.shape, pb.number, pb.date, pb.boolean,
                                                                      pb.operator) and (pa.date or pa.number is not None or pa.boolean is not None or a.strip() == b.strip())


def test_plan_structure_matches_the_seed(demo_cycle):
    assert list(Perspective.objects.filter(cycle=demo_cycle).values_list("name", flat=True)) == [
        "Sviluppo economico delle imprese e del territorio", "Semplificazione e innovazione dei processi",
        "Apprendimento e crescita", "Economico-finanziaria"]
    codes = list(StrategicObjective.objects.filter(cycle=demo_cycle).values_list("code", flat=True))
    assert codes == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1"]
    assert set(Scorecard.objects.filter(cycle=demo_cycle).values_list("code", flat=True)) == set(PRINTED)
    assert Indicator.objects.filter(cycle=demo_cycle, is_common=True).count() == 14


@pytest.mark.parametrize("code", list(PRINTED))
def test_every_printed_row_is_an_assignment_with_the_printed_figures(demo_cycle, code):
    printed = PRINTED[code]
    assignments = list(
        Assignment.objects.filter(scorecard__cycle=demo_cycle, scorecard__code=code)
        .select_related("indicator").order_by("position"))
    values = dict(Measurement.objects.filter(period__cycle=demo_cycle).values_list("indicator_id", "raw_value"))
    assert len(assignments) == len(printed), f"{code}: {len(assignments)} assignments for {len(printed)} seed rows"
    for row, a in zip(printed, assignments):
        where = f"{code} row {a.position}: {row['indicator'][:60]}"
        assert same_value(values[a.indicator_id], row["achieved"]), where
        assert same_value(a.indicator.target_raw, row["target"]), where
        assert a.printed_realization_raw == row["printed"], where
        name, seed_name = a.indicator.name.lower(), row["indicator"].lower()
        # Small wording differences between tables are one indicator (fixtures/demo/README.md lists them).
        assert difflib.SequenceMatcher(None, name, seed_name).ratio() > 0.75 or name[:50] == seed_name[:50], where
        if "algorithm" in row:
            assert a.indicator.algorithm == row["algorithm"], where


def test_strategic_objectives_carry_the_percentages_of_the_printed_map(demo_cycle):
    printed = {code: Decimal(pct.rstrip("%").replace(",", ".")) for code, pct in REFERENCE["strategic_map"].items()}
    loaded = dict(StrategicObjective.objects.filter(cycle=demo_cycle).values_list("code", "printed_realization"))
    assert loaded == printed


def test_every_strategic_objective_has_its_own_description_as_written(demo_cycle):
    """The workbook builder copies descrizioni_obiettivi/<code>.md into the workbook and load_demo keeps it
    whole: an edited description that nobody rebuilt, or a loader that trims Markdown, shows here."""
    files = {path.stem: path for path in DESCRIPTIONS.glob("*.md") if path.stem != "README"}
    objectives = StrategicObjective.objects.filter(cycle=demo_cycle)
    assert set(files) == {so.code for so in objectives}
    for so in objectives:
        written = files[so.code].read_text(encoding="utf-8").strip()
        assert written and so.narrative == written, so.code


#: Every piece of demo prose (the Relazione's narratives, the objectives' descriptions, the long cells of
#: the workbooks), as check_own_words.py lists it: (name, text).
PROSE = tool("check_own_words").prose_pieces()


def test_the_demo_prose_covers_every_narrative_and_description():
    names = {name for name, _text in PROSE}
    assert {f"fixtures/tools/descrizioni_obiettivi/{code}.md" for code in REFERENCE["strategic_map"]} <= names
    assert "fixtures/demo/relazione/premessa.md" in names and "fixtures/demo/relazione/processo.md" in names
    assert any(name.startswith("fixtures/demo/contesto/organi.csv") for name in names)


@pytest.mark.parametrize(("name", "text"), PROSE, ids=[name for name, _text in PROSE])
def test_demo_prose_does_not_repeat_the_source_sentences(name, text):
    """The source's facts may be told again, its sentences not: the same limit as check_own_words.py
    (a few 12-word sequences are long proper names, so the limit is a share, not zero)."""
    share = share_copied_from_seed(text)
    assert share <= tool("check_own_words").MAX_SHARE, f"{name}: {share:.0%} of its 12-word sequences are the source's"


def test_the_source_hashes_recognise_the_source_words():
    """The committed hashes are the ones shingle_hashes makes: a long label printed in the source is
    found whole (if the hashing changed without regenerating tests/data, nothing would be found)."""
    label = max((row["algorithm"] for row in PRINTED["COMUNI"]), key=len)
    assert len(label.split()) > 20
    assert share_copied_from_seed(label) == 1
    assert share_copied_from_seed("Misura scrive le sue descrizioni con parole proprie, " * 3) == 0
    assert REFERENCE["shingles"]["words"] == tool("check_own_words").N


def test_seed_inconsistencies_are_kept_not_corrected(demo_cycle):
    def value(code: str) -> Measurement:
        return Measurement.objects.get(period__cycle=demo_cycle, indicator__code=code)

    invalid = value("2.1.11.01")
    assert invalid.raw_value == "00/01/1900" and invalid.value_date is None
    assert Indicator.objects.get(cycle=demo_cycle, code="2.1.11.01").kind == "monitoring"
    nv = value("1.6.06.02")
    assert nv.is_nv and nv.nv_reason == ""
    mismatch = value("1.5.02.02")
    assert mismatch.value_date is not None and Indicator.objects.get(cycle=demo_cycle, code="1.5.02.02").kind == "number"
    assert value("1.5.03.07").raw_value == "600%"
    payment = Indicator.objects.filter(cycle=demo_cycle, name="Giorni medi di pagamento delle fatture e dei documenti passivi")
    assert sorted(payment.values_list("target_raw", flat=True)) == ["30", "<30"]
    assert Indicator.objects.get(cycle=demo_cycle, code="2.1.10.02").target_operator == "<"


def test_same_indicator_in_several_scorecards_has_one_value(demo_cycle):
    iso = Indicator.objects.get(cycle=demo_cycle, name="Progetto: Gestione per la Qualità secondo la norma ISO 9001:2015")
    assert iso.assignments.count() == 10
    assert iso.measurements.get().raw_value == "98,77%"


def test_unit_tree_and_demo_users_for_every_role(demo_cycle):
    units = {u.code: u for u in OrgUnit.objects.filter(entity=demo_cycle.entity).select_related("parent")}
    assert units["RI"].parent.code == "AREA-ARM" and units["BGS"].kind == "azienda_speciale"
    roles = set(Membership.objects.filter(entity=demo_cycle.entity).values_list("role", flat=True))
    assert roles == set(Role.values)
    for username in ("admin", "struttura", "segretario", "dirigente", "resp.ri", "oiv"):
        assert authenticate(username=username, password="test-password-123") is not None, username
    assert Scorecard.objects.get(cycle=demo_cycle, code="SG").holder.username == "segretario"


def test_load_demo_twice_changes_nothing(demo_cycle):
    counts = (Indicator.objects.count(), Assignment.objects.count(), Measurement.objects.count(),
              Measurement.history.count(), Membership.objects.count())
    call_command("load_demo", password="test-password-123")
    assert (Indicator.objects.count(), Assignment.objects.count(), Measurement.objects.count(),
            Measurement.history.count(), Membership.objects.count()) == counts
