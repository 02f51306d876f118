"""Reading the dispatch board: the queue of orders still to dispatch, technicians' schedules, the board
of a day or week, and schedules as iCalendar files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.timeparse import format_duration, localize
from custsvc.models import (
    Assignment,
    Customer,
    OrderObject,
    ServiceOrder,
    Worker,
)
from custsvc.services.dispatch.availability import (
    absences_between,
    local_day,
    skills_of,
    team_members,
    working_calendar,
)
from custsvc.services.dispatch.needs import needs_of
from custsvc.services.orders.reading import open_condition

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}


def waiting_orders(ctx: Context) -> list[ServiceOrder]:
    """Open orders not resolved yet (``orders.open_condition``) that have no assignment."""
    dispatched = select(Assignment.order_number)
    query = select(ServiceOrder).where(open_condition(still_to_work=True), ServiceOrder.number.not_in(dispatched))
    return list(ctx.execute(query).scalars())


def queue(ctx: Context, team: str | None = None) -> list[dict[str, Any]]:
    """Open orders with no assignment, by SLA resolution deadline (none last), then priority.

    With ``team``: orders whose preferred technician is in the team, and orders without one whose
    skills someone in the team has."""
    waiting = waiting_orders(ctx)
    members = team_members(ctx, team) if team else []
    member_keys = {m.worker for m in members}
    member_skills = [skills_of(ctx, m.worker) for m in members]
    clocks = ctx.bus.contributions(ctx, "order", [o.number for o in waiting])
    objects: dict[str, list[str]] = defaultdict(list)
    for number, obj in ctx.execute(select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.object)):
        objects[number].append(obj)
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
                "sla_status": clock.get("sla_status"),
                "description": order.description,
            }
        )
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda r: (r["resolution_due"] or far, PRIORITY_RANK.get(r["priority"], 1), r["order"]))
    return out


def schedule_rows(
    ctx: Context, first: date, days: int, *, team: str | None = None, worker: str | None = None
) -> list[dict[str, Any]]:
    """Assignments in the days, one row each (technician, order, start, end, priority, sla_status ...)."""
    lo, _ = local_day(ctx, first)
    _, hi = local_day(ctx, first + timedelta(days=days - 1))
    query = (
        select(Assignment, ServiceOrder, Worker, Customer)
        .join(ServiceOrder, ServiceOrder.number == Assignment.order_number)
        .join(Worker, Worker.worker == Assignment.technician)
        .join(Customer, Customer.account == ServiceOrder.customer)
        .where(Assignment.starts_at < hi, Assignment.ends_at > lo)
        .order_by(Assignment.technician, Assignment.starts_at)
    )
    if team:
        query = query.where(Worker.team == team)
    if worker:
        query = query.where(Assignment.technician == worker)
    rows = ctx.execute(query).all()
    clocks = ctx.bus.contributions(ctx, "order", sorted({o.number for _a, o, _w, _c in rows}))
    objects: dict[str, list[str]] = defaultdict(list)
    numbers = sorted({o.number for _a, o, _w, _c in rows})
    if numbers:
        for number, obj in ctx.execute(
            select(OrderObject.order_number, OrderObject.object).where(OrderObject.order_number.in_(numbers))
        ):
            objects[number].append(obj)
    all_needs = needs_of(ctx, [(o.number, a.line_no) for a, o, _w, _c in rows])
    out = []
    for assignment, order, tech, customer in rows:
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
                "customer": customer.account,
                "customer_name": customer.name,
                "address": order.address or customer.address,
                "objects": sorted(objects.get(order.number, [])),
                "tasks": need.tasks if need else [],
                "description": order.description,
                "phone": customer.phone,
                "stage": order.stage,
                "overridden": assignment.overridden,
            }
        )
    return out


def board(ctx: Context, first: date, days: int, team: str | None = None) -> dict[str, Any]:
    """Everything the board shows: per day, per team, per technician the assignments, closed time and
    absences, and the orders still to dispatch."""
    rows = schedule_rows(ctx, first, days, team=team)
    members = team_members(ctx, team)
    tz = ctx.tz
    out_days = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        lo, hi = local_day(ctx, day)
        lanes = []
        opens: list[datetime] = []
        for member in members:
            calendar = working_calendar(ctx, member)
            windows = list(calendar.intervals(lo, hi))
            opens.extend([a for a, _b in windows] + [b for _a, b in windows])
            absences = [
                (max(a.starts_at, lo), min(a.ends_at, hi), a.reason)
                for a in absences_between(ctx, member.worker, lo, hi)
            ]
            bars = [r for r in rows if r["technician"] == member.worker and r["start"] < hi and r["end"] > lo]
            lanes.append(
                {
                    "worker": member.worker,
                    "name": member.name,
                    "team": member.team,
                    "windows": windows,
                    "absences": absences,
                    "bars": bars,
                }
            )
        if opens:
            start = min(opens).astimezone(tz).replace(minute=0, second=0, microsecond=0)
            end = max(opens).astimezone(tz)
            end = end if end.minute == 0 else end.replace(minute=0) + timedelta(hours=1)
        else:
            start = localize(datetime.combine(day, time(8)), tz)
            end = localize(datetime.combine(day, time(17)), tz)
        out_days.append({"date": day, "start": start.astimezone(UTC), "end": end.astimezone(UTC), "lanes": lanes})
    return {"days": out_days, "rows": rows, "queue": queue(ctx, team)}


def ics(rows: Sequence[dict[str, Any]], worker: str) -> bytes:
    """An iCalendar file of a technician's assignments."""
    from icalendar import Calendar as ICalendar
    from icalendar import Event

    cal = ICalendar()
    cal.add("prodid", "-//custsvc//dispatch schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"custsvc schedule {worker}")
    for row in rows:
        event = Event()
        event.add("uid", f"{row['order']}-{row['line'] or 0}-{row['start']:%Y%m%dT%H%M%SZ}@custsvc")
        event.add("dtstamp", row["start"])
        event.add("dtstart", row["start"])
        event.add("dtend", row["end"])
        event.add("summary", f"{row['order']} {row['customer_name']}")
        if row["address"]:
            event.add("location", row["address"])
        notes = [
            row["description"] or "",
            f"Priority: {row['priority']}",
            f"Objects: {', '.join(row['objects']) or '-'}",
            f"Tasks: {', '.join(row['tasks']) or '-'}",
            f"Phone: {row['phone'] or '-'}",
        ]
        event.add("description", "\n".join(n for n in notes if n))
        cal.add_component(event)
    return cal.to_ical()
