from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.money import (
    format_money,
    from_cents,
    from_milli,
    parse_money,
    parse_quantity,
    round_money,
    to_cents,
    to_milli,
)
from custsvc.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.5", "12.50"), ("12.50", "12.50"), ("0", "0.00"), (" 7 ", "7.00"), (".5", "0.50"), ("1_000.10", "1000.10")],
)
def test_parse_money(text, expected):
    assert parse_money(text) == Decimal(expected)
    assert str(parse_money(text)) == expected


@pytest.mark.parametrize("text", ["12.505", "abc", "", "1e3", "12,50", "--1"])
def test_parse_money_refuses(text):
    with pytest.raises(InvalidInput) as err:
        parse_money(text, "price")
    assert "price" in err.value.message
    assert repr(text) in err.value.message


def test_negative_money_only_when_allowed():
    with pytest.raises(InvalidInput, match="negative"):
        parse_money("-1.00")
    assert parse_money("-1.00", allow_negative=True) == Decimal("-1.00")


def test_floats_are_refused_as_money():
    with pytest.raises(InvalidInput, match="float"):
        parse_money(0.1)


def test_quantities_keep_three_places_and_normalize():
    assert str(parse_quantity("1.500")) == "1.5"
    assert str(parse_quantity("2")) == "2"
    assert str(parse_quantity("100")) == "100"
    with pytest.raises(InvalidInput):
        parse_quantity("0.0001")
    with pytest.raises(InvalidInput):
        parse_quantity("0", allow_zero=False)


def test_rounding_is_half_up():
    assert round_money(Decimal("12.905")) == Decimal("12.91")
    assert round_money(Decimal("12.9032258")) == Decimal("12.90")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")


def test_to_cents_refuses_fractions_of_a_cent():
    with pytest.raises(ValueError):
        to_cents(Decimal("1.005"))


def test_format_money():
    assert format_money(Decimal("1813")) == "1813.00"
    assert format_money(Decimal("1813"), thousands=True) == "1,813.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cents_round_trip(cents):
    assert to_cents(from_cents(cents)) == cents


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_milli_round_trip(value):
    assert from_milli(to_milli(value)) == value


@given(
    milli=st.integers(min_value=-(10**12), max_value=10**12),
    cents=st.integers(min_value=-(10**13), max_value=10**13),
)
def test_line_amount_in_stored_integers_is_the_decimal_line_amount(milli, cents):
    """Lists add lines up in the stored integers; every line comes to the same cents as the rule."""
    from custsvc.domain.money import from_cents, from_milli
    from custsvc.domain.orders import line_amount, line_amount_cents

    assert from_cents(line_amount_cents(milli, cents)) == line_amount(from_milli(milli), from_cents(cents))
