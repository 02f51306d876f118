"""Generation reads only the requested period and writes a chunk of agreements at a time (issue 15,
point 4): a re-run sends the same statements whatever the history, every read of orders and order
lines is bounded by the period, and a run in many small chunks makes exactly what one chunk makes
(numbers, lines, warnings), also when another run wrote meanwhile."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, func, select

from custsvc.models import OrderLine, OrderObject, ServiceOrder
from custsvc.services import agreements, master, settings
from custsvc.services.agreements import generation, visits


@contextmanager
def statements(ctx):
    """Every statement (with its parameters) sent on the context's engine meanwhile."""
    sent = []
    engine = ctx.session.get_bind()

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((" ".join(statement.split()), parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _values(params):
    return list(params.values()) if isinstance(params, dict) else list(params)


def gen(ctx, lo, hi, **kwargs):
    return agreements.generate(
        ctx, agreement=None, date_from=date.fromisoformat(lo), date_to=date.fromisoformat(hi), **kwargs
    )


def count(ctx, model):
    return ctx.execute(select(func.count()).select_from(model)).scalar_one()


def _customers(ctx, n):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"]})
    master.add(ctx, "task", {"task": "CHECK", "description": "Inspection", "hours": "2", "price": "50.00"})
    for i in range(n):
        master.add(ctx, "customer", {"account": f"C-{i}", "name": f"Customer {i}"})
        for obj in ("X", "Y"):
            master.add(ctx, "object", {"object": f"{obj}-{i}", "customer": f"C-{i}"})


def _mixed_shop(ctx, n=6):
    """Agreements with every kind of line: weekly and monthly intervals, windows, rules, one-time visits."""
    _customers(ctx, n)
    for i in range(n):
        a = f"A-{i}"
        agreements.create(ctx, a, customer=f"C-{i}", start="2026-01-01", combine_rule="object", technician="T-1")
        agreements.add_line(ctx, a, type="hour", task="CHECK", obj=f"X-{i}", every="1 week", start=f"2026-01-0{1 + i}")
        agreements.add_line(ctx, a, type="hour", task="CHECK", obj=f"X-{i}", every="2 weeks", start="2026-01-05")
        agreements.add_line(ctx, a, type="fee", price="20", obj=f"Y-{i}", every="1 month", start=f"2026-01-{10 + i}",
                            window="week")  # fmt: skip
        agreements.add_line(ctx, a, type="fee", price="5", obj=f"Y-{i}", rrule="FREQ=MONTHLY;BYMONTHDAY=-1",
                            start="2026-01-01")  # fmt: skip
        agreements.add_line(ctx, a, type="fee", price="99", start=f"2026-02-1{i}")  # one-time


def _rows(ctx):
    """What generation wrote, in a form two shops can be compared by."""
    orders = ctx.execute(
        select(ServiceOrder.number, ServiceOrder.agreement, ServiceOrder.service_date, ServiceOrder.group_key)
        .order_by(ServiceOrder.number)
    ).all()  # fmt: skip
    lines = ctx.execute(
        select(OrderLine.order_number, OrderLine.line_no, OrderLine.agreement_line_id, OrderLine.visit_date,
               OrderLine.price, OrderLine.quantity).order_by(OrderLine.order_number, OrderLine.line_no)
    ).all()  # fmt: skip
    objects = ctx.execute(select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.order_number)).all()
    return [tuple(r) for r in orders], [tuple(r) for r in lines], sorted(tuple(r) for r in objects)


def _in_one_chunk_and_in_many(ctx, monkeypatch, action):
    """``action(ctx)`` in one chunk, rolled back, then in chunks of a few visits: both results and rows."""
    outcomes = []
    for size in (10**9, 3):
        monkeypatch.setattr(visits, "CHUNK_VISITS", size)
        with ctx.session.begin_nested() as savepoint:
            result = action(ctx)
            outcomes.append((result, _rows(ctx)))
            savepoint.rollback()
    return outcomes


def test_a_run_in_many_chunks_makes_what_one_chunk_makes(ctx, monkeypatch):
    settings.set_value(ctx, "workdays", "mon-fri")
    _mixed_shop(ctx)
    (one, one_rows), (many, many_rows) = _in_one_chunk_and_in_many(
        ctx, monkeypatch, lambda c: gen(c, "2026-01-01", "2026-06-30")
    )
    assert many == one
    assert many_rows == one_rows
    assert one["created_orders"] > 100 and any("a closed day" in w for w in one["warnings"])
    # numbered by date, then combine key, across all agreements (as one run planning all at once)
    keys = [(o["date"], str((o["agreement"], f"object:{o['lines'][0]['object'] or '-'}"))) for o in one["orders"]]
    assert keys == sorted(keys)
    assert [o["order"] for o in one["orders"]] == [f"SO-{n:06d}" for n in range(1, len(keys) + 1)]
    closed = [w.split()[0] for w in one["warnings"] if "a closed day" in w]
    assert closed == sorted(closed)


def test_a_later_run_in_many_chunks_joins_and_adds_as_one_chunk_does(ctx, monkeypatch):
    _mixed_shop(ctx)
    gen(ctx, "2026-01-01", "2026-02-28")
    # a new line with a window joins open orders; a gap in the middle and a missed run after are filled
    agreements.add_line(
        ctx, "A-2", type="fee", price="7", obj="X-2", every="1 week", start="2026-01-06", window="days:3"
    )
    ctx.execute(delete(OrderLine).where(OrderLine.visit_date == date(2026, 1, 19)))
    outcomes = _in_one_chunk_and_in_many(ctx, monkeypatch, lambda c: gen(c, "2026-01-01", "2026-04-30"))
    (one, one_rows), (many, many_rows) = outcomes
    assert many == one and many_rows == one_rows
    assert any(o["existing"] for o in one["orders"]) and one["created_orders"] > 0
    made = gen(ctx, "2026-01-01", "2026-04-30")
    again = gen(ctx, "2026-01-01", "2026-04-30")
    assert made == one and (again["created_orders"], again["created_lines"]) == (0, 0)


def test_a_dry_run_in_many_chunks_shows_what_the_run_makes(ctx, monkeypatch):
    _mixed_shop(ctx)
    monkeypatch.setattr(visits, "CHUNK_VISITS", 3)
    planned = gen(ctx, "2026-01-01", "2026-03-31", dry_run=True)
    assert count(ctx, ServiceOrder) == 0
    made = gen(ctx, "2026-01-01", "2026-03-31")
    assert planned == made
    summary = gen(ctx, "2026-04-01", "2026-04-30", listing=False)
    assert summary["orders"] == [] and summary["created_orders"] > 0


def test_every_line_is_counted_without_walking_its_dates():
    """The count of a line's dates in a period is the length of the list ``occurrences`` walks."""
    from types import SimpleNamespace

    from custsvc.domain.recurrence import Interval, occurrences

    for unit in ("day", "week", "month", "year"):
        for every in (1, 2, 3, 5):
            for start in (date(2024, 1, 31), date(2024, 2, 29), date(2025, 7, 15)):
                line = SimpleNamespace(every_count=every, every_unit=unit, start=start)
                for lo_days, length in ((0, 0), (0, 40), (3, 400), (29, 1000), (400, 2000)):
                    lo = start + timedelta(days=lo_days)
                    hi = lo + timedelta(days=length)
                    walked = occurrences(start, lo, hi, every=Interval(every, unit), limit=10**6)
                    assert visits._interval_count(line, lo, hi) == len(walked), (unit, every, start, lo, hi)


def _history_shop(ctx, years):
    _customers(ctx, 3)
    for i in range(3):
        agreements.create(ctx, f"A-{i}", customer=f"C-{i}", start="2020-01-01", combine_rule="object")
        agreements.add_line(ctx, f"A-{i}", type="hour", task="CHECK", obj=f"X-{i}", every="1 week", start="2020-01-06")
        agreements.add_line(ctx, f"A-{i}", type="fee", price="9", obj=f"Y-{i}", every="1 month", start="2020-01-15")
    for year in range(2026 - years, 2027):
        gen(ctx, f"{year}-01-01", f"{year}-12-31")


@pytest.mark.parametrize("years", [1, 5])
def test_a_rerun_reads_only_the_requested_period(ctx, years):
    """Nothing to do: the same statements whether the agreements have one year of orders or six, and
    every statement that reads orders or order lines is bounded by the requested period."""
    _history_shop(ctx, years)
    with statements(ctx) as sent:
        result = gen(ctx, "2026-11-01", "2026-11-30")
    assert (result["created_orders"], result["created_lines"]) == (0, 0)
    shapes = [sql for sql, _params in sent]
    assert len(shapes) == 5, shapes  # agreements, headers, lines, objects, made per line: no pairs, no orders
    for sql, params in sent:
        if re.search(r"\bFROM (order_line|service_order)\b", sql):
            assert "order_line.visit_date >= " in sql and "order_line.visit_date <= " in sql, sql
            assert {"2026-11-01", "2026-11-30"} <= {str(v) for v in _values(params)}, (sql, params)
    # the whole history again: still nothing walked date by date, no (line, date) pair read
    with statements(ctx) as sent:
        assert gen(ctx, f"{2026 - years}-01-01", "2026-12-31")["created_lines"] == 0
    assert not [sql for sql, _p in sent if "SELECT order_line.agreement_line_id, order_line.visit_date" in sql]


def test_a_run_reads_the_pairs_only_of_lines_with_a_gap(ctx):
    _history_shop(ctx, 1)
    gap = ctx.execute(select(OrderLine.id).where(OrderLine.visit_date == date(2026, 3, 9))).scalars().all()
    ctx.execute(delete(OrderLine).where(OrderLine.id.in_(gap)))
    with statements(ctx) as sent:
        result = gen(ctx, "2026-01-01", "2026-12-31")
    assert result["created_lines"] == len(gap) == 3
    pairs = [p for sql, p in sent if "SELECT order_line.agreement_line_id, order_line.visit_date" in sql]
    # read in the survey and again under the lock: the pairs of the three weekly lines only
    assert [len([v for v in _values(p) if isinstance(v, int)]) for p in pairs] == [3, 3]


def test_a_run_that_another_run_overtook_surveys_again_under_the_lock(db_url, monkeypatch):
    """A run has surveyed outside the write lock when another run writes some of its orders: the first
    run's chunks no longer make what it counted, so it rolls back to its savepoint, counts again under
    the lock and makes only the rest, numbered without a gap."""
    from custsvc import state
    from custsvc.bootstrap import open_context

    state.reset(db=db_url, now="2026-03-10T09:00:00+02:00", actor="tester")
    with open_context() as ctx:
        _mixed_shop(ctx, 4)
    monkeypatch.setattr(visits, "CHUNK_VISITS", 5)
    surveyed, go_on = threading.Event(), threading.Event()
    surveys = []
    real_survey = generation._survey

    def survey(*args, **kwargs):
        result = real_survey(*args, **kwargs)
        surveys.append((threading.current_thread().name, kwargs.get("lock", False)))
        if threading.current_thread().name == "first" and not surveyed.is_set():
            surveyed.set()  # the survey is made: the other run writes before this one takes the lock
            go_on.wait(20)
        return result

    monkeypatch.setattr(generation, "_survey", survey)
    outcome = {}

    def run():
        with open_context() as ctx:
            outcome["first"] = gen(ctx, "2026-01-01", "2026-03-31")

    worker = threading.Thread(target=run, name="first")
    worker.start()
    try:
        assert surveyed.wait(20)
        with open_context() as ctx:
            outcome["other"] = agreements.generate(
                ctx, agreement="A-3", date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)
            )
    finally:
        go_on.set()
        worker.join(30)
    with open_context() as ctx:
        numbers = ctx.execute(select(ServiceOrder.number).order_by(ServiceOrder.number)).scalars().all()
        pairs = ctx.execute(select(OrderLine.agreement_line_id, OrderLine.visit_date)).all()
        again = gen(ctx, "2026-01-01", "2026-03-31")
    first, other = outcome["first"], outcome["other"]
    assert other["created_orders"] > 0 and first["created_orders"] > 0
    assert not {o["agreement"] for o in first["orders"] if not o["existing"]} & {"A-3"}
    assert numbers == [f"SO-{n:06d}" for n in range(1, first["created_orders"] + other["created_orders"] + 1)]
    assert len(pairs) == len(set(pairs)) == first["created_lines"] + other["created_lines"]
    assert again["created_lines"] == 0
    assert ("first", True) in surveys  # the first run did count again, under the lock
