from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from reports.charts import grouped_bar_chart, stacked_bar_chart

NS = "{http://www.w3.org/2000/svg}"
LINES = ["Diritto annuale", "Diritti di segreteria", "Variazione delle rimanenze"]
BUDGET = [
    ("Preventivo", [Decimal(12765200), Decimal(5480000), None]),
    ("Consuntivo", [Decimal(13232118), Decimal(6306792), Decimal(8680)]),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def zero_axis(root: ET.Element) -> ET.Element:
    return [line for line in root.iter(f"{NS}line") if line.get("stroke-width") == "1.5"][-1]


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for g in root.iter(f"{NS}g") if g.get("class") == "chart-category" for r in g.iter(f"{NS}rect")
            if r.get("fill") != "#FFFFFF"]


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("chart", [grouped_bar_chart, stacked_bar_chart])
@pytest.mark.parametrize("horizontal", [True, False])
def test_chart_is_valid_svg_with_accessible_name_and_description(chart, horizontal):
    root = parse(chart("Conto economico", LINES, BUDGET, unit="€", horizontal=horizontal))

    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 \d+(\.\d)?", root.get("viewBox"))
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Conto economico"


def test_description_summarises_the_data_in_italian():
    desc = parse(grouped_bar_chart("Conto economico", LINES, BUDGET)).find(f"{NS}desc").text

    assert "Diritto annuale: Preventivo 12.765.200, Consuntivo 13.232.118" in desc
    assert "Variazione delle rimanenze: Preventivo n.d., Consuntivo 8.680" in desc


def test_bars_carry_italian_formatted_values_with_the_unit():
    labels = texts(parse(grouped_bar_chart("Conto economico", LINES, BUDGET, unit="€")))

    assert "€ 12.765.200" in labels
    assert "€ 13.232.118" in labels


def test_decimals_are_written_with_a_comma():
    labels = texts(parse(grouped_bar_chart("Indici", ["Solidità"], [("2023", [Decimal("1.64")])], decimals=2)))

    assert "1,64" in labels


def test_missing_value_is_shown_as_nd_without_a_bar():
    root = parse(grouped_bar_chart("Conto economico", LINES, BUDGET))

    assert "n.d." in texts(root)
    assert len(bars(root)) == 5  # six values, one missing


def test_negative_bars_go_left_of_the_zero_axis():
    root = parse(grouped_bar_chart("Scostamento", ["Personale", "Diritto annuale"],
                                   [("Scostamento", [Decimal(-178312), Decimal(466918)])]))
    zero = float(zero_axis(root).get("x1"))
    negative, positive = bars(root)

    assert float(negative.get("x")) + float(negative.get("width")) == pytest.approx(zero, abs=0.2)
    assert float(negative.get("x")) < zero
    assert float(positive.get("x")) == pytest.approx(zero, abs=0.2)
    assert "-178.312" in texts(root)


def test_negative_columns_go_below_the_zero_axis():
    root = parse(grouped_bar_chart("Scostamento", ["Personale", "Diritto annuale"],
                                   [("Scostamento", [Decimal(-178312), Decimal(466918)])], horizontal=False))
    zero = float(zero_axis(root).get("y1"))
    negative, positive = bars(root)

    assert float(negative.get("y")) == pytest.approx(zero, abs=0.2)
    assert float(positive.get("y")) + float(positive.get("height")) == pytest.approx(zero, abs=0.2)


def test_labels_with_markup_characters_are_escaped():
    svg = grouped_bar_chart('R&S <"nuovi">', ["Ricerca & sviluppo <2023>"], [("Costi & oneri", [Decimal(1)])])
    root = parse(svg)

    assert root.find(f"{NS}title").text == 'R&S <"nuovi">'
    assert "Ricerca & sviluppo <2023>" in texts(root)
    assert "Costi & oneri" in texts(root)


def test_same_input_gives_the_same_bytes_and_different_charts_get_different_ids():
    first = grouped_bar_chart("Conto economico", LINES, BUDGET)
    again = grouped_bar_chart("Conto economico", LINES, BUDGET)
    other = stacked_bar_chart("Conto economico", LINES, BUDGET)

    assert first == again
    ids_first = {e.get("id") for e in parse(first).iter() if e.get("id")}
    ids_other = {e.get("id") for e in parse(other).iter() if e.get("id")}
    assert ids_first and ids_other and not ids_first & ids_other


def test_second_series_is_hatched_and_named_in_the_legend():
    root = parse(grouped_bar_chart("Conto economico", LINES, BUDGET))
    patterns = list(root.iter(f"{NS}pattern"))

    assert len(patterns) == 1
    assert any(r.get("fill") == f"url(#{patterns[0].get('id')})" for r in bars(root))
    assert {"Preventivo", "Consuntivo"} <= set(texts(root))


def test_long_category_label_is_shortened_with_the_full_text_in_a_tooltip():
    label = "Iniziative per la semplificazione dei rapporti con imprese e istituzioni del territorio bergamasco"
    root = parse(grouped_bar_chart("Interventi", [label], [("Costi", [Decimal(584232)])]))
    group = next(g for g in root.iter(f"{NS}g") if g.get("class") == "chart-category")

    assert label in group.find(f"{NS}title").text
    assert any(t.endswith("…") for t in texts(group))
    assert label not in " ".join(texts(group))


def test_stacked_bars_show_total_and_values_of_segments_too_small_to_hold_them():
    root = parse(stacked_bar_chart("Personale", ["Dirigenti", "Istruttori"],
                                   [("Donne", [Decimal(1), Decimal(35)]), ("Uomini", [Decimal(1), Decimal(12)])]))
    labels = texts(root)

    assert "2 (1 + 1)" in labels
    assert "47" in labels and "35" in labels and "12" in labels


def test_stacked_negative_segment_goes_on_the_other_side():
    root = parse(stacked_bar_chart("Saldo", ["Gestione"], [("Proventi", [Decimal(10)]), ("Oneri", [Decimal(-4)])]))
    zero = float(zero_axis(root).get("x1"))
    positive, negative = bars(root)

    assert float(positive.get("x")) == pytest.approx(zero, abs=0.2)
    assert float(negative.get("x")) < zero


def test_all_text_colours_reach_aa_contrast_on_white():
    root = parse(stacked_bar_chart("Personale", ["Dirigenti"], [("Donne", [Decimal(1)]), ("Uomini", [None])]))
    for text in root.iter(f"{NS}text"):
        colour = text.get("fill")
        if colour == "#FFFFFF":  # white text only sits on solid series fills, checked below
            continue
        assert (1.05) / (relative_luminance(colour) + 0.05) >= 4.5, colour
    for fill in ("#0066CC", "#17324D", "#008055", "#995C00", "#5D7083"):
        assert (1.05) / (relative_luminance(fill) + 0.05) >= 4.5, fill


def test_series_with_a_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError):
        grouped_bar_chart("Conto", LINES, [("Preventivo", [Decimal(1)])])
