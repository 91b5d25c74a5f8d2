import io
import json

from django.core.management import call_command

from performance.models import Indicator, Measurement
from performance.recompute import recompute_cycle


def findings(**kwargs) -> list[dict]:
    out = io.StringIO()
    call_command("check_data", cycle=2023, format="json", stdout=out, **kwargs)
    return json.loads(out.getvalue())


def test_check_data_reports_every_kind_of_seed_inconsistency(demo_cycle):
    rows = findings()
    by_code = {}
    for r in rows:
        by_code.setdefault(r["code"], set()).add(r["indicator_code"])
    assert by_code["late_date"] == {"2.1.03.02", "4.1.01.01", "4.1.01.05", "1.5.03.08"}
    assert by_code["type_mismatch"] == {"1.5.02.02"}
    assert by_code["invalid_value"] == {"2.1.11.01"}
    assert by_code["nv_without_justification"] == {"1.6.06.02"}
    assert "1.5.03.07" in by_code["over_cap"]  # 600% against 100%
    assert "1.5.02.02" in by_code["printed_differs"]
    assert {"2.1.05.01", "C.2.04"} <= by_code["shortfall_without_reason"]
    assert len([r for r in rows if r["code"] == "inconsistent_across_scorecards"]) == 5
    assert "stored_differs" not in by_code


def test_missing_value_target_and_stale_results_are_found(demo_cycle):
    Measurement.objects.filter(indicator__cycle=demo_cycle, indicator__code="1.1.01.03").delete()
    target = Indicator.objects.get(cycle=demo_cycle, code="1.2.04.02")
    target.target_raw = ""
    target.save()
    codes = {(r["code"], r["indicator_code"]) for r in findings()}
    assert {("missing_value", "1.1.01.03"), ("missing_target", "1.2.04.02")} <= codes
    assert ("stored_differs", "1.1.01.03") in codes  # results not recomputed yet
    recompute_cycle(demo_cycle.pk)
    assert not [r for r in findings() if r["code"] == "stored_differs"]


def test_text_output_is_italian_and_summarised(demo_cycle):
    out = io.StringIO()
    call_command("check_data", cycle=2023, stdout=out)
    text = out.getvalue()
    assert "AVVISO\tlate_date\tIndicatore 4.1.01.01 nella scheda «Risorse strumentali»" in text
    assert "ERRORE\ttype_mismatch" in text
    assert "segnalazioni (" in text.splitlines()[-1]


def test_export_results_carries_realization_and_flags(demo_cycle):
    out = io.StringIO()
    call_command("export_results", cycle=2023, format="json", stdout=out)
    rows = json.loads(out.getvalue())
    iso = next(r for r in rows if r["indicator"].startswith("Progetto: Gestione per la Qualità"))
    assert (iso["realization"], iso["flags"]) == ("98.77", "shortfall_without_reason")
    mismatch = next(r for r in rows if r["achieved"] == "17/05/2023" and r["scorecard"] == "Sportelli polifunzionali")
    assert mismatch["realization"] == "" and mismatch["flags"] == "type_mismatch;printed_differs"
    late = [r for r in rows if r["flags"].endswith("late_date;printed_differs")]
    assert {r["scorecard"] for r in late} >= {"Risorse strumentali", "Cruscotto del Dirigente"}
