"""Reading the dispatch board: the queue of orders still to dispatch, technicians' schedules, and the
board of a day or week with each technician's load (iCalendar files: ``ical``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.timeparse import format_duration, localize
from custsvc.errors import RuleViolation
from custsvc.models import (
    Absence,
    Assignment,
    Customer,
    OrderLine,
    OrderObject,
    ServiceOrder,
    Worker,
)
from custsvc.services.batch import select_in
from custsvc.services.dispatch.availability import (
    absences_of,
    live_condition,
    local_day,
    skills_of_many,
    subtract,
    team_members,
    technician,
    working_calendar,
)
from custsvc.services.dispatch.deadlines import ends_late
from custsvc.services.dispatch.needs import needs_of
from custsvc.services.orders.reading import open_condition
from custsvc.services.workers import is_technician

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}


def on_site_condition() -> Any:
    """An order needs a visit when it has work to do on site: an open hour line, or an open line with a
    task, or no lines at all yet (a fresh call nobody has worked out). Orders of only fee, item or
    expense lines (monthly fees, deliveries) need none."""
    lines = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number)
    on_site = lines.where(OrderLine.status == "created", (OrderLine.type == "hour") | OrderLine.task.is_not(None))
    return ~lines.exists() | on_site.exists()


def waiting_orders(ctx: Context) -> list[ServiceOrder]:
    """Open orders not resolved yet (``orders.open_condition``) that need a visit (``on_site_condition``)
    and have no assignment that stands (``availability.live_condition``)."""
    dispatched = select(Assignment.order_number).where(live_condition())
    query = select(ServiceOrder).where(
        open_condition(still_to_work=True), on_site_condition(), ServiceOrder.number.not_in(dispatched)
    )
    return list(ctx.execute(query).scalars())


#: every field of a row of ``queue`` (``dispatch queue``)
QUEUE_FIELDS = (
    "order", "priority", "customer", "objects", "skills", "duration", "duration_seconds", "technician", "stage",
    "resolution_due", "time_left", "time_left_seconds", "time_left_for", "sla_status", "description",
)  # fmt: skip


def queue(ctx: Context, team: str | None = None) -> list[dict[str, Any]]:
    """The orders still to dispatch, by SLA resolution deadline (none last), then priority.

    Only orders that need a visit are here (and in ``dispatch suggest``): open and not resolved, with
    no assignment, and with work to do on site: at least one open hour line, or an open line with a
    task, or no lines at all (a fresh call that has not been worked out yet). An order of only fee or
    item lines (a monthly fee, a delivery) never waits for a technician.

    With ``team``: orders whose preferred technician is in the team, and orders without one whose
    skills someone in the team has."""
    waiting = waiting_orders(ctx)
    members = team_members(ctx, team) if team else []
    member_keys = {m.worker for m in members}
    member_skills = list(skills_of_many(ctx, [m.worker for m in members]).values())
    clocks = ctx.bus.contributions(ctx, "order", [o.number for o in waiting])
    objects = _objects_of(ctx, [o.number for o in waiting])
    all_needs = needs_of(ctx, [(o.number, None) for o in waiting])
    out = []
    for order in waiting:
        need = all_needs[(order.number, None)]
        assert need is not None
        if team:
            if order.technician:
                if order.technician not in member_keys:
                    continue
            elif not any(need.skills <= have for have in member_skills):
                continue
        clock = clocks.get(order.number, {})
        out.append(
            {
                "order": order.number,
                "priority": order.priority,
                "customer": order.customer,
                "objects": objects.get(order.number, []),
                "skills": sorted(need.skills),
                "duration": format_duration(need.duration),
                "duration_seconds": int(need.duration.total_seconds()),
                "technician": order.technician,
                "stage": order.stage,
                "resolution_due": clock.get("resolution_due"),
                "time_left": clock.get("time_left"),
                "time_left_seconds": clock.get("time_left_seconds"),
                "time_left_for": clock.get("time_left_for"),
                "sla_status": clock.get("sla_status"),
                "description": order.description,
            }
        )
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda r: (r["resolution_due"] or far, PRIORITY_RANK.get(r["priority"], 1), r["order"]))
    return out


def schedule_technician(ctx: Context, worker: str | None) -> str:
    """Whose schedule: ``worker`` (who must exist), else the acting worker, who must be a technician."""
    if worker:
        technician(ctx, worker)
        return worker
    if not is_technician(ctx, ctx.actor):
        raise RuleViolation(
            "technician-role",
            f"no WORKER given, and the acting worker {ctx.actor!r} is not a technician: name the technician "
            "(dispatch schedule T-01) or act as one (--as T-01, or CUSTSVC_USER)",
        )
    return ctx.actor


def _objects_of(ctx: Context, numbers: Sequence[str]) -> dict[str, list[str]]:
    objects: dict[str, list[str]] = defaultdict(list)
    query = select(OrderObject.order_number, OrderObject.object)
    for number, obj in select_in(ctx, query, OrderObject.order_number, sorted(set(numbers))):
        objects[number].append(obj)
    return {number: sorted(found) for number, found in objects.items()}


def assignments_in(
    ctx: Context, lo: datetime, hi: datetime, team: str | None, worker: str | None, *, live: bool = True
) -> list[Any]:
    """(assignment, order, technician, customer, line or None) of the assignments that stand (``live``)
    or of those dropped with their order or line, in ``[lo, hi)``."""
    line_of = (OrderLine.order_number == Assignment.order_number) & (OrderLine.line_no == Assignment.line_no)
    query = (
        select(Assignment, ServiceOrder, Worker, Customer, OrderLine)
        .join(ServiceOrder, ServiceOrder.number == Assignment.order_number)
        .join(Worker, Worker.worker == Assignment.technician)
        .join(Customer, Customer.account == ServiceOrder.customer)
        .outerjoin(OrderLine, line_of)
        .where(Assignment.starts_at < hi, Assignment.ends_at > lo, live_condition() if live else ~live_condition())
        .order_by(Assignment.technician, Assignment.starts_at, Assignment.id)
    )
    if team:
        query = query.where(Worker.team == team)
    if worker:
        query = query.where(Assignment.technician == worker)
    return list(ctx.execute(query).all())


def changed_at(assignment: Assignment, order: ServiceOrder, line: OrderLine | None) -> datetime:
    """The last change of what an assignment's calendar event shows: the assignment, its order, its line."""
    moments = [assignment.updated_at, assignment.created_at, order.updated_at, line.updated_at if line else None]
    return max(m for m in moments if m is not None)


#: every field of a row of ``schedule_rows`` (``dispatch schedule``)
SCHEDULE_FIELDS = (
    "technician", "technician_name", "team", "order", "line", "start", "end", "priority", "sla_status",
    "resolution_due", "late", "customer", "customer_name", "address", "objects", "tasks", "description", "phone",
    "stage", "overridden", "assignment", "changed_at", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


def schedule_rows(
    ctx: Context, first: date, days: int, *, team: str | None = None, worker: str | None = None
) -> list[dict[str, Any]]:
    """Assignments that stand in the days, one row each (technician, order, start, end, priority,
    sla_status, ``late``: it ends after the order's SLA resolution deadline ...)."""
    lo, _ = local_day(ctx, first)
    _, hi = local_day(ctx, first + timedelta(days=days - 1))
    rows = assignments_in(ctx, lo, hi, team, worker)
    numbers = sorted({o.number for _a, o, _w, _c, _l in rows})
    clocks = ctx.bus.contributions(ctx, "order", numbers)
    objects = _objects_of(ctx, numbers)
    all_needs = needs_of(ctx, [(o.number, a.line_no) for a, o, _w, _c, _l in rows])
    out = []
    for assignment, order, tech, customer, line in rows:
        need = all_needs[(order.number, assignment.line_no)]
        clock = clocks.get(order.number, {})
        out.append(
            {
                "technician": tech.worker,
                "technician_name": tech.name,
                "team": tech.team,
                "order": order.number,
                "line": assignment.line_no,
                "start": assignment.starts_at,
                "end": assignment.ends_at,
                "priority": order.priority,
                "sla_status": clock.get("sla_status"),
                "resolution_due": clock.get("resolution_due"),
                "late": ends_late(assignment.ends_at, clock.get("resolution_due")),
                "customer": customer.account,
                "customer_name": customer.name,
                "address": order.address or customer.address,
                "objects": objects.get(order.number, []),
                "tasks": need.tasks if need else [],
                "description": order.description,
                "phone": customer.phone,
                "stage": order.stage,
                "overridden": assignment.overridden,
                "assignment": assignment.id,
                "changed_at": changed_at(assignment, order, line),
                "created_at": assignment.created_at,
                "created_by": assignment.created_by,
                "updated_at": assignment.updated_at,
                "updated_by": assignment.updated_by,
            }
        )
    return out


def _seconds(intervals: Sequence[tuple[datetime, datetime]]) -> float:
    return sum((b - a).total_seconds() for a, b in intervals)


def _lane(
    ctx: Context, member: Worker, rows: Sequence[dict[str, Any]], away: Sequence[Absence], lo: datetime, hi: datetime
) -> dict[str, Any]:
    """One technician's day: working windows, absences, bars, and the load (seconds booked and available)."""
    windows = list(working_calendar(ctx, member).intervals(lo, hi))
    absences = [
        (max(a.starts_at, lo), min(a.ends_at, hi), a.reason) for a in away if a.starts_at < hi and a.ends_at > lo
    ]
    bars = [r for r in rows if r["technician"] == member.worker and r["start"] < hi and r["end"] > lo]
    available = _seconds(subtract(windows, [(a, b) for a, b, _reason in absences]))
    return {
        "worker": member.worker,
        "name": member.name,
        "team": member.team,
        "windows": windows,
        "absences": absences,
        "bars": bars,
        "booked_seconds": _seconds([(max(r["start"], lo), min(r["end"], hi)) for r in bars]),
        "available_seconds": available,
        "absent": bool(windows) and bool(absences) and not available,
    }


def _visible_range(ctx: Context, day: date, lanes: Sequence[dict[str, Any]]) -> tuple[datetime, datetime]:
    """The hours the day's time axis shows: from the earliest opening to the latest closing, whole hours."""
    tz = ctx.tz
    opens = [moment for lane in lanes for window in lane["windows"] for moment in window]
    if not opens:
        return localize(datetime.combine(day, time(8)), tz), localize(datetime.combine(day, time(17)), tz)
    start = min(opens).astimezone(tz).replace(minute=0, second=0, microsecond=0)
    end = max(opens).astimezone(tz)
    return start, end if end.minute == 0 else end.replace(minute=0) + timedelta(hours=1)


def board(ctx: Context, first: date, days: int, team: str | None = None) -> dict[str, Any]:
    """Everything the board shows: per day, per team, per technician the assignments, closed time,
    absences and load, and the orders still to dispatch.  A day is ``open`` unless it is closed: no
    technician's calendar has working time on it (a weekend, a holiday) and nothing is booked on it."""
    rows = schedule_rows(ctx, first, days, team=team)
    members = team_members(ctx, team)
    away = absences_of(
        ctx, [m.worker for m in members], local_day(ctx, first)[0], local_day(ctx, first + timedelta(days))[0]
    )
    out_days = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        lo, hi = local_day(ctx, day)
        lanes = [_lane(ctx, member, rows, away[member.worker], lo, hi) for member in members]
        start, end = _visible_range(ctx, day, lanes)
        is_open = any(lane["windows"] or lane["bars"] for lane in lanes)
        out_days.append(
            {"date": day, "start": start.astimezone(UTC), "end": end.astimezone(UTC), "lanes": lanes, "open": is_open}
        )
    return {"days": out_days, "rows": rows, "queue": queue(ctx, team)}
