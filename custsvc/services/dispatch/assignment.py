"""Assigning orders to technicians: checked against overlaps, working time, absences and skills
(``--force`` overrides all but overlaps, and is recorded), moved, unassigned."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from custsvc.context import Context
from custsvc.domain.timeparse import format_duration
from custsvc.errors import Conflict, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Assignment,
    OrderLine,
    ServiceOrder,
    Stage,
    Worker,
)
from custsvc.services import settings, stages
from custsvc.services.dispatch.availability import (
    absences_between,
    assignments_between,
    hm,
    skills_of,
    working_calendar,
)
from custsvc.services.dispatch.needs import Needs, needs
from custsvc.services.workers import require_technician


def problems(
    ctx: Context,
    number: str,
    worker: Worker,
    start: datetime,
    end: datetime,
    need: Needs,
    exclude: Sequence[int] = (),
) -> tuple[list[str], list[str]]:
    """(overlaps, overridable problems) of putting the order on ``worker`` from ``start`` to ``end``."""
    overlaps = [
        f"{worker.worker} already has {a.order_number} from {hm(ctx, a.starts_at)} to {hm(ctx, a.ends_at)}"
        for a in assignments_between(ctx, worker.worker, start, end, exclude)
    ]
    others: list[str] = []
    calendar = working_calendar(ctx, worker)
    working = calendar.seconds(start, end)
    if working < (end - start).total_seconds():
        others.append(f"{hm(ctx, start)}-{hm(ctx, end)} is partly outside {worker.worker}'s working time")
    for absence in absences_between(ctx, worker.worker, start, end):
        others.append(
            f"{worker.worker} is absent {hm(ctx, absence.starts_at)} to {hm(ctx, absence.ends_at)}"
            + (f" ({absence.reason})" if absence.reason else "")
        )
    missing = need.skills - skills_of(ctx, worker.worker)
    if missing:
        others.append(f"{worker.worker} lacks the skill {', '.join(sorted(missing))} a task on {number} needs")
    return overlaps, others


def _open_order(ctx: Context, number: str) -> ServiceOrder:
    order = ctx.get(ServiceOrder, number)
    if order is None:
        raise NotFound("service order", number)
    stage = stages.get(ctx, order.stage)
    if stage.cancels:
        raise RuleViolation("dispatch-open-orders", f"{number} is canceled")
    open_lines = select(func.count()).where(OrderLine.order_number == number, OrderLine.status == "created")
    any_lines = select(func.count()).where(OrderLine.order_number == number)
    if ctx.execute(any_lines).scalar_one() and not ctx.execute(open_lines).scalar_one():
        raise RuleViolation(
            "dispatch-open-orders", f"{number} has no open lines (posted or canceled): nothing to dispatch"
        )
    return order


def check(
    ctx: Context,
    number: str,
    worker_key: str,
    start: datetime,
    duration: timedelta | None,
    line_no: int | None,
    force: bool,
    exclude: Sequence[int] = (),
) -> tuple[datetime, datetime, list[str]]:
    """Refuse what cannot be assigned; returns (start, end, overridden problems)."""
    _open_order(ctx, number)
    worker = require_technician(ctx, worker_key)
    need = needs(ctx, number, line_no)
    length = need.duration if duration is None else duration
    if length.total_seconds() <= 0:
        raise InvalidInput("duration", format_duration(length), "must be longer than zero")
    end = start + length
    overlaps, others = problems(ctx, number, worker, start, end, need, exclude)
    if overlaps:
        raise RuleViolation(
            "no-double-booking", f"refused: {overlaps[0]}" + (" (--force never overrides an overlap)" if force else "")
        )
    if others and not force:
        rule = "technician-skills" if "lacks the skill" in others[0] else "working-time"
        raise RuleViolation(rule, f"refused: {'; '.join(others)} (--force overrides this)")
    return start, end, others


def assign(
    ctx: Context,
    number: str,
    worker_key: str,
    start: datetime,
    duration: timedelta | None,
    *,
    line_no: int | None = None,
    force: bool = False,
    checked: bool = False,
) -> dict[str, Any]:
    """Put an order (or line) on a technician.  ``checked``: the caller checked a moment ago that the
    slot was free, so finding it taken now means another dispatcher was faster (a conflict, exit 3)."""
    ctx.execute(select(Worker.worker).where(Worker.worker == worker_key).with_for_update())  # one writer per technician
    with _taken_is_a_conflict(checked):
        start, end, overridden = check(ctx, number, worker_key, start, duration, line_no, force)
    row = Assignment(
        order_number=number,
        line_no=line_no,
        technician=worker_key,
        starts_at=start,
        ends_at=end,
        overridden="; ".join(overridden) or None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    _plan_order(ctx, number)
    return assignment_record(ctx, row)


def _plan_order(ctx: Context, number: str) -> None:
    """Dispatching moves an order from its initial stage to the planned stage (which records the SLA response)."""
    from custsvc.services import orders

    order = ctx.get(ServiceOrder, number)
    planned = settings.get(ctx, "planned_stage")
    target = ctx.get(Stage, planned) if planned else None
    if (
        order is not None
        and target is not None
        and target.parent == order.stage
        and order.stage == stages.initial(ctx).stage
    ):
        orders.move(ctx, number, planned, note="dispatched")


def _assignments_of(ctx: Context, number: str, line_no: int | None) -> list[Assignment]:
    query = select(Assignment).where(Assignment.order_number == number)
    if line_no is not None:
        query = query.where(Assignment.line_no == line_no)
    return list(ctx.execute(query.order_by(Assignment.starts_at)).scalars())


def unassign(ctx: Context, number: str, line_no: int | None = None) -> list[dict[str, Any]]:
    rows = _assignments_of(ctx, number, line_no)
    if not rows:
        raise NotFound("assignment", number if line_no is None else f"{number}/{line_no}")
    out = [assignment_record(ctx, r) for r in rows]
    ctx.execute(delete(Assignment).where(Assignment.id.in_([r.id for r in rows])))
    ctx.flush()
    return out


def _movable(ctx: Context, number: str, line_no: int | None) -> Assignment:
    rows = _assignments_of(ctx, number, line_no)
    if not rows:
        raise NotFound("assignment", number if line_no is None else f"{number}/{line_no}")
    if len(rows) > 1:
        listed = ", ".join(
            f"{r.technician} {hm(ctx, r.starts_at)}" + (f" line {r.line_no}" if r.line_no else "") for r in rows
        )
        raise RuleViolation(
            "one-assignment-to-move",
            f"{number} has {len(rows)} assignments ({listed}); unassign and assign again, or use --line",
        )
    return rows[0]


def check_move(
    ctx: Context,
    number: str,
    start: datetime,
    *,
    worker_key: str | None = None,
    line_no: int | None = None,
    force: bool = False,
) -> tuple[Assignment, str, datetime, datetime, list[str]]:
    """Refuse a move that cannot be made; returns (assignment, technician, start, end, overridden problems)."""
    row = _movable(ctx, number, line_no)
    target = worker_key or row.technician
    new_start, new_end, overridden = check(
        ctx, number, target, start, row.ends_at - row.starts_at, row.line_no, force, exclude=[row.id]
    )  # type: ignore[list-item]
    return row, target, new_start, new_end, overridden


def move(
    ctx: Context,
    number: str,
    start: datetime,
    *,
    worker_key: str | None = None,
    line_no: int | None = None,
    force: bool = False,
    checked: bool = False,
) -> dict[str, Any]:
    target = worker_key or _movable(ctx, number, line_no).technician
    ctx.execute(select(Worker.worker).where(Worker.worker == target).with_for_update())
    with _taken_is_a_conflict(checked):
        row, target, new_start, new_end, overridden = check_move(
            ctx, number, start, worker_key=target, line_no=line_no, force=force
        )
    row.technician, row.starts_at, row.ends_at = target, new_start, new_end
    row.overridden = "; ".join(overridden) or None
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return assignment_record(ctx, row)


@contextmanager
def _taken_is_a_conflict(checked: bool) -> Iterator[None]:
    """After a check a moment ago found the slot free, an overlap now means another dispatcher was faster."""
    try:
        yield
    except RuleViolation as exc:
        if checked and exc.rule == "no-double-booking":
            raise Conflict(
                f"{exc.message.removeprefix('refused: ')} (just taken by another dispatcher; look again)"
            ) from None
        raise


def assignment_record(ctx: Context, row: Assignment) -> dict[str, Any]:
    order = ctx.get(ServiceOrder, row.order_number)
    return {
        "id": row.id,
        "order": row.order_number,
        "line": row.line_no,
        "technician": row.technician,
        "start": row.starts_at,
        "end": row.ends_at,
        "duration": format_duration(row.ends_at - row.starts_at),
        "customer": order.customer if order else None,
        "priority": order.priority if order else None,
        "stage": order.stage if order else None,
        "overridden": row.overridden,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }
