import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from organization.models import OrgUnit
from performance.models import (
    Cycle,
    Indicator,
    Measurement,
    OperationalObjective,
    Period,
    Perspective,
    Scorecard,
    StrategicObjective,
)


@pytest.fixture
def cycle(other_entity) -> Cycle:
    return Cycle.objects.create(entity=other_entity, year=2024)


@pytest.fixture
def objective(cycle) -> OperationalObjective:
    p = Perspective.objects.create(cycle=cycle, code="1", name="Sviluppo")
    so = StrategicObjective.objects.create(cycle=cycle, perspective=p, code="1.1", title="Attrattività")
    return OperationalObjective.objects.create(cycle=cycle, strategic_objective=so, code="1.1.01", title="Marketing")


def _fails(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_new_cycle_gets_the_statutory_calendar(cycle):
    assert cycle.piao_due == datetime.date(2024, 1, 31)
    assert cycle.oiv_report_due == datetime.date(2025, 4, 30)
    assert cycle.relazione_due == datetime.date(2025, 6, 30)
    assert cycle.rules["cap"] == 100


def test_a_year_has_one_cycle_per_entity(cycle):
    _fails(lambda: Cycle.objects.create(entity=cycle.entity, year=2024))


def test_codes_are_unique_within_a_cycle_but_not_across_cycles(cycle, objective):
    Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I1", name="A", kind="number")
    _fails(lambda: Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I1", name="B",
                                            kind="number"))
    other = Cycle.objects.create(entity=cycle.entity, year=2025)
    p = Perspective.objects.create(cycle=other, code="1", name="Sviluppo")
    assert p.pk


def test_negative_weights_are_refused_by_the_database(cycle, objective):
    _fails(lambda: Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I2", name="A",
                                            kind="number", weight=Decimal("-1")))
    objective.weight = Decimal("-5")
    with pytest.raises(IntegrityError), transaction.atomic():
        objective.save()


def test_unknown_indicator_kind_is_refused_by_the_database(cycle, objective):
    _fails(lambda: Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I3", name="A",
                                            kind="guess"))


def test_operational_objective_needs_a_strategic_one_unless_common(cycle):
    _fails(lambda: OperationalObjective.objects.create(cycle=cycle, code="X", title="Orfano"))
    common = OperationalObjective.objects.create(cycle=cycle, code="C.1", title="Comune", is_common=True)
    assert common.pk


def test_unit_scorecard_needs_a_unit(cycle):
    _fails(lambda: Scorecard.objects.create(cycle=cycle, code="U", kind=Scorecard.Kind.UNIT, title="Senza unità"))
    unit = OrgUnit.objects.create(entity=cycle.entity, code="RI", name="Registro imprese", kind="servizio")
    assert Scorecard.objects.create(cycle=cycle, code="U", kind=Scorecard.Kind.UNIT, title="RI", unit=unit).pk


def test_only_one_final_period_per_cycle(cycle):
    Period.objects.create(cycle=cycle, code="F", name="Finale", reference_date=datetime.date(2024, 12, 31),
                          is_final=True)
    Period.objects.create(cycle=cycle, code="S", name="Semestre", reference_date=datetime.date(2024, 6, 30))
    _fails(lambda: Period.objects.create(cycle=cycle, code="F2", name="Altro", is_final=True,
                                         reference_date=datetime.date(2024, 12, 31)))


def test_one_value_per_indicator_and_period_with_history(cycle, objective):
    indicator = Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I", name="A",
                                         kind="number")
    period = Period.objects.create(cycle=cycle, code="F", name="Finale", reference_date=datetime.date(2024, 12, 31))
    m = Measurement.objects.create(indicator=indicator, period=period, raw_value="3", value_number=3)
    m.raw_value, m.value_number, m.version = "4", 4, 2
    m.save()
    assert [h.raw_value for h in m.history.order_by("history_date")] == ["3", "4"]
    _fails(lambda: Measurement.objects.create(indicator=indicator, period=period, raw_value="5"))


def test_objective_with_indicators_cannot_be_deleted_but_the_whole_cycle_can(cycle, objective):
    Indicator.objects.create(cycle=cycle, operational_objective=objective, code="I", name="A", kind="number")
    with pytest.raises(RestrictedError), transaction.atomic():
        objective.delete()
    cycle.entity.delete()
    assert not Indicator.objects.filter(code="I", cycle_id=cycle.pk).exists()


def test_a_rule_set_that_does_not_parse_is_refused_with_its_key_named(cycle):
    from django.core.exceptions import ValidationError

    cycle.rules = {**cycle.rules, "cap": -5}
    with pytest.raises(ValidationError) as exc:
        cycle.full_clean()
    assert "rules" in exc.value.message_dict and "cap" in exc.value.message_dict["rules"][0]


def test_rule_set_changes_are_kept_in_the_cycle_history(cycle):
    cycle.rules = {**cycle.rules, "cap": 120}
    cycle.save()
    assert [h.rules["cap"] for h in cycle.history.order_by("history_date")] == [100, 120]
