"""The failure report's rules (domain/repairs): repeats, first-time fixes, days in service, MTBF."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.repairs import Repair, days_in_service, first_time_fix, group, repeats

D = date(2026, 1, 10)


def _repair(id: int, created: date, finished: date | None, *, obj="OBJ-1", area="HEAT", visits=1) -> Repair:
    return Repair(id=id, object=obj, symptom_area=area, created_on=created, finished_on=finished, visits=visits)


def test_a_follow_up_on_the_last_day_of_the_window_is_a_repeat_the_day_after_is_not():
    fixed = _repair(1, D, D)
    assert repeats([fixed, _repair(2, D + timedelta(days=30), None)]) == {1}
    assert repeats([fixed, _repair(2, D + timedelta(days=31), None)]) == set()
    assert repeats([fixed, _repair(2, D + timedelta(days=31), None)], window=31) == {1}


def test_only_the_same_object_and_symptom_area_make_a_repeat():
    fixed = _repair(1, D, D)
    assert repeats([fixed, _repair(2, D + timedelta(days=3), None, area="NOISE")]) == set()
    assert repeats([fixed, _repair(2, D + timedelta(days=3), None, obj="OBJ-2")]) == set()
    assert repeats([fixed, _repair(2, D + timedelta(days=3), None, area=None)]) == set()


def test_an_open_repair_has_no_fix_to_fail_and_a_same_day_follow_up_counts_when_it_comes_later():
    assert repeats([_repair(1, D, None), _repair(2, D + timedelta(days=1), None)]) == set()
    assert repeats([_repair(1, D, D), _repair(2, D, None)]) == {1}
    # a repair created while the earlier one was still being worked on is no failure of its fix
    assert repeats([_repair(1, D, D + timedelta(days=5)), _repair(2, D + timedelta(days=2), None)]) == set()


def test_first_time_fix_needs_a_finish_at_most_one_visit_and_no_repeat():
    assert first_time_fix(_repair(1, D, D, visits=0), set())
    assert first_time_fix(_repair(1, D, D, visits=1), set())
    assert not first_time_fix(_repair(1, D, D, visits=2), set())
    assert not first_time_fix(_repair(1, D, D), {1})
    assert not first_time_fix(_repair(1, D, None), set())


def test_days_in_service_count_from_the_install_day_when_it_falls_in_the_period():
    first, last = date(2026, 1, 1), date(2026, 1, 31)
    assert days_in_service(None, first, last) == 31
    assert days_in_service(date(2025, 6, 1), first, last) == 31
    assert days_in_service(date(2026, 1, 22), first, last) == 10
    assert days_in_service(date(2026, 2, 1), first, last) == 0


def test_the_figures_of_a_group_by_hand():
    first, last = date(2026, 1, 1), date(2026, 1, 31)
    rows = [
        Repair(1, "A", "HEAT", date(2026, 1, 5), date(2026, 1, 5), 1, date(2020, 1, 1), Decimal("10.00"), True),
        Repair(2, "A", "HEAT", date(2026, 1, 20), date(2026, 1, 21), 2, date(2020, 1, 1)),
        Repair(3, "B", "HEAT", date(2026, 1, 25), None, 0, date(2026, 1, 22)),
        Repair(4, "A", "HEAT", date(2026, 2, 10), None, 0, date(2020, 1, 1)),  # after the period: a follow-up only
    ]
    figures = group(rows, ["v1", "v1", "v1", "v1"], in_period={1, 2, 3})["v1"]
    assert (figures.repairs, figures.finished, figures.repeats, figures.first_time_fixes) == (3, 2, 2, 0)
    assert figures.object_days(first, last) == 31 + 10
    assert figures.mtbf_days(first, last) == Decimal("13.7")  # 41 / 3
    assert figures.first_time_fix_pct() == Decimal("0.0") and figures.repeat_pct() == Decimal("100.0")
    assert (figures.warranty_repairs, figures.warranty_cost) == (1, Decimal("10.00"))


days = st.integers(min_value=0, max_value=120)


@given(st.lists(st.tuples(days, st.one_of(st.none(), st.integers(0, 10)), st.sampled_from(["A", "B"])), max_size=12))
def test_repeats_are_finished_repairs_with_a_follow_up_in_the_window(spec):
    rows = [
        _repair(i, D + timedelta(days=c), None if f is None else D + timedelta(days=c + f), obj=o)
        for i, (c, f, o) in enumerate(spec)
    ]
    found = repeats(rows, window=30)
    for r in rows:
        followed = any(
            o.id != r.id
            and o.object == r.object
            and r.finished_on is not None
            and 0 <= (o.created_on - r.finished_on).days <= 30
            and ((o.created_on - r.finished_on).days > 0 or o.id > r.id)
            and (o.created_on, o.id) > (r.created_on, r.id)
            for o in rows
        )
        assert (r.id in found) == followed
