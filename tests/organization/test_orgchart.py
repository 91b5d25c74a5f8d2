from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from organization.models import OrgUnit
from organization.orgchart import UnitInput, org_chart_svg, units_from_queryset

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def unit_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "orgchart-unit"]


def visible_text(group: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in group.iter(f"{NS}text"))


def box_extents(element: ET.Element, offset: float = 0.0) -> list[tuple[float, float]]:
    """Absolute (left, right) of every unit box, following the nested translate()s."""
    transform = element.get("transform", "")
    if transform.startswith("translate("):
        offset += float(transform.removeprefix("translate(").split()[0])
    found = []
    if element.get("class") == "orgchart-unit":
        rect = element.find(f"{NS}rect")
        found.append((offset + float(rect.get("x")), offset + float(rect.get("x")) + float(rect.get("width"))))
    for child in element:
        found += box_extents(child, offset)
    return found


def view_width(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[2])


@pytest.fixture
def demo_units(db, django_assert_num_queries) -> list[UnitInput]:
    with django_assert_num_queries(1):
        return units_from_queryset(OrgUnit.objects.filter(entity__code="cciaa-bergamo"))


def test_every_demo_unit_appears_once_with_its_head(demo_units):
    root = parse(org_chart_svg(demo_units, title="Organigramma"))
    groups = unit_groups(root)

    assert len(demo_units) == 14
    assert len(groups) == len(demo_units)
    for unit in demo_units:
        matching = [g for g in groups if g.find(f"{NS}title").text.startswith(unit.name)]
        assert len(matching) == 1, unit.name
        if unit.head_name:
            assert unit.head_name in matching[0].find(f"{NS}title").text
            assert unit.head_name.split()[0] in visible_text(matching[0])


def test_org_chart_is_accessible_and_describes_the_tree_in_words(demo_units):
    root = parse(org_chart_svg(demo_units, title="Organigramma al 31.12.2023"))
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Organigramma al 31.12.2023"
    assert desc.text.startswith("Camera di commercio di Bergamo (responsabile: Segretario generale).")
    assert "Da Area Segreteria generale dipendono: Affari generali, Promozione, Comunicazione e studi." in desc.text
    assert "Azienda speciale Bergamo Sviluppo (azienda speciale)" in desc.text


def test_azienda_speciale_is_drawn_with_a_dashed_border_and_a_label(demo_units):
    groups = unit_groups(parse(org_chart_svg(demo_units, title="Organigramma")))
    agency = next(g for g in groups if "Bergamo Sviluppo" in g.find(f"{NS}title").text)
    others = [g for g in groups if g is not agency]

    assert agency.find(f"{NS}rect").get("stroke-dasharray")
    assert visible_text(agency).startswith("Azienda speciale")
    assert not any(g.find(f"{NS}rect").get("stroke-dasharray") for g in others)


def test_demo_chart_fits_an_a4_portrait_page(demo_units):
    root = parse(org_chart_svg(demo_units, title="Organigramma"))
    width, height = view_width(root), float(root.get("viewBox").split()[3])

    assert width == 640
    assert height < 640 * 297 / 210


def test_children_follow_position_then_code():
    units = [
        UnitInput(1, None, "ENTE", "Ente", "ente", "", 0),
        UnitInput(2, 1, "B", "Seconda", "servizio", "", 1),
        UnitInput(3, 1, "A", "Prima", "servizio", "", 1),
        UnitInput(4, 1, "Z", "Zero", "servizio", "", 0),
    ]
    desc = parse(org_chart_svg(units, title="Ordine")).find(f"{NS}desc").text

    assert "Da Ente dipendono: Zero, Prima, Seconda." in desc


def test_wide_levels_wrap_and_keep_the_width_bounded():
    units = [UnitInput(1, None, "ENTE", "Ente", "ente", "Segretario", 0)]
    for a in range(30):
        area_id = 100 + a
        units.append(UnitInput(area_id, 1, f"A{a:02}", f"Area numero {a}", "area", f"Dirigente {a}", a))
        units += [UnitInput(1000 + a * 10 + s, area_id, f"S{a:02}{s}", f"Servizio {a}.{s}", "servizio", "", s)
                  for s in range(3)]
    root = parse(org_chart_svg(units, title="Grande"))

    assert view_width(root) == 640
    assert len(unit_groups(root)) == len(units)
    assert max(right for _x, right in box_extents(root)) <= 640
    assert min(x for x, _right in box_extents(root)) >= 0


def test_flat_list_of_many_units_without_parent_wraps_into_rows():
    units = [UnitInput(i, None, f"U{i:02}", f"Ufficio {i}", "ufficio", "", i) for i in range(50)]
    root = parse(org_chart_svg(units, title="Uffici"))

    assert view_width(root) == 640
    assert len(unit_groups(root)) == 50
    assert float(root.get("viewBox").split()[3]) < 50 * 40  # rows, not one tall column


def test_names_with_markup_characters_are_escaped():
    units = [UnitInput(1, None, "E", "Ricerca & sviluppo <R&S>", "ente", 'Dott. "Rossi"', 0)]
    root = parse(org_chart_svg(units, title="A & B"))

    assert root.find(f"{NS}title").text == "A & B"
    assert "Ricerca & sviluppo <R&S>" in visible_text(unit_groups(root)[0])


def test_a_parent_loop_does_not_lose_units():
    units = [
        UnitInput(1, None, "E", "Ente", "ente", "", 0),
        UnitInput(2, 3, "X", "Ics", "servizio", "", 0),
        UnitInput(3, 2, "Y", "Ipsilon", "servizio", "", 0),
    ]
    assert len(unit_groups(parse(org_chart_svg(units, title="Anello")))) == 3


def test_same_units_give_same_bytes_and_different_charts_get_different_ids(demo_units):
    first = org_chart_svg(demo_units, title="Organigramma")
    other = org_chart_svg(demo_units[:5], title="Organigramma")

    assert first == org_chart_svg(demo_units, title="Organigramma")
    assert parse(first).get("id") != parse(other).get("id")


def test_no_units_gives_a_message_instead_of_an_empty_picture():
    root = parse(org_chart_svg([], title="Organigramma"))

    assert "Nessuna unità organizzativa." in " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))
