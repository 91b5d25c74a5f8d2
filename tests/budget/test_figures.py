"""Conto economico, interventi economici, indices and participations, checked against the seed
(relazione-performance-2023-cciaa-bergamo.md, chapter 1 "Le risorse economiche"; not in the repository:
the figures below are typed in, so the test never opens it).

Inputs are typed from the seed; every assertion compares our figure with the one the seed prints, at
the precision it prints. Where the seed contradicts itself the test says so, naming the seed line.
"""
from decimal import Decimal as D

import pytest

from budget.figures import (
    ActionInput, Amounts, DeclaredInput, IndexInput, LineInput, ParticipationInput, actions, format_euro,
    format_index, format_percent, income_statement, indices, participations,
)


def pct(value, decimals=0):
    return format_percent(value, decimals)


def seed_lines(rimanenze_actual=D(8680)):
    """Seed lines 358-379. C, D and E are printed as totals only, so each is one line of its section."""
    rows = [
        ("A", "1", "Diritto Annuale", None, 12765200, 13232118),
        ("A", "2", "Diritti di segreteria", None, 5480000, 6306792),
        ("A", "3", "Contributi trasferimenti ed altre entrate", None, 229000, 304511),
        ("A", "4", "Proventi Gestione Servizi", None, 215500, 270301),
        ("A", "5", "Variazione delle rimanenze", None, None, rimanenze_actual),  # forecast printed "-"
        ("B", "6", "Personale", None, 4363500, 4185188),
        ("B", "7", "Funzionamento", None, 3412000, 3085390),
        ("B", "7a", "Prestazione di servizi", "7", 1579100, 1322424),
        ("B", "7b", "Godimento di beni di terzi", "7", 10000, 6849),
        ("B", "7c", "Oneri diversi di gestione", "7", 557500, 505641),
        ("B", "7d", "Quote associative", "7", 1032000, 1020531),
        ("B", "7e", "Organi Istituzionali", "7", 233400, 229945),
        ("B", "8", "Interventi economici", None, 8880200, 8501261),
        ("B", "9", "Ammortamenti ed accantonamenti", None, 4040000, 4053733),
        ("C", "C", "Gestione finanziaria", None, 437700, 440452),
        ("D", "D", "Gestione straordinaria", None, 971250, 1946948),
        ("E", "E", "Rettifiche di valore attività finanziaria", None, 0, 0),
    ]
    return [LineInput(s, c, label, parent, None if f is None else D(f), None if a is None else D(a), i)
            for i, (s, c, label, parent, f, a) in enumerate(rows)]


SEED_DECLARED = [  # the bold rows, seed lines 364, 375-380
    DeclaredInput("A", D(18689700), D(20105042)),
    DeclaredInput("B", D(20695700), D(19825572)),
    DeclaredInput("A-B", D(-2006000), D(279470)),
    DeclaredInput("C", D(437700), D(440452)),
    DeclaredInput("D", D(971250), D(1946948)),
    DeclaredInput("E", D(0), D(0)),
    DeclaredInput("RIS", D(-597050), D(2666870)),
]


def line(statement, code):
    return next(f for s in statement.sections for f in s.lines if f.code == code)


# ------------------------------------------------------------------------------------------------- Amounts

def test_difference_counts_a_missing_side_as_zero():
    assert Amounts(None, D(8680)).difference == D(8680)
    assert Amounts(D(100), None).difference == D(-100)
    assert Amounts(None, None).difference is None


@pytest.mark.parametrize(("forecast", "actual", "shown"), [
    (None, D(8680), "n.s."),  # no forecast
    (D(0), D(0), "n.s."),  # zero forecast
    (D(-2006000), D(279470), "n.s."),  # opposite signs
    (D(-100), D(-50), "50%"),  # a loss halved is +50%: divided by |forecast|
    (D(100), D(0), "-100%"),
])
def test_percent_is_not_significant_without_a_comparable_forecast(forecast, actual, shown):
    assert pct(Amounts(forecast, actual).percent) == shown


# --------------------------------------------------------------------------------------- conto economico 2023

@pytest.mark.parametrize(("code", "difference", "shown"), [  # seed lines 359-374
    ("1", 466918, "4%"), ("2", 826792, "15%"), ("3", 75511, "33%"), ("4", 54801, "25%"),
    ("6", -178312, "-4%"), ("7", -326610, "-10%"), ("7a", -256676, "-16%"), ("7b", -3151, "-32%"),
    ("7c", -51859, "-9%"), ("7d", -11469, "-1%"), ("7e", -3455, "-1%"), ("8", -378939, "-4%"),
    ("9", 13733, "0%"),
])
def test_each_line_difference_and_percent_match_the_seed(code, difference, shown):
    amounts = line(income_statement(seed_lines(), []), code).amounts
    assert amounts.difference == difference
    assert pct(amounts.percent) == shown


def test_sub_lines_detail_funzionamento_and_never_add_to_the_section():
    statement = income_statement(seed_lines(), SEED_DECLARED)
    b = statement.section("B")
    assert [(f.code, f.level) for f in b.lines] == [
        ("6", 0), ("7", 0), ("7a", 1), ("7b", 1), ("7c", 1), ("7d", 1), ("7e", 1), ("8", 0), ("9", 0)]
    # seed line 375: 20.695.700 / 19.825.572 / -870.128 / -4%
    assert (b.total.forecast, b.total.actual, b.total.difference) == (20695700, 19825572, -870128)
    assert pct(b.total.percent) == "-4%"
    # 7a-7e add up to line 7 in both columns (seed lines 367-372): no mismatch on "7"
    assert not [m for m in statement.mismatches if m.key == "7"]


def test_all_five_sections_are_there_in_order():
    statement = income_statement(seed_lines(), [])
    assert [s.key for s in statement.sections] == ["A", "B", "C", "D", "E"]
    assert statement.sections[0].label == "A) Proventi correnti"


def test_seed_rimanenze_sign_is_missing_on_line_363():
    """Seed line 363 prints consuntivo 8.680 but scostamento -8.680, and the total of line 364
    (20.105.042) only adds up with -8.680: 13.232.118 + 6.306.792 + 304.511 + 270.301 = 20.113.722."""
    as_printed = income_statement(seed_lines(), SEED_DECLARED)
    assert as_printed.section("A").total.actual == 20122402
    assert {(m.key, m.column) for m in as_printed.mismatches} == {("A", "actual"), ("A-B", "actual"),
                                                                   ("RIS", "actual")}
    mismatch = next(m for m in as_printed.mismatches if m.key == "A")
    assert (mismatch.declared, mismatch.computed) == (20105042, 20122402)
    assert "20.105.042" in mismatch.message and "20.122.402" in mismatch.message

    corrected = income_statement(seed_lines(rimanenze_actual=D(-8680)), SEED_DECLARED)
    assert corrected.mismatches == []
    assert line(corrected, "5").amounts.difference == -8680  # now the printed scostamento
    a = corrected.section("A").total
    # seed line 364: 18.689.700 / 20.105.042 / 1.415.342 / 7,6%
    assert (a.forecast, a.actual, a.difference) == (18689700, 20105042, 1415342)
    assert pct(a.percent, 1) == "7,6%"


def test_results_match_the_seed_with_the_rimanenze_corrected():
    statement = income_statement(seed_lines(rimanenze_actual=D(-8680)), SEED_DECLARED)
    current, result = statement.current_result, statement.result
    # seed line 376: -2.006.000 / 279.470 / 2.285.470
    assert (current.forecast, current.actual, current.difference) == (-2006000, 279470, 2285470)
    # seed line 380: -597.050 / 2.666.870 / 3.263.920 / n.s.
    assert (result.forecast, result.actual, result.difference) == (-597050, 2666870, 3263920)
    assert pct(result.percent) == "n.s."
    # seed lines 377 and 379
    assert pct(statement.section("C").total.percent) == "1%"
    assert pct(statement.section("E").total.percent) == "n.s."


def test_seed_prints_minus_114_percent_where_the_signs_are_opposite():
    """Seed line 376 prints -114%: 2.285.470 / -2.006.000. A loss turning into a profit has no
    meaningful percentage, so ours is n.s."""
    statement = income_statement(seed_lines(rimanenze_actual=D(-8680)), SEED_DECLARED)
    assert D(2285470) / D(-2006000) * 100 == pytest.approx(D("-113.93"), abs=D("0.01"))
    assert statement.current_result.percent is None


def test_seed_prints_ns_for_gestione_straordinaria_though_it_is_computable():
    """Seed line 378 prints n.s. for 971.250 → 1.946.948: both positive, so the rule gives +100%."""
    d = income_statement(seed_lines(), []).section("D").total
    assert d.difference == 975698
    assert pct(d.percent) == "100%"
    assert d.percent == pytest.approx(D("100.458"), abs=D("0.001"))


def test_a_parent_line_whose_detail_does_not_add_up_is_flagged():
    lines = seed_lines()
    lines = [row if row.code != "7e" else LineInput(row.section, row.code, row.label, row.parent_code, D(233400),
                                                     D(229000), row.position) for row in lines]
    statement = income_statement(lines, [])
    [mismatch] = statement.mismatches
    assert (mismatch.key, mismatch.column, mismatch.declared, mismatch.computed) == ("7", "actual", 3085390, 3084445)


def test_a_section_without_lines_is_unknown_and_counts_as_zero_in_the_result():
    lines = [row for row in seed_lines(rimanenze_actual=D(-8680)) if row.section != "E"]
    statement = income_statement(lines, SEED_DECLARED)
    assert statement.section("E").lines == []
    assert statement.section("E").total == Amounts(None, None)
    assert statement.result.actual == 2666870
    assert statement.mismatches == []  # the declared 0 of E agrees with nothing


# ------------------------------------------------------------------------------------ interventi economici

SEED_ACTIONS = [  # seed lines 385-392
    ("COMPETITIVITA' E INNOVAZIONE DELLE IMPRESE", 3472000, 3363805, -108195),
    ("FORMAZIONE D'IMPRESA E ORIENTAMENTO AL LAVORO", 1753200, 1575775, -177425),
    ("COMPETITIVITA' E PROMOZIONE DEL TERRITORIO", 1665000, 1619927, -45073),
    ("COMPETITIVITA' INTERNAZIONALE", 1180000, 1152869, -27131),
    ("INIZIATIVE PER LA SEMPLIFICAZIONE DEI RAPPORTI CON IMPRESE E ISTITUZIONI", 595000, 584232, -10768),
    ("CREDITO", 40000, 27349, -12651),
    ("QUOTE ASSOCIATIVE E CONTRIBUTI ORGANISMI", 75000, 74752, -248),
    ("STUDI E SERVIZI INFORMAZIONE ECONOMICA", 100000, 102552, 2552),
]


def seed_actions():
    return [ActionInput(label, D(f), D(a), i) for i, (label, f, a, _d) in enumerate(SEED_ACTIONS)]


def test_interventi_lines_total_and_agree_with_the_conto_economico():
    statement = income_statement(seed_lines(), [])
    figure = actions(seed_actions(), DeclaredInput("INT", D(8880200), D(8501261)), line(statement, "8").amounts)
    assert [(label, a.difference) for label, a in figure.lines] == [(label, d) for label, _f, _a, d in SEED_ACTIONS]
    # seed line 393: 8.880.200 / 8.501.261 / -378.939, the same as line 8 of the conto economico (line 373)
    assert (figure.total.forecast, figure.total.actual, figure.total.difference) == (8880200, 8501261, -378939)
    assert figure.mismatches == []


def test_interventi_that_differ_from_the_conto_economico_are_flagged():
    figure = actions(seed_actions(), None, Amounts(D(8880200), D(8500000)))
    [mismatch] = figure.mismatches
    assert (mismatch.key, mismatch.column, mismatch.declared, mismatch.computed) == ("CE", "actual", 8500000, 8501261)


def test_a_wrong_printed_interventi_total_is_flagged():
    figure = actions(seed_actions(), DeclaredInput("INT", D(8880000), D(8501261)), None)
    assert [(m.key, m.column) for m in figure.mismatches] == [("INT", "forecast")]


# ------------------------------------------------------------------------------------------------- indices

def test_index_shown_in_its_format_as_the_seed_prints_it():
    assert format_index(D("0.04381"), "percentuale", 2) == "4,38%"  # seed line 402
    assert format_index(D("1.6449"), "rapporto", 2) == "1,64"  # seed line 412
    assert format_index(D("106446.2"), "euro", 0) == "€ 106.446"  # seed line 405
    assert format_index(D("83.41"), "numero", 2) == "83,41"  # seed line 404
    assert format_index(None, "rapporto", 2) == "n.d."


def test_indices_over_two_years_with_labels_values_and_substitution():
    """The components of seed lines 401-415 are not printed in the seed; the FTE is (line 404), and the
    margine operativo ante interventi below (8.878.661) is derived from two printed indices: 95,75%
    of line 410 (8.501.261 / margine) and € 106.446 of line 405 (margine / 83,41). Both must come back."""
    defs = [
        IndexInput("interventi_margine", "INCIDENZA DEGLI INTERVENTI ECONOMICI",
                   "Interventi economici/Margine operativo ante interventi economici",
                   "interventi_economici / margine", "percentuale", 2, 3),
        IndexInput("fte", "ANALISI DELLA PRODUTTIVITA'", "Numero Dipendenti (full time equivalent)", "fte",
                   "numero", 2, 1),
        IndexInput("margine_addetto", "ANALISI DELLA PRODUTTIVITA'",
                   "Margine operativo ante interventi economici per addetto", "margine / fte", "euro", 0, 2),
    ]
    components = {2023: {"interventi_economici": D(8501261), "margine": D(8878661), "fte": D("83.41")},
                  2022: {"fte": D("79.21")}}
    labels = {"interventi_economici": "Interventi economici", "margine": "Margine operativo ante interventi",
              "fte": "FTE"}
    figures = indices(defs, components, labels, [2023, 2022])
    assert [f.code for f in figures] == ["fte", "margine_addetto", "interventi_margine"]  # by position
    fte, per_head, share = figures
    assert fte.shown == {2023: "83,41", 2022: "79,21"}  # seed line 404
    assert per_head.shown[2023] == "€ 106.446"  # seed line 405
    assert share.shown[2023] == "95,75%"  # seed line 410
    assert share.formula_text == "Interventi economici / Margine operativo ante interventi"
    assert share.substituted[2023] == "8.501.261 / 8.878.661"
    assert share.values[2023] == D(8501261) / D(8878661)
    # 2022's components were not entered: n.d., and why
    assert share.shown[2022] == "n.d." and share.values[2022] is None
    assert "manca il valore di interventi_economici, margine" in share.errors[2022]
    assert share.substituted[2022] == "n.d. / n.d."
    assert 2023 not in share.errors


def test_an_index_whose_formula_does_not_parse_is_not_available_every_year():
    [figure] = indices([IndexInput("x", "G", "Rotto", "a +* b", "rapporto", 2, 0)], {2023: {}}, {}, [2023, 2022])
    assert figure.shown == {2023: "n.d.", 2022: "n.d."}
    assert figure.formula_text == "a +* b"
    assert "non è al suo posto" in figure.errors[2023]


def test_an_index_dividing_by_zero_is_not_available():
    [figure] = indices([IndexInput("x", "G", "Liquidità", "a / b", "rapporto", 2, 0)],
                       {2023: {"a": D(5), "b": D(0)}}, {}, [2023])
    assert figure.shown[2023] == "n.d." and "divisione per zero" in figure.errors[2023]


# ------------------------------------------------------------------------------------------ participations

SEED_PARTICIPATIONS = [  # seed lines 438-451
    ("AUTOSTRADE BERGAMASCHE S.p.A.", "2357833.37", "55124.65", "2.34"),
    ("AUTOSTRADE LOMBARDE S.p.A.", "467726626.00", "3341000.00", "0.71"),
    ("BERGAMO FIERA NUOVA S.p.A.", "9820823.00", "5798925.00", "48.83"),
    ("BORSA MERCI TELEMATICA S.c.p.A.", "2387372.16", "1498.10", "0.06"),
    ("CENTRO STUDI TAGLIACARNE S.c.a r.l", "500824.00", "2000.00", "0.40"),
    ("IC OUTSOURCING S.c.r.l.", "372000.00", "132.06", "0.04"),
    ("INFOCAMERE S.c.p.A.", "17670000.00", "10471.80", "0.06"),
    ("PROMOS ITALIA S.c.", "2000000.00", "40000.00", "2.00"),
    ("S.A.C.B.O. S.p.A.", "17010000.00", "2253504.00", "13.25"),
    ("SI.CAMERA S.c.a.r.l.", "4009935.00", "787.00", "0.02"),
    ("TECNODAL S.r.l.", "6100000.00", "2989000.00", "49.00"),
    ("TECNOSERVICECAMERE S.c.p.A.", "1318941.00", "6620.00", "0.50"),
    ("T.E.B. S.p.A", "27800000.00", "1390000.00", "5.00"),
    ("TURISMOBERGAMO S.c.a.r.l.", "285720.00", "129000.00", "45.35"),
]


def test_participation_shares_match_the_seed_except_two():
    """Nominal value ÷ share capital, rounded to the printed 2 decimals, gives the printed % for 12 of
    14 companies. Seed line 440 (Bergamo Fiera Nuova) prints 48,83% for 5.798.925 / 9.820.823 = 59,05%;
    seed line 451 (TurismoBergamo) prints 45,35% for 129.000 / 285.720 = 45,15%."""
    # the declared % as the database gives it back: four decimal places
    rows = [ParticipationInput(c, D(cap), D(nom), D(p).quantize(D("0.0001")), i)
            for i, (c, cap, nom, p) in enumerate(SEED_PARTICIPATIONS)]
    figures = participations(rows)
    assert [f.company for f in figures if f.mismatch] == ["BERGAMO FIERA NUOVA S.p.A.", "TURISMOBERGAMO S.c.a.r.l."]
    by_company = {f.company: f for f in figures}
    assert pct(by_company["BERGAMO FIERA NUOVA S.p.A."].percent, 2) == "59,05%"
    assert pct(by_company["TURISMOBERGAMO S.c.a.r.l."].percent, 2) == "45,15%"
    assert pct(by_company["IC OUTSOURCING S.c.r.l."].percent, 2) == "0,04%"  # 0,0355 rounds half up
    assert by_company["TECNODAL S.r.l."].percent == 49  # unrounded, exact


def test_a_participation_without_a_declared_share_is_never_flagged():
    [figure] = participations([ParticipationInput("X", D(100), D(3), None, 0)])
    assert figure.percent == 3 and not figure.mismatch


# ------------------------------------------------------------------------------------------------ formats

def test_euro_and_percent_round_half_up_in_italian_format():
    assert format_euro(D("106445.5")) == "€ 106.446"
    assert format_euro(D(-2006000)) == "€ -2.006.000"
    assert format_euro(None) == ""
    assert format_percent(D("7.5728"), 1) == "7,6%"
    assert format_percent(D("0.125"), 2) == "0,13%"
    assert format_percent(None, 1) == "n.s."
