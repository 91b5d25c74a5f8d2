from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance.models import (
    Assignment,
    Indicator,
    Level,
    Measurement,
    OperationalObjective,
    RollupResult,
    Scorecard,
    StrategicObjective,
)
from performance.recompute import recompute_cycle


def ind(cycle, code) -> Indicator:
    return Indicator.objects.get(cycle=cycle, code=code)


def rollup_value(cycle, level, obj) -> Decimal | None:
    return RollupResult.objects.get(cycle=cycle, level=level, object_id=obj.pk).realization


def test_demo_opens_with_every_indicator_computed(demo_cycle):
    assert demo_cycle.computed_at is not None
    assert ind(demo_cycle, "1.1.01.03").realization == Decimal("100.00")  # 14 against 13, capped
    assert ind(demo_cycle, "2.1.05.01").realization == Decimal("98.77")  # ISO 9001 project
    assert ind(demo_cycle, "2.3.01.06").realization == Decimal("91.67")  # 11 against 12, printed 92%
    assert ind(demo_cycle, "C.2.04").realization == Decimal("98.15")  # 63,8% against 65,0%, printed 98%


def test_nv_monitoring_and_unusable_values_are_not_scored(demo_cycle):
    nv = ind(demo_cycle, "1.6.06.02")
    assert (nv.realization, nv.result_status) == (None, "nv")
    invalid = ind(demo_cycle, "2.1.11.01")
    assert invalid.realization is None and "invalid_value" in invalid.flags
    mismatch = ind(demo_cycle, "1.5.02.02")
    assert mismatch.realization is None and "type_mismatch" in mismatch.flags


def test_late_deadline_scores_zero_and_its_printed_rows_are_flagged(demo_cycle):
    late = ind(demo_cycle, "4.1.01.01")  # 28/11/2023 against 30/10/2023, printed 100%
    assert late.realization == Decimal("0.00")
    flags = set(Assignment.objects.filter(indicator=late).values_list("flags", flat=True))
    assert flags == {"late_date;printed_differs"}


def test_roll_ups_are_stored_for_every_level(demo_cycle):
    so = {s.code: s for s in StrategicObjective.objects.filter(cycle=demo_cycle)}
    # The seed prints 100% for every strategic objective; the weighted means of its own rows say otherwise.
    assert rollup_value(demo_cycle, Level.STRATEGIC, so["1.5"]) == Decimal("95.83")
    assert rollup_value(demo_cycle, Level.STRATEGIC, so["1.1"]) == Decimal("100.00")
    assert RollupResult.objects.filter(cycle=demo_cycle, level=Level.SCORECARD).count() == 14
    entity = RollupResult.objects.get(cycle=demo_cycle, level=Level.ENTITY)
    assert Decimal("90") < entity.realization < Decimal("100")
    assert RollupResult.objects.filter(cycle=demo_cycle, level=Level.OPERATIONAL).count() == \
        OperationalObjective.objects.filter(cycle=demo_cycle).count()


def test_recompute_of_unchanged_data_writes_nothing(demo_cycle):
    report = recompute_cycle(demo_cycle.pk)
    assert (report.changed_indicators, report.changed_assignments) == (0, 0)


def test_changed_value_changes_its_indicator_and_the_roll_ups(demo_cycle):
    m = Measurement.objects.get(indicator__cycle=demo_cycle, indicator__code="2.3.01.06")
    m.raw_value = "6"  # half of the target 12
    m.save()
    report = recompute_cycle(demo_cycle.pk)
    assert report.changed_indicators == 1
    assert ind(demo_cycle, "2.3.01.06").realization == Decimal("50.00")
    com = Scorecard.objects.get(cycle=demo_cycle, code="COM")
    assert rollup_value(demo_cycle, Level.SCORECARD, com) < Decimal("98")


def test_query_count_does_not_grow_with_the_cycle(demo_cycle):
    recompute_cycle(demo_cycle.pk)
    with CaptureQueriesContext(connection) as small:
        recompute_cycle(demo_cycle.pk)
    oo = OperationalObjective.objects.filter(cycle=demo_cycle).first()
    scorecard = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    period = demo_cycle.periods.get()
    new = Indicator.objects.bulk_create([
        Indicator(cycle=demo_cycle, operational_objective=oo, code=f"X{i}", name=f"Extra {i}", kind="number",
                  target_raw="10", target_number=10) for i in range(200)])
    Assignment.objects.bulk_create([Assignment(scorecard=scorecard, indicator=i, position=1000 + n)
                                    for n, i in enumerate(new)])
    Measurement.objects.bulk_create([Measurement(indicator=i, period=period, raw_value="5", value_number=5)
                                     for i in new])
    recompute_cycle(demo_cycle.pk)  # writes the 200 new results
    with CaptureQueriesContext(connection) as large:
        recompute_cycle(demo_cycle.pk)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert ind(demo_cycle, "X7").realization == Decimal("50.00")


def test_what_the_recompute_writes_is_what_it_compares_with_on_the_next_run():
    from performance.recompute import as_stored, stored_value

    # The score is read back as a float; the Decimal written must be that same float, halves included.
    for value in (98.77, 2.675, 66.665, 100 / 3, 0.005, 149.995, 0.0):
        assert float(as_stored(value)) == stored_value(value)
    assert stored_value(None) is None and as_stored(None) is None
