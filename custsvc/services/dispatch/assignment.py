"""Assigning orders to technicians: checked against overlaps, working time, absences and skills
(``--force`` overrides all but overlaps, and is recorded), moved, unassigned.

An order (or one of its lines) has at most one *open* assignment. An assignment is open while its
order is open (``orders.reading.open_condition``: not canceled, not posted: it still has an open line,
or no lines yet) and, for an assignment of a single line, while that line is open too. An assignment
of a whole order stands for all its lines, so it clashes with any other assignment of the order; one
of a line clashes with the order's whole-order assignment and with another of the same line.
Reassigning is ``dispatch move``, never a second ``assign``.

A visit that ends after the order's SLA resolution deadline is allowed, with a warning
(``record["late"]``), or refused with ``strict`` (see ``custsvc.services.dispatch.deadlines``)."""

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
from custsvc.services.batch import select_in
from custsvc.services.dispatch.availability import (
    absences_between,
    assignments_between,
    hm,
    skills_of,
    working_calendar,
)
from custsvc.services.dispatch.deadlines import ends_late, refuse_late, resolution_due
from custsvc.services.dispatch.needs import Needs, needs
from custsvc.services.dispatch.removed import record as record_removed
from custsvc.services.orders.reading import open_condition
from custsvc.services.workers import require_technician

#: the rule that refuses a second open assignment of an order (or line)
ONE_OPEN = "one-open-assignment"


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
    *,
    strict: bool = False,
    new: bool = True,
) -> tuple[datetime, datetime, list[str]]:
    """Refuse what cannot be assigned; returns (start, end, overridden problems).  ``new``: a new
    assignment (not a move), refused when the order (or line) has an open one; ``strict``: also refuse
    a visit that ends after the order's SLA resolution deadline."""
    _open_order(ctx, number)
    if new:
        _refuse_second(ctx, number, line_no)
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
    if strict:
        refuse_late(ctx, number, end)
    return start, end, others


def _open_query() -> Any:
    """The open assignments (see the module's docstring), of any order."""
    line_open = (
        select(OrderLine.id)
        .where(
            OrderLine.order_number == Assignment.order_number,
            OrderLine.line_no == Assignment.line_no,
            OrderLine.status == "created",
        )
        .exists()
    )
    return (
        select(Assignment)
        .join(ServiceOrder, ServiceOrder.number == Assignment.order_number)
        .where(open_condition(), Assignment.line_no.is_(None) | line_open)
    )


def open_assignments(ctx: Context, number: str, line_no: int | None = None) -> list[Assignment]:
    """The open assignments (see the module's docstring) a new assignment of the order, or of its
    line ``line_no``, would clash with."""
    query = _open_query().where(Assignment.order_number == number)
    if line_no is not None:
        query = query.where(Assignment.line_no.is_(None) | (Assignment.line_no == line_no))
    return list(ctx.execute(query.order_by(Assignment.starts_at, Assignment.id)).scalars())


def open_assignments_of(ctx: Context, numbers: Sequence[str]) -> dict[str, list[Assignment]]:
    """``open_assignments`` of many whole orders (which clash with any open assignment of theirs),
    by order: one query per 900 orders (``dispatch suggest --apply``)."""
    out: dict[str, list[Assignment]] = {}
    query = _open_query().order_by(Assignment.starts_at, Assignment.id)
    for (row,) in select_in(ctx, query, Assignment.order_number, numbers):
        out.setdefault(row.order_number, []).append(row)
    return out


def _refuse_second(ctx: Context, number: str, line_no: int | None) -> None:
    held = open_assignments(ctx, number, line_no)
    if not held:
        return
    listed = "; ".join(
        f"assignment {r.id}: {r.technician} {hm(ctx, r.starts_at)}-{hm(ctx, r.ends_at)[11:]}"
        + (f", line {r.line_no}" if r.line_no else "")
        for r in held
    )
    what = number if line_no is None else f"{number} line {line_no}"
    line = f" --line {held[0].line_no}" if held[0].line_no else ""
    raise RuleViolation(
        ONE_OPEN,
        f"refused: {what} already has an open assignment ({listed}); "
        f"reassigning is `dispatch move {number}{line} --technician T`",
    )


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
    strict: bool = False,
) -> dict[str, Any]:
    """Put an order (or line) on a technician.  ``checked``: the caller checked a moment ago that the
    slot was free and the order unassigned, so finding either taken now means another dispatcher was
    faster (a conflict, exit 3)."""
    _lock(ctx, number, worker_key)
    with _taken_is_a_conflict(checked):
        start, end, overridden = check(ctx, number, worker_key, start, duration, line_no, force, strict=strict)
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


def _lock(ctx: Context, number: str, worker_key: str) -> None:
    """One writer per order, then per technician (always in this order, so two writers never wait on
    each other); SQLite's write lock does the same."""
    ctx.execute(select(ServiceOrder.number).where(ServiceOrder.number == number).with_for_update())
    ctx.execute(select(Worker.worker).where(Worker.worker == worker_key).with_for_update())


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
    due = resolution_due(ctx, [number])
    out = [assignment_record(ctx, r, due) for r in rows]
    record_removed(ctx, rows, "unassigned")
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
    strict: bool = False,
) -> tuple[Assignment, str, datetime, datetime, list[str]]:
    """Refuse a move that cannot be made; returns (assignment, technician, start, end, overridden problems)."""
    row = _movable(ctx, number, line_no)
    target = worker_key or row.technician
    new_start, new_end, overridden = check(
        ctx,
        number,
        target,
        start,
        row.ends_at - row.starts_at,
        row.line_no,
        force,
        exclude=[row.id],  # type: ignore[list-item]
        strict=strict,
        new=False,
    )
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
    strict: bool = False,
) -> dict[str, Any]:
    target = worker_key or _movable(ctx, number, line_no).technician
    _lock(ctx, number, target)
    with _taken_is_a_conflict(checked):
        row, target, new_start, new_end, overridden = check_move(
            ctx, number, start, worker_key=target, line_no=line_no, force=force, strict=strict
        )
    if target != row.technician:  # the old technician's calendar is to cancel the event
        record_removed(ctx, [row], f"moved to {target}")
    row.technician, row.starts_at, row.ends_at = target, new_start, new_end
    row.overridden = "; ".join(overridden) or None
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return assignment_record(ctx, row)


@contextmanager
def _taken_is_a_conflict(checked: bool) -> Iterator[None]:
    """After a check a moment ago found the slot free (and the order unassigned), an overlap (or an
    open assignment of the order) now means another dispatcher was faster."""
    try:
        yield
    except RuleViolation as exc:
        if checked and exc.rule in ("no-double-booking", ONE_OPEN):
            done = "taken" if exc.rule == "no-double-booking" else "assigned"
            raise Conflict(
                f"{exc.message.removeprefix('refused: ')} (just {done} by another dispatcher; look again)"
            ) from None
        raise


def assignment_record(ctx: Context, row: Assignment, due: dict[str, datetime | None] | None = None) -> dict[str, Any]:
    """The assignment with its order's customer, priority and stage, and its SLA resolution deadline
    (``late``: the visit ends after it).  ``due``: the deadlines, read for many records at once."""
    order = ctx.get(ServiceOrder, row.order_number)
    due = resolution_due(ctx, [row.order_number]) if due is None else due
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
        "resolution_due": due.get(row.order_number),
        "late": ends_late(row.ends_at, due.get(row.order_number)),
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }
