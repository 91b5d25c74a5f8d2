"""The context workbook (chapter 1 and the bilancio di genere): the demo, round trips, and refusals."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from budget.importer import ImportFailed, export_context, import_context
from budget.models import (
    ActionLine,
    BalanceComponent,
    BalanceIndex,
    BudgetLine,
    DeclaredTotal,
    Participation,
)
from organization.models import (
    Absence,
    ContextRow,
    ContextTable,
    Entity,
    Organ,
    OrgUnit,
    ParentalLeave,
    StaffBreakdown,
    StaffCount,
    StaffPlan,
    StaffYear,
)
from tests.conftest import DEMO_DIR, read_sheet, write_sheet

CONTEXT_DIR = DEMO_DIR / "contesto"

#: sheet → (model, the fields that make its content), for counting and comparing
SHEETS = {
    "conto_economico": (BudgetLine, ("year", "subject__code", "section", "code", "label", "parent__code", "forecast",
                                     "actual", "position")),
    "totali_dichiarati": (DeclaredTotal, ("year", "subject__code", "key", "forecast", "actual")),
    "interventi_economici": (ActionLine, ("year", "subject__code", "label", "forecast", "actual", "position")),
    "componenti_bilancio": (BalanceComponent, ("year", "code", "label", "value", "source")),
    "indici": (BalanceIndex, ("year", "group", "code", "label", "formula", "format", "decimals", "position")),
    "partecipazioni": (Participation, ("year", "company", "share_capital", "nominal_value", "declared_percent",
                                       "position")),
    "organi": (Organ, ("year", "kind", "name", "description", "composition", "members", "position")),
    "dotazione_organica": (StaffPlan, ("year", "category", "planned_posts", "note", "position")),
    "personale": (StaffCount, ("year", "category", "gender", "contract", "part_time_percent", "headcount", "position")),
    "personale_annuale": (StaffYear, ("year", "declared_fte", "note")),
    "personale_classi": (StaffBreakdown, ("year", "dimension", "bucket", "gender", "headcount", "position")),
    "assenze": (Absence, ("year", "cause", "days", "position")),
    "congedi_parentali": (ParentalLeave, ("year", "gender", "pay", "days", "position")),
    "contesto_tabelle": (ContextTable, ("year", "code", "title", "source", "period", "note", "label_heading",
                                        "columns", "summable_columns", "position")),
}


def snapshot(entity: Entity) -> dict[str, list[tuple]]:
    """Everything the context import writes for the entity, without primary keys."""
    data = {sheet: sorted(model.objects.filter(entity=entity).values_list(*fields), key=repr)
            for sheet, (model, fields) in SHEETS.items()}
    data["contesto_righe"] = sorted(ContextRow.objects.filter(table__entity=entity).values_list(
        "table__code", "position", "label", "style", "values"), key=repr)
    return data


@pytest.fixture
def entity(demo_cycle) -> Entity:
    return demo_cycle.entity


@pytest.fixture
def context_copy(tmp_path: Path) -> Path:
    target = tmp_path / "contesto"
    shutil.copytree(CONTEXT_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def issues_of(failure: pytest.ExceptionInfo) -> set[tuple]:
    return {(i.sheet, i.row, i.column) for i in failure.value.issues}


def test_the_demo_loads_every_sheet_of_the_seed(entity):
    data = snapshot(entity)
    for sheet in [*SHEETS, "contesto_righe"]:
        assert len(data[sheet]) == len(read_sheet(CONTEXT_DIR, sheet)), sheet
    assert len(data["conto_economico"]) == 17 and len(data["partecipazioni"]) == 14
    assert len(data["contesto_tabelle"]) == 4 and len(data["contesto_righe"]) == 41
    assert len(data["indici"]) == 11 and len(data["componenti_bilancio"]) == 30
    assert StaffCount.objects.filter(entity=entity, year=2022).count() == 12


def test_demo_keeps_the_printed_figures_and_their_inconsistencies(entity):
    line5 = BudgetLine.objects.get(entity=entity, year=2023, code="5")
    assert (line5.forecast, line5.actual) == (None, Decimal(8680))  # "-" is empty; the printed sign is kept
    assert DeclaredTotal.objects.get(entity=entity, year=2023, key="A").actual == Decimal(20105042)
    assert BudgetLine.objects.get(entity=entity, year=2023, code="7c").parent.code == "7"
    assert StaffYear.objects.get(entity=entity, year=2023).declared_fte == Decimal("87.34")
    part_time = StaffCount.objects.filter(entity=entity, year=2023, part_time_percent__isnull=False)
    assert sorted((c.part_time_percent, c.headcount) for c in part_time) == [(Decimal(50), 2), (Decimal(75), 1)]
    assert StaffPlan.objects.get(entity=entity, year=2023, category="Operatori esperti").note
    fiera = Participation.objects.get(entity=entity, company="BERGAMO FIERA NUOVA S.p.A.")
    assert fiera.declared_percent == Decimal("48.83")


def test_context_values_are_stored_as_printed_decimals(entity):
    rows = {(r.table.code, r.label): r for r in ContextRow.objects.filter(table__entity=entity).select_related("table")}
    assert rows["forze_lavoro", "- occupati (15-89 anni)"].values == ["479.0", "473.4", "475.4", "488.7", "491.0"]
    assert rows["provincia_triennio", "Popolazione residente (1)"].values == ["-0.1", "0.3", "0.2"]
    total = rows["imprese_ateco", "Totale"]
    assert total.style == "totale" and total.values == ["91431", "82515", "5120", "6280", "4779", "-431", "-0.5"]
    assert rows["forze_lavoro", "Tassi specifici (%)"].values == [None] * 5
    table = ContextTable.objects.get(entity=entity, code="imprese_ateco")
    assert table.summable_columns == [0, 1, 2, 3, 4, 5] and len(table.columns) == 7


def test_reimporting_the_demo_changes_nothing(entity):
    before = snapshot(entity)
    report = import_context(CONTEXT_DIR, year=2023, entity=entity)
    assert snapshot(entity) == before
    assert report.counts["personale"] == 34 and report.replaced["personale"] == 34
    assert report.years["personale"] == [2022, 2023] and report.years["indici"] == [2023]


def test_export_then_import_gives_the_same_data(entity, tmp_path):
    before = snapshot(entity)
    path = tmp_path / "contesto.xlsx"
    path.write_bytes(export_context(entity, 2023))
    import_context(path, year=2023, entity=entity)
    assert snapshot(entity) == before


def test_export_of_an_empty_year_is_a_template_that_imports(other_entity, tmp_path):
    path = tmp_path / "modello.xlsx"
    path.write_bytes(export_context(other_entity, 2023))
    report = import_context(path, year=2023, entity=other_entity)
    assert set(report.counts) == {*SHEETS, "contesto_righe"} and not any(report.counts.values())


def test_a_malformed_workbook_is_refused_whole_with_every_problem_located(entity, context_copy):
    before = snapshot(entity)
    # A valid sheet next to broken ones must not be written either.
    organs = read_sheet(context_copy, "organi")
    organs[0]["nome"] = "Consiglio camerale"
    write_sheet(context_copy, "organi", organs)
    staff = read_sheet(context_copy, "personale")
    staff[0]["dipendenti"] = "-1"  # row 2
    staff[1]["percentuale_part_time"] = "50"  # row 3: a full-time row
    staff[2]["percentuale_part_time"] = "100"  # row 4: part-time, but 100 %
    staff[3]["anno"] = "2024"  # row 5: after the report year
    write_sheet(context_copy, "personale", staff)
    lines = read_sheet(context_copy, "conto_economico")
    lines[8]["voce_superiore"] = "99"  # row 10
    lines[1]["consuntivo"] = "sei milioni"  # row 3
    write_sheet(context_copy, "conto_economico", lines)
    rows = read_sheet(context_copy, "contesto_righe")
    rows[0]["tabella"] = "pil"  # row 2
    rows[1]["valore_4"] = "1,2"  # row 3: the triennio table has three columns
    write_sheet(context_copy, "contesto_righe", rows)
    indices = read_sheet(context_copy, "indici")
    indices[0]["formula"] = "risultato_esercizio / patrimonio"  # row 2: no such component
    indices[1]["formula"] = "dipendenti_fte +"  # row 3: not a formula
    write_sheet(context_copy, "indici", indices)
    absences = read_sheet(context_copy, "assenze")
    write_sheet(context_copy, "assenze", absences + [absences[0]])  # row 6 repeats row 2

    with pytest.raises(ImportFailed) as failure:
        import_context(context_copy, year=2023, entity=entity)

    assert issues_of(failure) >= {
        ("personale", 2, "dipendenti"), ("personale", 3, "percentuale_part_time"),
        ("personale", 4, "percentuale_part_time"), ("personale", 5, "anno"),
        ("conto_economico", 10, "voce_superiore"), ("conto_economico", 3, "consuntivo"),
        ("contesto_righe", 2, "tabella"), ("contesto_righe", 3, "valore_4"),
        ("indici", 2, "formula"), ("indici", 3, "formula"), ("assenze", 6, "causa"),
    }
    assert all(i.message for i in failure.value.issues)
    assert "patrimonio" in next(i.message for i in failure.value.issues if (i.sheet, i.row) == ("indici", 2))
    assert snapshot(entity) == before


def test_a_subject_must_be_an_azienda_speciale_of_the_entity(entity, context_copy):
    lines = read_sheet(context_copy, "conto_economico")
    lines[0]["soggetto"] = "RI"  # a service, not an azienda speciale
    lines[1]["soggetto"] = "NESSUNA"
    write_sheet(context_copy, "conto_economico", lines)
    with pytest.raises(ImportFailed) as failure:
        import_context(context_copy, year=2023, entity=entity)
    assert issues_of(failure) == {("conto_economico", 2, "soggetto"), ("conto_economico", 3, "soggetto")}


def test_the_azienda_speciale_has_its_own_conto_economico(entity, context_copy):
    lines = read_sheet(context_copy, "conto_economico")
    write_sheet(context_copy, "conto_economico", lines + [{**line, "soggetto": "BGS"} for line in lines])
    import_context(context_copy, year=2023, entity=entity)
    agency = OrgUnit.objects.get(entity=entity, code="BGS")
    assert BudgetLine.objects.filter(entity=entity, year=2023, subject=agency).count() == len(lines)
    assert BudgetLine.objects.get(entity=entity, year=2023, subject=agency, code="7a").parent.subject == agency


def test_italian_and_excel_numbers_are_read_alike(entity, context_copy):
    lines = read_sheet(context_copy, "conto_economico")
    lines[4]["consuntivo"] = "\u22128.680"  # a typographic minus, as copied from a PDF
    lines[0]["consuntivo"] = "13232118.0"  # as a spreadsheet exports it
    write_sheet(context_copy, "conto_economico", lines)
    import_context(context_copy, year=2023, entity=entity)
    amounts = dict(BudgetLine.objects.filter(entity=entity, year=2023, code__in=["1", "5"]).values_list("code", "actual"))
    assert amounts == {"1": Decimal(13232118), "5": Decimal(-8680)}


def test_dry_run_checks_everything_and_writes_nothing(other_entity):
    report = import_context(CONTEXT_DIR, year=2023, entity=other_entity, dry_run=True)
    assert report.dry_run and report.counts["contesto_righe"] == 41
    assert not any(snapshot(other_entity).values())


def test_a_sheet_left_out_is_left_alone(entity, context_copy):
    (context_copy / "personale.csv").unlink()
    organs = read_sheet(context_copy, "organi")
    write_sheet(context_copy, "organi", organs[:2])
    import_context(context_copy, year=2023, entity=entity)
    assert StaffCount.objects.filter(entity=entity).count() == 34
    assert Organ.objects.filter(entity=entity, year=2023).count() == 2


def test_command_reports_counts_and_fails_with_every_error(entity, context_copy, capsys):
    call_command("import_context", str(CONTEXT_DIR), "--year", "2023", "--entity", entity.code, "--dry-run")
    out = capsys.readouterr().out
    assert "personale: 34 righe (anni 2022, 2023" in out and "nessun dato salvato" in out

    staff = read_sheet(context_copy, "personale")
    staff[0]["genere"] = "X"
    staff[1]["dipendenti"] = "-2"
    write_sheet(context_copy, "personale", staff)
    with pytest.raises(CommandError, match="2 errori, nessun dato salvato"):
        call_command("import_context", str(context_copy), "--year", "2023", "--entity", entity.code)
    err = capsys.readouterr().err
    assert "ERRORE foglio «personale», riga 2, colonna «genere»" in err
    assert "ERRORE foglio «personale», riga 3, colonna «dipendenti»" in err
