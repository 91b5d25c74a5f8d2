import datetime
from decimal import Decimal

import pytest

from performance.parsing import ValueParseError, ValueShape, format_number, parse_value


@pytest.mark.parametrize(
    ("raw", "shape", "number"),
    [
        ("1.284", ValueShape.NUMBER, Decimal("1284")),
        ("12.000", ValueShape.NUMBER, Decimal("12000")),
        ("2,60", ValueShape.NUMBER, Decimal("2.60")),
        ("2.60", ValueShape.NUMBER, Decimal("2.60")),
        ("-25", ValueShape.NUMBER, Decimal("-25")),
        ("98,77%", ValueShape.PERCENT, Decimal("98.77")),
        ("600%", ValueShape.PERCENT, Decimal("600")),
        (16505, ValueShape.NUMBER, Decimal("16505")),
    ],
)
def test_numbers_are_read_as_italians_write_them(raw, shape, number):
    parsed = parse_value(raw)
    assert (parsed.shape, parsed.number) == (shape, number)


@pytest.mark.parametrize(("raw", "operator", "number"), [("<30", "<", 30), (">40%", ">", 40), ("≤ 5 giorni", "<=", 5)])
def test_thresholds_keep_their_operator(raw, operator, number):
    parsed = parse_value(raw)
    assert parsed.operator == operator and parsed.number == number


def test_dates_booleans_nv_and_monitoring():
    assert parse_value("30/06/2023").date == datetime.date(2023, 6, 30)
    assert parse_value("SI").boolean is True and parse_value("no").boolean is False
    assert parse_value("NV").shape == ValueShape.NV
    assert parse_value("monitoraggio").shape == ValueShape.MONITORING


@pytest.mark.parametrize("raw", ["00/01/1900", "31/02/2023"])
def test_impossible_dates_are_kept_as_invalid_not_rejected(raw):
    parsed = parse_value(raw)
    assert parsed.shape == ValueShape.INVALID_DATE and parsed.raw == raw


@pytest.mark.parametrize("raw", ["abc", "12 mele", "1,2,3"])
def test_text_that_is_no_value_is_rejected(raw):
    with pytest.raises(ValueParseError):
        parse_value(raw)


def test_italian_number_formatting():
    assert format_number(Decimal("16505")) == "16.505"
    assert format_number(Decimal("98.77")) == "98,77"
    assert format_number(Decimal("-0.5")) == "-0,5"
    assert format_number(Decimal("2.6"), 2) == "2,60"
