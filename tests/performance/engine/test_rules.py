"""RuleSet: defaults, validation with Italian messages naming the key, round trip, description."""
from __future__ import annotations

import json

import pytest

from performance.engine import DEFAULTS, RuleSet, RuleSetError
from performance.models.cycle import DEFAULT_RULES


def test_the_models_default_rules_are_accepted_and_kept():
    rules = RuleSet.from_dict(DEFAULT_RULES)
    out = rules.to_dict()
    for key, value in DEFAULT_RULES.items():
        assert out[key] == value
    assert rules == RuleSet.default() == RuleSet.from_dict({}) == RuleSet.from_dict(None)


def test_new_keys_have_the_engine_defaults():
    rules = RuleSet.default()
    assert (rules.band_mode, rules.over_cap_ratio, rules.printed_tolerance) == ("fixed", 1.5, 0.5)
    assert rules.over_cap_at == 150.0
    assert set(rules.to_dict()) == set(DEFAULTS)


def test_round_trip_through_json():
    data = {"cap": 120, "floor": 30, "bands": [[75, 75], [0, 0], [50, 50], [100, 100]], "rounding": 0,
            "late_deadline": {"rule": "linear", "days_to_zero": 60}, "objective_aggregation": "all_met",
            "band_mode": "interpolated", "over_cap_ratio": None, "printed_tolerance": 1}
    rules = RuleSet.from_dict(data)
    assert rules.bands == ((0, 0), (50, 50), (75, 75), (100, 100))  # sorted by threshold
    again = RuleSet.from_dict(json.loads(json.dumps(rules.to_dict())))
    assert again == rules
    assert again.to_dict()["bands"] == [[0, 0], [50, 50], [75, 75], [100, 100]]


@pytest.mark.parametrize(("data", "key"), [
    ({"cap": 0}, "cap"),
    ({"cap": -5}, "cap"),
    ({"cap": "100"}, "cap"),
    ({"cap": True}, "cap"),
    ({"cap": float("nan")}, "cap"),
    ({"floor": -1}, "floor"),
    ({"floor": 100}, "floor"),
    ({"floor": "50"}, "floor"),
    ({"bands": "0-50"}, "bands"),
    ({"bands": [[50]]}, "bands"),
    ({"bands": [[50, 50], [50, 60]]}, "bands"),
    ({"bands": [[50, 150]]}, "bands"),
    ({"bands": [[50, -1]]}, "bands"),
    ({"band_mode": "stepped"}, "band_mode"),
    ({"rounding": 7}, "rounding"),
    ({"rounding": 1.5}, "rounding"),
    ({"rounding": -1}, "rounding"),
    ({"late_deadline": "zero"}, "late_deadline"),
    ({"late_deadline": {"rule": "half"}}, "late_deadline.rule"),
    ({"late_deadline": {"rule": "linear", "days_to_zero": 0}}, "late_deadline.days_to_zero"),
    ({"late_deadline": {"rule": "zero", "days_to_zero": -3}}, "late_deadline.days_to_zero"),
    ({"late_deadline": {"rule": "zero", "days": 3}}, "late_deadline"),
    ({"nv": "zero"}, "nv"),
    ({"objective_aggregation": "median"}, "objective_aggregation"),
    ({"over_cap_ratio": 0.5}, "over_cap_ratio"),
    ({"printed_tolerance": -0.1}, "printed_tolerance"),
    ({"version": 0}, "version"),
    ({"flor": 50}, "flor"),
])
def test_invalid_rules_are_refused_naming_the_key(data, key):
    with pytest.raises(RuleSetError) as excinfo:
        RuleSet.from_dict(data)
    assert key in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_cap_message_is_italian():
    with pytest.raises(RuleSetError, match="cap deve essere un numero maggiore di zero"):
        RuleSet.from_dict({"cap": 0})


def test_a_rule_set_must_be_a_dict():
    with pytest.raises(RuleSetError):
        RuleSet.from_dict([("cap", 100)])  # type: ignore[arg-type]


def test_round_is_half_up():
    rules = RuleSet.default()
    assert rules.round(98.765) == 98.77
    assert rules.round(2.675) == 2.68
    assert rules.round(91.666666) == 91.67
    assert RuleSet.from_dict({"rounding": 0}).round(91.5) == 92
    assert RuleSet.from_dict({"rounding": None}).round(1 / 3) == 1 / 3


def test_describe_default_rules_in_italian():
    lines = RuleSet.default().describe()
    text = "\n".join(lines)
    assert all(isinstance(line, str) and line for line in lines)
    assert "valore ottenuto ÷ risultato atteso × 100" in text
    assert "non supera il 100%" in text
    assert "0 se è successiva" in text
    assert "2 decimali" in text
    assert "150%" in text
    assert "Fasce" not in text


def test_describe_options():
    text = "\n".join(RuleSet.from_dict({
        "floor": 40, "bands": [[0, 0], [50, 50], [75, 75], [100, 100]], "rounding": None,
        "late_deadline": {"rule": "linear", "days_to_zero": 90}, "objective_aggregation": "all_met",
        "over_cap_ratio": None}).describe())
    assert "dopo 90 giorni" in text
    assert "inferiore al 40% vale 0" in text
    assert "Fasce di punteggio fisse" in text and "da 75% → 75%" in text
    assert "tutti gli indicatori valutati raggiungono il 100%" in text
    assert "Arrotondamento" not in text and "150%" not in text
    interpolated = "\n".join(RuleSet.from_dict({"bands": [[50, 0], [100, 100]], "band_mode": "interpolated"}).describe())
    assert "interpolazione lineare" in interpolated
