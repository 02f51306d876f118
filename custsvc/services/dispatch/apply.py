"""``dispatch suggest --apply``: the proposed assignments made all at once, in a bounded number of
statements whatever their number.

The plan is made in a read transaction of its own (``Context.reading``: outside SQLite's write lock).
Here, holding the write lock, every rule a single ``dispatch assign`` checks is checked again for all
the proposals at once:

* the order still exists and is open (not canceled; an open line, or no lines yet) and has no open
  assignment;
* the technician still exists, holds the technician role and every skill the order's tasks need;
* the visit still lies inside their working time and outside their absences, and overlaps neither
  their other work nor another proposal;
* the order's work still takes as long as the plan thought.

The plan kept all of these when it was made, so any that fails now means someone changed the shop in
the meantime: every such problem is reported together, as a conflict (exit 3), and nothing is written.
Then the assignments go in as one insert, and the orders still in the initial stage move to the
planned stage as one batch of transitions (every guard asked first; then each listener, e.g. the SLA
clock that records the response, hears of every order), with one stage-log row per order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.timeparse import format_duration
from custsvc.errors import Conflict, RuleViolation
from custsvc.models import Assignment, OrderStageLog, ServiceOrder, Stage, Worker, WorkerRole
from custsvc.services import settings, stages
from custsvc.services.batch import select_in
from custsvc.services.dispatch.assignment import open_assignments_of
from custsvc.services.dispatch.availability import (
    absences_of,
    assignments_of,
    hm,
    skills_of_many,
    working_calendar,
)
from custsvc.services.dispatch.needs import needs_of
from custsvc.services.orders.checks import touch
from custsvc.services.orders.events import StageMoved
from custsvc.services.orders.lifecycle import transitions
from custsvc.services.orders.reading import open_condition


@dataclass(frozen=True)
class Proposal:
    """One assignment of a whole order that a plan proposes."""

    order: str
    technician: str
    start: datetime
    end: datetime


def assign_all(ctx: Context, proposals: Sequence[Proposal]) -> int:
    """Make every proposed assignment, or none (see the module docstring); returns how many were made."""
    if not proposals:
        return 0
    numbers = sorted({p.order for p in proposals})
    if len(numbers) != len(proposals):
        raise ValueError("an order is proposed twice")
    orders, workers = _lock(ctx, numbers, sorted({p.technician for p in proposals}))
    problems = _order_problems(ctx, numbers, orders) + _technician_problems(ctx, proposals, workers)
    problems += _slot_problems(ctx, [p for p in proposals if p.technician in workers], workers)
    if problems:
        raise Conflict(
            f"refused: {problems[0]} (changed since the plan was made; run dispatch suggest again)",
            details=problems[1:],
        )
    rows = [
        {
            "order_number": p.order,
            "line_no": None,
            "technician": p.technician,
            "starts_at": p.start,
            "ends_at": p.end,
            "overridden": None,
            "created_at": ctx.now,
            "created_by": ctx.actor,
        }
        for p in proposals
    ]
    ctx.execute(insert(Assignment), rows)
    _plan_orders(ctx, [orders[number] for number in numbers])
    return len(rows)


def _lock(
    ctx: Context, numbers: Sequence[str], technicians: Sequence[str]
) -> tuple[dict[str, ServiceOrder], dict[str, Worker]]:
    """The orders, then the technicians, locked in key order (as ``assignment._lock`` does for one):
    two writers never wait on each other.  SQLite's write lock does the same."""
    query = select(ServiceOrder).order_by(ServiceOrder.number).with_for_update()
    orders = {o.number: o for (o,) in select_in(ctx, query, ServiceOrder.number, numbers)}
    query = select(Worker).order_by(Worker.worker).with_for_update()
    workers = {w.worker: w for (w,) in select_in(ctx, query, Worker.worker, technicians)}
    return orders, workers


def _order_problems(ctx: Context, numbers: Sequence[str], orders: dict[str, ServiceOrder]) -> list[str]:
    """Orders gone, no longer open, or assigned meanwhile."""
    query = select(ServiceOrder.number).where(open_condition())
    still_open = {n for (n,) in select_in(ctx, query, ServiceOrder.number, numbers)}
    held = open_assignments_of(ctx, numbers)
    out = []
    for number in numbers:
        order = orders.get(number)
        if order is None:
            out.append(f"service order {number} is gone")
        elif number not in still_open:
            why = "is canceled" if stages.get(ctx, order.stage).cancels else "has no open lines"
            out.append(f"{number} {why}")
        elif number in held:
            a = held[number][0]
            out.append(f"{number} already has an open assignment ({a.technician} {hm(ctx, a.starts_at)})")
    return out


def _technician_problems(ctx: Context, proposals: Sequence[Proposal], workers: dict[str, Worker]) -> list[str]:
    """Technicians gone, without the technician role, or without a skill their orders need now."""
    keys = sorted(workers)
    query = select(WorkerRole.worker).where(WorkerRole.role == "technician")
    technicians = {w for (w,) in select_in(ctx, query, WorkerRole.worker, keys)}
    skills = skills_of_many(ctx, keys)
    needs = needs_of(ctx, [(p.order, None) for p in proposals])
    out = []
    for key in sorted({p.technician for p in proposals}):
        if key not in workers:
            out.append(f"worker {key} is gone")
        elif key not in technicians:
            out.append(f"worker {key} no longer has the technician role")
    for p in proposals:
        need = needs[(p.order, None)]
        if need is None or p.technician not in technicians:
            continue
        if int(need.duration.total_seconds()) != int((p.end - p.start).total_seconds()):  # as the queue has it
            out.append(f"{p.order} now takes {format_duration(need.duration)}, not {format_duration(p.end - p.start)}")
        missing = need.skills - skills[p.technician]
        if missing:
            out.append(f"{p.technician} lacks the skill {', '.join(sorted(missing))} a task on {p.order} needs")
    return out


def _slot_problems(ctx: Context, proposals: Sequence[Proposal], workers: dict[str, Worker]) -> list[str]:
    """Visits now partly outside working time, in an absence, or overlapping other work (or each other)."""
    if not proposals:
        return []
    lo, hi = min(p.start for p in proposals), max(p.end for p in proposals)
    keys = sorted(workers)
    absences = absences_of(ctx, keys, lo, hi)
    busy = {
        key: [(a.starts_at, a.ends_at, a.order_number) for a in rows]
        for key, rows in assignments_of(ctx, keys, lo, hi).items()
    }
    out = []
    for p in proposals:
        worker = workers[p.technician]
        if working_calendar(ctx, worker).seconds(p.start, p.end) < (p.end - p.start).total_seconds():
            out.append(f"{hm(ctx, p.start)}-{hm(ctx, p.end)} is partly outside {p.technician}'s working time")
        for absence in absences[p.technician]:
            if absence.starts_at < p.end and absence.ends_at > p.start:
                out.append(f"{p.technician} is absent {hm(ctx, absence.starts_at)} to {hm(ctx, absence.ends_at)}")
    for key in keys:
        out += _overlaps(ctx, key, busy[key], [p for p in proposals if p.technician == key])
    return out


def _overlaps(
    ctx: Context, technician: str, busy: list[tuple[datetime, datetime, str]], mine: list[Proposal]
) -> list[str]:
    """Proposals on ``technician`` that overlap their other work or one another."""
    spans = sorted([(a, b, number, False) for a, b, number in busy] + [(p.start, p.end, p.order, True) for p in mine])
    out = []
    latest: tuple[datetime, datetime, str, bool] | None = None  # the span reaching furthest so far
    for span in spans:
        if latest is not None and span[0] < latest[1] and (span[3] or latest[3]):
            out.append(
                f"{technician} would have {latest[2]} ({hm(ctx, latest[0])}-{hm(ctx, latest[1])[11:]}) and "
                f"{span[2]} ({hm(ctx, span[0])}-{hm(ctx, span[1])[11:]}) at once"
            )
        if latest is None or span[1] > latest[1]:
            latest = span
    return out


def _plan_orders(ctx: Context, orders: Sequence[ServiceOrder]) -> None:
    """Move the orders still in the initial stage to the planned stage, as ``assignment._plan_order``
    does for one: one batch of transitions, one stage-log row per order."""
    planned = settings.get(ctx, "planned_stage")
    target = ctx.get(Stage, planned) if planned else None
    if target is None:
        return
    first = stages.initial(ctx)
    moving = [o for o in orders if o.stage == first.stage and target.parent == o.stage]
    if not moving:
        return
    if target.requires_reason:
        raise RuleViolation("stage-requires-reason", f"moving to {planned!r} needs a reason code (--reason)")
    events = [StageMoved(order, first, target, None, False) for order in moving]
    with transitions(ctx, events):
        ctx.execute(
            insert(OrderStageLog),
            [
                {"order_number": o.number, "from_stage": first.stage, "to_stage": target.stage, "at": ctx.now,
                 "actor": ctx.actor, "reason": None, "note": "dispatched"}
                for o in moving
            ],
        )  # fmt: skip
        for order in moving:
            order.stage = target.stage
            touch(ctx, order)
