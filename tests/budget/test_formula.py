"""The index formula language: what the struttura tecnica types, how it reads back, what it computes."""
from decimal import Decimal

import pytest

from budget.formula import FormulaError, describe, evaluate, parse, substitute

LABELS = {
    "patrimonio_netto": "Patrimonio netto", "passivita_ml": "Passività M/L",
    "immobilizzazioni": "Immobilizzazioni", "attivita_ml": "Attività M/L",
}
STRUCTURE = "(patrimonio_netto + passivita_ml) / (immobilizzazioni + attivita_ml)"


def test_a_formula_reads_back_with_the_components_labels():
    assert describe(parse(STRUCTURE), LABELS) == (
        "(Patrimonio netto + Passività M/L) / (Immobilizzazioni + Attività M/L)")


def test_a_formula_names_the_components_it_needs():
    assert parse(STRUCTURE).variables() == frozenset(LABELS)


def test_a_code_without_a_label_is_shown_as_is():
    assert describe(parse("risultato / patrimonio_netto"), LABELS) == "risultato / Patrimonio netto"


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", "7"),
    ("(1 + 2) * 3", "9"),
    ("10 - 4 - 3", "3"),  # left to right, not 10 - (4 - 3)
    ("12 / 3 / 2", "2"),
    ("-2 * -3", "6"),
    ("-(2 + 3)", "-5"),
    ("2,5 * 2", "5.0"),  # Italian decimal comma
    ("0.5 * 4", "2.0"),  # dot decimal
    ("1.000 / 4", "250"),  # "1.000" is a thousand, as everywhere in Misura
    ("1.234,5 - 0,5", "1234.0"),
])
def test_arithmetic_follows_the_usual_precedence(text, expected):
    assert evaluate(parse(text), {}) == Decimal(expected)


def test_the_written_back_formula_keeps_only_the_parentheses_that_matter():
    assert str(parse("((a * b)) / c")) == "a * b / c"
    assert str(parse("a / (b * c)")) == "a / (b * c)"
    assert str(parse("a - (b + c)")) == "a - (b + c)"
    assert str(parse("(a - b) + c")) == "a - b + c"
    assert str(parse("-(a + b) * c")) == "-(a + b) * c"


def test_written_back_formula_evaluates_to_the_same_value():
    values = {"a": Decimal(7), "b": Decimal(3), "c": Decimal(2)}
    for text in ("a - (b - c)", "a / (b / c)", "(a - b) * -c", "-(a - b) / (c + 1)"):
        expr = parse(text)
        assert evaluate(parse(str(expr)), values) == evaluate(expr, values)


def test_substitute_shows_the_year_amounts_in_italian_format():
    values = {"patrimonio_netto": Decimal("60886529.50"), "passivita_ml": Decimal(-1500),
              "immobilizzazioni": Decimal(37000000), "attivita_ml": Decimal(125000)}
    assert substitute(parse(STRUCTURE), values) == "(60.886.529,5 + (-1.500)) / (37.000.000 + 125.000)"


def test_substitute_marks_a_missing_amount_as_not_available():
    assert substitute(parse("a / b"), {"a": Decimal(1)}) == "1 / n.d."


def test_evaluation_reports_missing_components_by_code():
    with pytest.raises(FormulaError, match="manca il valore di attivita_ml, immobilizzazioni"):
        evaluate(parse(STRUCTURE), {"patrimonio_netto": Decimal(1), "passivita_ml": Decimal(1)})


def test_division_by_zero_is_an_error_not_a_crash():
    with pytest.raises(FormulaError, match="divisione per zero"):
        evaluate(parse("a / (b - c)"), {"a": Decimal(1), "b": Decimal(2), "c": Decimal(2)})


@pytest.mark.parametrize(("text", "problem"), [
    ("", "è vuota"),
    ("a +", "finisce"),
    ("(a + b", "manca la parentesi"),
    ("a + b)", "non è al suo posto"),
    ("a b", "non è al suo posto"),
    ("Patrimonio / b", "minuscolo"),
    ("a % b", "carattere «%» non ammesso"),
    ("__import__('os')", "carattere «_» non ammesso"),
    ("a ** b", "non è al suo posto"),
    ("1,2,3", "non è scritto correttamente"),
    ("(" * 60 + "a" + ")" * 60, "troppi livelli"),
    ("-" * 60 + "a", "troppi livelli"),
    ("a" * 501, "più lunga"),
])
def test_anything_but_arithmetic_is_refused_with_an_italian_message(text, problem):
    with pytest.raises(FormulaError, match=problem) as caught:
        parse(text)
    assert caught.value.args[0].startswith("Formula «")


def test_the_seed_ratio_indices_are_plain_formulas():
    """Indici e margini (seed lines 401-415): every printed definition is expressible."""
    for text in [
        "risultato / (patrimonio_netto - risultato)",
        "margine_operativo_ante_interventi / fte",
        "(oneri_correnti - interventi_economici - ammortamenti) / proventi_correnti",
        "costo_lavoro / oneri_correnti",
        "interventi_economici / valore_produzione",
        "interventi_economici / margine_operativo_ante_interventi",
        "patrimonio_netto / (immobilizzazioni + attivita_ml)",
        STRUCTURE,
        "attivita_breve / passivita_breve",
        "disponibilita_liquide / passivita_breve",
    ]:
        assert parse(text).variables()
