"""``dispatch suggest --apply`` makes its assignments at once: a bounded number of statements, every
rule of a single assignment checked again under the write lock, a concurrent change refused as a
conflict (exit 3) with nothing written, and the stage moves heard by the other capabilities."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from custsvc.errors import EXIT_CONFLICT, Conflict
from custsvc.events import Bus
from custsvc.models import Assignment, OrderSla, OrderStageLog, ServiceOrder
from custsvc.services import calendars, dispatch, master, sla, workers
from custsvc.services import orders as order_service
from custsvc.services.dispatch.apply import Proposal, assign_all
from tests.services.test_customer_show import statements

DAY = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # a Wednesday, after the tests' fixed now


@pytest.fixture
def shop(ctx):
    calendars.add(ctx, "office", timezone="UTC", hours=["mon-fri 08:00-17:00"])
    sla.add(ctx, "std", calendar="office", response=["4h"], resolution=["3d"])
    sla.apply(ctx, "std", "default", None)
    master.import_rows(ctx, "customer", [{"account": "C-1", "name": "Bakery"}])
    master.import_rows(ctx, "task", [{"task": "BOIL", "description": "Boiler", "hours": "1", "skill": "gas"}])
    rows = [{"worker": f"T-{n}", "name": f"Tech {n}", "roles": "technician", "skills": "gas"} for n in range(3)]
    master.import_rows(ctx, "worker", rows)
    return ctx


def new_orders(ctx, count):
    numbers = []
    for _ in range(count):
        number = order_service.create(ctx, customer="C-1")["order"]
        order_service.add_line(ctx, number, type="hour", task="BOIL")
        numbers.append(number)
    return numbers


def proposals(numbers, day=DAY):
    """An hour each, on T-0, T-1, T-2, T-0, ... one after the other from 08:00."""
    return [
        Proposal(number, f"T-{i % 3}", day + timedelta(hours=i // 3), day + timedelta(hours=i // 3 + 1))
        for i, number in enumerate(numbers)
    ]


def assignments(ctx):
    return ctx.execute(select(func.count()).select_from(Assignment)).scalar_one()


def test_applying_takes_the_same_statements_for_3_orders_as_for_24(shop):
    shop.bus = Bus()  # the statements of the other capabilities' listeners are theirs, not counted here
    assign_all(shop, proposals(new_orders(shop, 1), DAY - timedelta(days=1)))  # what a command reads once
    counts = []
    for size, day in ((3, DAY), (24, DAY + timedelta(days=1))):
        batch = proposals(new_orders(shop, size), day)
        with statements(shop) as seen:
            assert assign_all(shop, batch) == size
            shop.flush()
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert assignments(shop) == 28


def test_every_applied_order_is_planned_and_the_sla_hears_of_each(shop):
    numbers = new_orders(shop, 4)
    assert assign_all(shop, proposals(numbers)) == 4
    shop.flush()
    rows = shop.execute(select(ServiceOrder).where(ServiceOrder.number.in_(numbers))).scalars()
    assert {o.stage for o in rows} == {"planned"}
    logs = shop.execute(select(OrderStageLog).where(OrderStageLog.to_stage == "planned")).scalars().all()
    assert sorted(log.order_number for log in logs) == numbers and {log.note for log in logs} == {"dispatched"}
    responded = shop.execute(select(OrderSla).where(OrderSla.order_number.in_(numbers))).scalars().all()
    assert len(responded) == 4 and all(row.responded_at == shop.now for row in responded)
    board = {(r["order"], r["technician"]) for r in dispatch.board(shop, DAY.date(), 1)["rows"]}
    assert board == {(p.order, p.technician) for p in proposals(numbers)}


def test_what_changed_since_the_plan_is_refused_all_at_once_and_nothing_is_written(shop):
    numbers = new_orders(shop, 5)
    plan = proposals(numbers)
    dispatch.assign(shop, numbers[0], "T-2", DAY + timedelta(hours=6), None)  # assigned meanwhile
    dispatch.add_absence(shop, "T-1", DAY, DAY + timedelta(hours=2), "dentist")  # away meanwhile
    workers.change_skills(shop, "T-2", [], ["gas"])  # no longer does gas
    order_service.add_line(shop, numbers[3], type="hour", task="BOIL")  # now two hours of work
    other = new_orders(shop, 1)[0]
    dispatch.assign(shop, other, "T-0", DAY + timedelta(hours=1, minutes=30), None)  # on T-0's second visit
    before = assignments(shop)
    with pytest.raises(Conflict) as caught:
        assign_all(shop, plan)
    problems = [caught.value.message, *caught.value.details]
    assert caught.value.exit_code == EXIT_CONFLICT
    assert "changed since the plan was made" in problems[0]
    text = "\n".join(problems)
    assert f"{numbers[0]} already has an open assignment (T-2" in text
    assert f"T-2 lacks the skill gas a task on {numbers[2]} needs" in text
    assert f"{numbers[3]} now takes 2h, not 1h" in text
    assert "T-1 is absent 2026-03-11 08:00 to 2026-03-11 10:00" in text
    assert assignments(shop) == before


def test_a_slot_taken_or_an_absence_since_the_plan_is_refused(shop):
    numbers = new_orders(shop, 6)
    other = new_orders(shop, 1)[0]
    dispatch.assign(shop, other, "T-0", DAY + timedelta(hours=1, minutes=30), None)
    dispatch.add_absence(shop, "T-1", DAY, DAY + timedelta(hours=2), "dentist")
    with pytest.raises(Conflict) as caught:
        assign_all(shop, proposals(numbers))
    text = "\n".join([caught.value.message, *caught.value.details])
    assert "T-1 is absent 2026-03-11 08:00 to 2026-03-11 10:00" in text
    assert f"T-0 would have {numbers[3]} (2026-03-11 09:00-10:00) and {other} (2026-03-11 09:30-10:30) at once" in text
    assert assignments(shop) == 1


def test_proposals_that_overlap_each_other_are_refused(shop):
    a, b = new_orders(shop, 2)
    clash = [
        Proposal(a, "T-0", DAY, DAY + timedelta(hours=1)),
        Proposal(b, "T-0", DAY + timedelta(minutes=30), DAY + timedelta(minutes=90)),
    ]
    with pytest.raises(Conflict, match=f"T-0 would have {a} "):
        assign_all(shop, clash)


# --- through the command: another dispatcher between the plan and the write ----------------------


def test_a_change_between_plan_and_apply_exits_3_and_writes_nothing(cli, monkeypatch):
    cli("task", "add", "BOIL", "--description", "Boiler", "--hours", "1", "--skill", "gas")
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("worker", "add", "T-1", "--name", "Anna", "--role", "technician", "--skill", "gas")
    numbers = [cli("order", "create", "--customer", "C-1").stdout.strip() for _ in range(4)]
    for number in numbers[:3]:
        cli("order", "line", "add", number, "--type", "hour", "--task", "BOIL")
    other = numbers.pop()  # another dispatcher's order, without lines: not in the plan's queue... yet
    cli("order", "line", "add", other, "--type", "fee", "--description", "call-out", "--price", "10")
    monkeypatch.setenv("CUSTSVC_NOW", "2026-03-11T07:00:00+00:00")
    suggesting = importlib.import_module("custsvc.services.dispatch.suggest")
    real = suggesting._propose

    def plan_then_lose_the_race(ctx, *args):
        result = real(ctx, *args)
        from custsvc.commands._common import run

        first = result["proposals"][0]  # right after the plan, the other dispatcher takes its slot
        run(lambda s: dispatch.assign(s, other, first["technician"], first["start"], timedelta(minutes=30)))
        return result

    monkeypatch.setattr(suggesting, "_propose", plan_then_lose_the_race)
    result = cli("dispatch", "suggest", "--date", "2026-03-11", "--apply", "--time-limit", "0", code=EXIT_CONFLICT)
    assert "changed since the plan was made; run dispatch suggest again" in result.stderr
    assert f"T-1 would have {other} (2026-03-11 08:00-08:30) and {numbers[0]} (2026-03-11 08:00-09:00)" in result.stderr
    board = json.loads(cli("dispatch", "board", "--date", "2026-03-11", "--format", "json").stdout)
    assert [row["order"] for row in board] == [other]  # nothing of the plan was written
