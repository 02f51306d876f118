"""Warranty of a unit: lengths as typed, the last day covered, and the domain's example."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.checks import check_bool
from custsvc.domain.warranty import months_text, parse_warranty, under_warranty, warranty_end
from custsvc.errors import InvalidInput


def test_the_domain_example_a_pump_installed_2025_03_10_with_24_months():
    end = warranty_end(date(2025, 3, 10), 24)
    assert end == date(2027, 3, 10)
    assert under_warranty(end, date(2027, 3, 9))  # an order created 2027-03-09 is under warranty
    assert under_warranty(end, date(2027, 3, 10))  # the last day covered
    assert not under_warranty(end, date(2027, 3, 11))  # one created 2027-03-11 is not


def test_month_ends_clip_and_nothing_known_means_no_end():
    assert warranty_end(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert warranty_end(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert warranty_end(None, 24) is None  # never in service
    assert warranty_end(date(2025, 3, 10), None) is None
    assert warranty_end(date(2025, 3, 10), 0) is None
    assert warranty_end(date(2025, 3, 10), 24, date(2025, 12, 31)) == date(2025, 12, 31)  # set for the unit
    assert not under_warranty(None, date(2025, 3, 10))


@pytest.mark.parametrize(
    ("text", "months"),
    [("24m", 24), ("24mo", 24), ("18 months", 18), ("1 month", 1), ("2y", 24), ("3 years", 36), ("6", 6), ("0m", 0)],
)
def test_lengths_as_typed(text, months):
    assert parse_warranty(text) == months
    assert parse_warranty(months_text(months)) == months


@pytest.mark.parametrize("text", ["", "two years", "24 weeks", "-1m", "1.5y", "101y", "24m2"])
def test_lengths_that_are_not_refused_with_the_field(text):
    with pytest.raises(InvalidInput, match="warranty"):
        parse_warranty(text)


def test_yes_no_values():
    for value in (True, "yes", "TRUE", "1", 1, " y "):
        assert check_bool(value, "serialized") is True
    for value in (False, "no", "false", "0", 0, "off"):
        assert check_bool(value, "serialized") is False
    with pytest.raises(InvalidInput, match="serialized 'maybe'"):
        check_bool("maybe", "serialized")


@given(start=st.dates(date(1990, 1, 1), date(2090, 12, 31)), months=st.integers(1, 240))
def test_the_end_is_the_same_day_months_later_or_the_months_last(start, months):
    end = warranty_end(start, months)
    assert end is not None and end > start
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
    assert under_warranty(end, end) and not under_warranty(end, end + timedelta(days=1))


@given(months=st.integers(0, 1200))
def test_shown_lengths_read_back(months):
    assert parse_warranty(months_text(months)) == months
