"""Pure BOM rules: positions, overlapping validity ranges, the difference between two BOMs."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.bom import (
    Difference,
    apply_differences,
    check_position,
    covers,
    diff_components,
    overlapping,
    position_key,
    range_status,
    range_text,
    ranges_meet,
)
from custsvc.errors import InvalidInput

DAY0 = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=60).map(lambda n: DAY0 + timedelta(days=n))
ends = st.none() | days


@st.composite
def ranges(draw):
    start = draw(days)
    end = draw(ends)
    return start, (None if end is None else max(start, end))


positions = st.sampled_from(["pump", "burner", "R1", "R2", "R12", "fan/1", "a.b"])
values = st.tuples(st.sampled_from(["PUMP", "VALVE", "SCREW"]), st.integers(1, 5), st.none() | st.just("note"))
boms = st.dictionaries(positions, values, max_size=7)


@given(ranges(), ranges())
def test_meeting_is_symmetric(a, b):
    assert ranges_meet(*a, *b) == ranges_meet(*b, *a)
    assert (overlapping([("a", *a)], *b) == "a") == (overlapping([("b", *b)], *a) == "b")


@given(ranges(), ranges(), days)
def test_ranges_that_share_a_day_meet(a, b, day):
    if covers(*a, day) and covers(*b, day):
        assert ranges_meet(*a, *b)


@given(ranges(), ranges())
def test_ranges_that_meet_share_a_day(a, b):
    if ranges_meet(*a, *b):
        first = max(a[0], b[0])
        assert covers(*a, first) and covers(*b, first)


@given(st.lists(ranges(), max_size=6), days)
def test_ranges_that_never_overlap_leave_one_in_force_a_day(candidates, day):
    kept: list[tuple[str, date, date | None]] = []
    for number, (start, end) in enumerate(candidates):
        if overlapping(kept, start, end) is None:
            kept.append((f"v{number}", start, end))
    assert sum(covers(start, end, day) for _n, start, end in kept) <= 1


def test_overlapping_names_the_earliest_clash():
    existing = [("v2", date(2026, 7, 1), None), ("v1", date(2026, 1, 1), date(2026, 6, 30))]
    assert overlapping(existing, date(2026, 6, 30), date(2026, 7, 1)) == "v1"
    assert overlapping(existing, date(2025, 1, 1), date(2025, 12, 31)) is None
    assert overlapping(existing, date(2027, 1, 1), None) == "v2"
    assert overlapping([], date(2027, 1, 1), None) is None


def test_status_and_text():
    assert range_status(date(2026, 1, 1), None, date(2025, 12, 31)) == "future"
    assert range_status(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)) == "in force"
    assert range_status(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2)) == "expired"
    assert range_text(date(2026, 1, 1), None) == "from 2026-01-01, open-ended"
    assert range_text(date(2026, 1, 1), date(2026, 6, 30)) == "2026-01-01 to 2026-06-30"


@given(boms, boms)
def test_the_diff_of_a_to_b_applied_to_a_gives_b(a, b):
    assert apply_differences(a, diff_components(a, b)) == b


@given(boms, boms)
def test_the_diff_names_only_positions_that_differ_once_each(a, b):
    found = diff_components(a, b)
    assert [d.position for d in found] == sorted({p for p in {*a, *b} if a.get(p) != b.get(p)}, key=position_key)
    for d in found:
        assert d.change == ("added" if d.position not in a else "removed" if d.position not in b else "changed")


@given(boms, boms)
def test_the_diff_backwards_is_the_diff_turned_around(a, b):
    forward = diff_components(a, b)
    back = diff_components(b, a)
    turned = {"added": "removed", "removed": "added", "changed": "changed"}
    assert back == [Difference(d.position, turned[d.change], d.new, d.old) for d in forward]


@given(boms)
def test_a_bom_equals_itself(a):
    assert diff_components(a, a) == []


def test_positions_sort_numbers_as_numbers():
    assert sorted(["R12", "R2", "pump", "R1", "burner"], key=position_key) == ["burner", "pump", "R1", "R2", "R12"]


@pytest.mark.parametrize("good", ["burner", "R12", "fan/1", "a.b_c-d", "1"])
def test_good_positions(good):
    assert check_position(f" {good} ") == good


@pytest.mark.parametrize("bad", ["", " ", "has space", "-x", "/x", "a,b", "x" * 41, "ä", "a\nb"])
def test_bad_positions(bad):
    with pytest.raises(InvalidInput) as caught:
        check_position(bad)
    assert caught.value.field == "position"


def test_positions_sort_shorter_first_and_are_told_apart_by_case():
    assert sorted(["R1", "R", "pump", "Pump", "R01"], key=position_key) == ["Pump", "pump", "R", "R01", "R1"]
