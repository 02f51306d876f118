"""Generation that cannot run away: refused rules, a cap per line and run, objects that moved to another
customer, and thinking outside the write lock."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select, update

from custsvc.domain.recurrence import MAX_VISITS_PER_RUN, TooManyVisits, occurrences, parse_rrule
from custsvc.errors import InvalidInput, RuleViolation
from custsvc.models import AgreementLine, OrderLine, ServiceObject
from custsvc.services import agreements, master


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "object", {"object": "X-1", "customer": "C-1"})
    agreements.create(ctx, "A-1", customer="C-1", start="2026-01-01", combine_rule="object")
    return ctx


def gen(ctx, lo, hi):
    return agreements.generate(ctx, agreement=None, date_from=date.fromisoformat(lo), date_to=date.fromisoformat(hi))


@pytest.mark.parametrize(
    "rule",
    ["FREQ=SECONDLY", "FREQ=MINUTELY;INTERVAL=5", "FREQ=HOURLY", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;BYHOUR=8,9"],
)
def test_rules_that_repeat_within_a_day_or_never_move_on_are_refused(shop, rule):
    with pytest.raises(InvalidInput, match="rrule"):
        parse_rrule(rule)
    with pytest.raises(InvalidInput, match="rrule"):
        agreements.add_line(shop, "A-1", type="fee", price="1", rrule=rule, start="2026-01-01")
    assert shop.execute(select(func.count()).select_from(AgreementLine)).scalar_one() == 0


def test_a_refused_rule_stored_before_is_skipped_with_a_warning(shop):
    agreements.add_line(shop, "A-1", type="fee", price="1", rrule="FREQ=DAILY", start="2026-01-01")
    shop.execute(update(AgreementLine).values(rrule="FREQ=SECONDLY"))  # as an older version let through
    started = time.perf_counter()
    result = gen(shop, "2026-01-01", "2026-12-31")
    assert time.perf_counter() - started < 5
    assert result["created_orders"] == 0
    assert result["warnings"] == [
        "A-1/1: invalid rrule 'FREQ=SECONDLY': FREQ=SECONDLY repeats within a day; visits are days (DAILY at the most)"
        "; the line is skipped"
    ]


def test_one_line_makes_at_most_the_cap_in_one_run(shop):
    agreements.add_line(shop, "A-1", type="fee", price="1", every="1 day", start="2026-01-01")
    with pytest.raises(RuleViolation, match=r"A-1/1 would make 3661 visits .* at most 3660 per line"):
        gen(shop, "2026-01-01", "2036-01-09")
    assert shop.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 0
    result = gen(shop, "2026-01-01", "2036-01-08")  # exactly the cap: allowed
    assert result["created_lines"] == MAX_VISITS_PER_RUN


def test_the_cap_counts_rules_too():
    with pytest.raises(TooManyVisits) as many:
        occurrences(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31), rrule="FREQ=DAILY", limit=10)
    assert many.value.count == 31
    assert len(occurrences(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 31), rrule="FREQ=DAILY;BYDAY=MO")) == 4


def test_lines_whose_object_went_to_another_customer_are_skipped(shop):
    agreements.add_line(shop, "A-1", type="fee", price="1", obj="X-1", every="1 week", start="2026-01-05")
    shop.execute(update(ServiceObject).values(customer="C-2"))  # moved behind the rules' back
    result = gen(shop, "2026-01-01", "2026-01-31")
    assert result["created_orders"] == 0
    assert result["warnings"] == ["A-1/1: object X-1 belongs to C-2, not C-1; the line is skipped"]


def test_generation_thinks_outside_the_write_lock(db_url, monkeypatch):
    """While a run works out its visits, another command can write (SQLite's write lock is free)."""
    from custsvc import state
    from custsvc.bootstrap import open_context
    from custsvc.services.agreements import visits

    state.reset(db=db_url, now="2026-03-10T09:00:00+02:00", actor="tester")
    with open_context() as ctx:
        master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
        agreements.create(ctx, "A-1", customer="C-1", start="2026-01-01")
        agreements.add_line(ctx, "A-1", type="fee", price="1", every="1 week", start="2026-01-05")
    thinking, go_on = threading.Event(), threading.Event()
    real = visits.occurrences

    def slow(*args, **kwargs):
        thinking.set()
        go_on.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(visits, "occurrences", slow)
    outcome = {}

    def run():
        with open_context() as ctx:
            outcome["result"] = gen(ctx, "2026-01-01", "2026-03-31")

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert thinking.wait(20)
        started = time.perf_counter()
        with open_context() as ctx:
            master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
        assert time.perf_counter() - started < 1
    finally:
        go_on.set()
        worker.join(30)
    assert outcome["result"]["created_orders"] == 13
