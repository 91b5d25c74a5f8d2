from __future__ import annotations

import datetime

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from organization.models import OrgUnit
from performance.exporting import plan_tables
from performance.plan_changes import ChangeAct
from performance.importer import ImportFailed, import_plan
from performance.models import (
    Assignment,
    Cycle,
    Indicator,
    Measurement,
    OperationalObjective,
    Period,
    Perspective,
    Scorecard,
    StrategicObjective,
)
from tests.conftest import DEMO_DIR, read_sheet, write_sheet

MODELS = [OrgUnit, Cycle, Perspective, StrategicObjective, OperationalObjective, Indicator, Scorecard, Assignment,
          Period, Measurement]


def snapshot() -> dict:
    state = {m.__name__: m.objects.count() for m in MODELS}
    state["values"] = sorted(Measurement.objects.values_list("indicator__code", "raw_value", "version"))
    state["history"] = Measurement.history.count()
    return state


def refuse(path: Path, entity, year: int = 2023) -> ImportFailed:
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        import_plan(path, year=year, entity=entity)
    assert snapshot() == before, "a refused import must leave the database unchanged"
    return exc.value


def where(failure: ImportFailed) -> set[tuple]:
    return {(i.sheet, i.row, i.column) for i in failure.issues}


def test_demo_workbook_imports_completely_into_a_new_entity(other_entity):
    report = import_plan(DEMO_DIR, year=2023, entity=other_entity)
    cycle = report.cycle
    assert Indicator.objects.filter(cycle=cycle).count() == len(read_sheet(DEMO_DIR, "indicatori"))
    assert Assignment.objects.filter(scorecard__cycle=cycle).count() == len(read_sheet(DEMO_DIR, "assegnazioni"))
    assert Measurement.objects.filter(period__cycle=cycle).count() == len(read_sheet(DEMO_DIR, "valori"))
    assert Scorecard.objects.filter(cycle=cycle).count() == len(read_sheet(DEMO_DIR, "schede"))
    # Every imported value has its audit record.
    assert Measurement.history.filter(period__cycle=cycle).count() == len(read_sheet(DEMO_DIR, "valori"))


def test_reimporting_the_same_workbook_changes_nothing(demo_cycle):
    before = snapshot()
    report = import_plan(DEMO_DIR, year=2023, entity=demo_cycle.entity)
    assert all(c == {"creati": 0, "aggiornati": 0, "eliminati": 0} for c in report.counts.values()), report.counts
    assert snapshot() == before


def test_dry_run_checks_everything_and_saves_nothing(other_entity):
    before = snapshot()
    report = import_plan(DEMO_DIR, year=2023, entity=other_entity, dry_run=True)
    assert report.counts["indicatori"]["creati"] > 0
    assert snapshot() == before


def test_changed_value_is_updated_with_a_new_version_and_history(demo_cycle, demo_copy):
    rows = read_sheet(demo_copy, "valori")
    code = rows[0]["indicatore"]
    rows[0]["valore"] = "7"
    write_sheet(demo_copy, "valori", rows)
    import_plan(demo_copy, year=2023, entity=demo_cycle.entity)
    m = Measurement.objects.get(indicator__cycle=demo_cycle, indicator__code=code)
    assert (m.raw_value, m.value_number, m.version) == ("7", 7, 2)
    assert m.history.count() == 2


def test_xlsx_export_reimports_to_the_same_plan(demo_cycle, other_entity, tmp_path):
    workbook = tmp_path / "piano.xlsx"
    call_command("export_plan", cycle=2023, entity="cciaa-bergamo", output=workbook)
    cycle = import_plan(workbook, year=2023, entity=other_entity).cycle
    original, copy = plan_tables(demo_cycle), plan_tables(cycle)
    for sheet in original:
        assert copy[sheet] == original[sheet], sheet


def test_template_workbook_has_every_sheet_with_headers_only(tmp_path):
    from openpyxl import load_workbook

    call_command("export_plan", template=True, output=tmp_path / "modello.xlsx")
    wb = load_workbook(tmp_path / "modello.xlsx")
    assert "indicatori" in wb.sheetnames and "valori" in wb.sheetnames
    assert [c.value for c in wb["indicatori"][1]][:3] == ["codice", "obiettivo_operativo", "nome"]
    assert wb["indicatori"].max_row == 1


def test_missing_sheet_is_named(demo_copy, other_entity):
    (demo_copy / "indicatori.csv").unlink()
    failure = refuse(demo_copy, other_entity)
    assert ("indicatori", None, "") in where(failure)
    assert "foglio mancante" in str(failure)


def test_unknown_column_is_named_with_the_allowed_ones(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "indicatori")
    renamed = [{("pesi" if k == "peso" else k): v for k, v in r.items()} for r in rows]
    write_sheet(demo_copy, "indicatori", renamed)
    failure = refuse(demo_copy, other_entity)
    assert ("indicatori", 1, "pesi") in where(failure)
    assert "colonna sconosciuta" in str(failure) and "obiettivo_operativo" in str(failure)


def test_bad_number_names_sheet_row_and_column(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "obiettivi_operativi")
    rows[1]["peso"] = "abc"
    write_sheet(demo_copy, "obiettivi_operativi", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("obiettivi_operativi", 3, "peso") in where(failure)
    assert "foglio «obiettivi_operativi», riga 3, colonna «peso»: «abc» non è un numero" in str(failure)


def test_negative_weight_is_refused(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "indicatori")
    rows[0]["peso"] = "-10"
    write_sheet(demo_copy, "indicatori", rows)
    assert ("indicatori", 2, "peso") in where(refuse(demo_copy, other_entity))


def test_bad_date_is_refused(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "periodi")
    rows[0]["data_riferimento"] = "31/02/2023"
    write_sheet(demo_copy, "periodi", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("periodi", 2, "data_riferimento") in where(failure)
    assert "non è una data valida" in str(failure)


def test_text_that_is_no_value_is_refused_but_odd_seed_values_are_kept(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "valori")
    rows[4]["valore"] = "boh"
    write_sheet(demo_copy, "valori", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("valori", 6, "valore") in where(failure)


def test_duplicate_code_points_to_the_first_occurrence(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "indicatori")
    rows.append(dict(rows[0]))
    write_sheet(demo_copy, "indicatori", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("indicatori", len(rows) + 1, "codice") in where(failure)
    assert "già presente alla riga 2" in str(failure)


def test_unknown_unit_reference_is_refused(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "schede")
    index = next(i for i, r in enumerate(rows) if r["unita"])
    rows[index]["unita"] = "XYZ"
    write_sheet(demo_copy, "schede", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("schede", index + 2, "unita") in where(failure)
    assert "l'unità «XYZ» non esiste" in str(failure)


def test_unknown_objective_reference_is_refused(demo_copy, other_entity):
    rows = read_sheet(demo_copy, "indicatori")
    rows[2]["obiettivo_operativo"] = "9.9.99"
    write_sheet(demo_copy, "indicatori", rows)
    failure = refuse(demo_copy, other_entity)
    assert ("indicatori", 4, "obiettivo_operativo") in where(failure)


def test_every_error_is_listed_not_just_the_first(demo_copy, other_entity):
    oo = read_sheet(demo_copy, "obiettivi_operativi")
    oo[0]["peso"] = "molto"
    write_sheet(demo_copy, "obiettivi_operativi", oo)
    ind = read_sheet(demo_copy, "indicatori")
    ind[0]["tipo"] = "boh"
    write_sheet(demo_copy, "indicatori", ind)
    failure = refuse(demo_copy, other_entity)
    assert {("obiettivi_operativi", 2, "peso"), ("indicatori", 2, "tipo")} <= where(failure)


def test_wrong_encoding_is_explained(demo_copy, other_entity):
    text = (demo_copy / "obiettivi_strategici.csv").read_text(encoding="utf-8")
    (demo_copy / "obiettivi_strategici.csv").write_bytes(text.encode("latin-1", errors="replace"))
    failure = refuse(demo_copy, other_entity)
    assert "non è codificato in UTF-8" in str(failure)
    assert failure.issues[0].sheet == "obiettivi_strategici" and failure.issues[0].row is not None


def test_empty_files_are_refused(tmp_path, demo_copy, other_entity):
    empty = tmp_path / "vuoto.xlsx"
    empty.write_bytes(b"")
    assert "il file è vuoto" in str(refuse(empty, other_entity))
    (demo_copy / "prospettive.csv").write_bytes(b"")
    failure = refuse(demo_copy, other_entity)
    assert ("prospettive", 1, "") in where(failure)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, other_entity):
    fake = tmp_path / "piano.xlsx"
    fake.write_text("non sono un file excel")
    assert "non è una cartella di lavoro .xlsx valida" in str(refuse(fake, other_entity))


def test_failed_import_into_existing_cycle_keeps_its_values(demo_cycle, demo_copy):
    rows = read_sheet(demo_copy, "valori")
    for row in rows:
        row["valore"] = "1"
    rows[-1]["periodo"] = "2099"
    write_sheet(demo_copy, "valori", rows)
    refuse(demo_copy, demo_cycle.entity)


def test_frozen_cycle_refuses_imports(demo_cycle):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    failure = refuse(DEMO_DIR, demo_cycle.entity)
    assert "congelati" in str(failure)


def test_command_lists_errors_and_fails(db, demo_copy, capsys):
    rows = read_sheet(demo_copy, "periodi")
    rows[0]["scadenza"] = "domani"
    write_sheet(demo_copy, "periodi", rows)
    with pytest.raises(CommandError, match="nessun dato salvato"):
        call_command("import_plan", str(demo_copy), cycle=2030, entity="cciaa-bergamo")
    assert "foglio «periodi», riga 2, colonna «scadenza»" in capsys.readouterr().err
    assert not Cycle.objects.filter(year=2030).exists()


def test_reimport_without_a_row_removes_that_assignment_only(demo_cycle, demo_copy):
    rows = read_sheet(demo_copy, "assegnazioni")
    removed = rows.pop(3)
    write_sheet(demo_copy, "assegnazioni", rows)
    # The demo cycle is past planning: removing an assignment is an in-year change with its act.
    act = ChangeAct(datetime.date(2023, 5, 3), "Determinazione n. 12/2023", "Servizio riorganizzato")
    report = import_plan(demo_copy, year=2023, entity=demo_cycle.entity, change_act=act)
    assert report.counts["assegnazioni"] == {"creati": 0, "aggiornati": 0, "eliminati": 1}
    assert not Assignment.objects.filter(scorecard__cycle=demo_cycle, scorecard__code=removed["scheda"],
                                         indicator__code=removed["indicatore"]).exists()
