"""The demo cycle against the seed document it was transcribed from (../shared/seed)."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from organization.models import Membership, OrgUnit, Role
from performance.models import Assignment, Indicator, Measurement, Perspective, Scorecard, StrategicObjective
from performance.parsing import parse_value

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "relazione-performance-2023-cciaa-bergamo.md"

# Scorecard code → (heading that opens its table(s) in the seed, heading that closes them)
SECTIONS = {
    "ENTE": ("## 2.2 RENDICONTAZIONE DEGLI OBIETTIVI STRATEGICI", "## 2.3 OBIETTIVI COMUNI DI SISTEMA"),
    "COMUNI": ("## 2.3 OBIETTIVI COMUNI DI SISTEMA", "## 2.4 OBIETTIVI OPERATIVI"),
    "AG": ("### AFFARI GENERALI", "## PROMOZIONE"),
    "PROM": ("## PROMOZIONE", "## COMUNICAZIONE E STUDI"),
    "COM": ("## COMUNICAZIONE E STUDI", "## REGISTRO IMPRESE"),
    "RI": ("## REGISTRO IMPRESE", "## SPORTELLI POLIFUNZIONALI"),
    "SPORT": ("## SPORTELLI POLIFUNZIONALI", "## REGOLAZIONE DEL MERCATO"),
    "REG": ("## REGOLAZIONE DEL MERCATO", "## RISORSE STRUMENTALI"),
    "RS": ("## RISORSE STRUMENTALI", "## RISORSE FINANZIARIE"),
    "RF": ("## RISORSE FINANZIARIE", "## RISORSE UMANE"),
    "RU": ("## RISORSE UMANE", "## AZIENDA SPECIALE"),
    "BGS": ("## AZIENDA SPECIALE", "## 2.5 BILANCIO DI GENERE"),
    "SG": ("#### CRUSCOTTO DEL SEGRETARIO GENERALE", "## CRUSCOTTO DEL DIRIGENTE"),
    "DIR": ("## CRUSCOTTO DEL DIRIGENTE", "#### 4. IL PROCESSO DI MISURAZIONE E VALUTAZIONE"),
}


def seed_rows(code: str) -> list[dict[str, str]]:
    """The data rows of a scorecard's tables as printed: indicator, achieved, target, printed %."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start_heading, end_heading = SECTIONS[code]
    start = lines.index(start_heading)
    end = lines.index(end_heading, start + 1)
    rows = []
    for line in lines[start:end]:
        cells = line.split("\t")
        if len(cells) != 5 or cells[0] in ("Prospettiva", "Indicatore") or not any(c.strip() for c in cells[1:]):
            continue
        if code == "COMUNI":  # indicator | algorithm | target | achieved | %: target before the achieved value
            rows.append({"indicator": re.sub(r"</?b>", "", cells[0]).strip(), "algorithm": cells[1].strip(),
                         "target": cells[2], "achieved": cells[3], "printed": cells[4]})
        else:
            rows.append({"indicator": cells[1].strip(), "achieved": cells[2], "target": cells[3], "printed": cells[4]})
    return rows


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
    assert set(Scorecard.objects.filter(cycle=demo_cycle).values_list("code", flat=True)) == set(SECTIONS)
    assert Indicator.objects.filter(cycle=demo_cycle, is_common=True).count() == 14


@pytest.mark.parametrize("code", list(SECTIONS))
def test_every_printed_row_is_an_assignment_with_the_printed_figures(demo_cycle, code):
    printed = seed_rows(code)
    assignments = list(
        Assignment.objects.filter(scorecard__cycle=demo_cycle, scorecard__code=code)
        .select_related("indicator").order_by("position"))
    values = dict(Measurement.objects.filter(period__cycle=demo_cycle).values_list("indicator_id", "raw_value"))
    assert len(assignments) == len(printed), f"{code}: {len(assignments)} assignments for {len(printed)} seed rows"
    for row, a in zip(printed, assignments):
        where = f"{code} row {a.position}: {row['indicator'][:60]}"
        assert same_value(values[a.indicator_id], row["achieved"]), where
        assert same_value(a.indicator.target_raw, row["target"]), where
        assert a.printed_realization_raw == row["printed"].strip(), where
        name, seed_name = a.indicator.name.lower(), row["indicator"].lower()
        # Small wording differences between tables are one indicator (fixtures/demo/README.md lists them).
        assert difflib.SequenceMatcher(None, name, seed_name).ratio() > 0.75 or name[:50] == seed_name[:50], where
        if "algorithm" in row:
            assert a.indicator.algorithm == row["algorithm"], where


def test_strategic_objective_narratives_come_from_the_seed(demo_cycle):
    so = {s.code: s for s in StrategicObjective.objects.filter(cycle=demo_cycle)}
    assert "Bergamo e Brescia Capitale Italiana della Cultura 2023" in so["1.1"].narrative
    assert "| N. dipendenti che hanno svolto attività in modalità agile | 44 |" in so["3.1"].narrative
    assert all(len(s.narrative) > 500 for s in so.values())
    assert all(s.printed_realization == 100 for s in so.values())


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
