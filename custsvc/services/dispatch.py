"""Dispatch: technicians' working time and absences, checked assignments, the queue, the board,
technicians' schedules, and suggested plans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select

from custsvc.context import Context
from custsvc.domain.calendar import BusinessCalendar, parse_hours
from custsvc.domain.timeparse import format_duration, localize, parse_duration
from custsvc.errors import Conflict, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Absence,
    Assignment,
    Customer,
    OrderLine,
    OrderObject,
    ServiceOrder,
    ServiceTask,
    Stage,
    Team,
    Worker,
    WorkerRole,
    WorkerSkill,
)
from custsvc.services import calendars, settings, stages
from custsvc.services.master import check_text

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
DEFAULT_HOURS = ["mon-fri 08:00-17:00"]


# --- technicians: working time and absences -----------------------------------------------------


def technician(ctx: Context, worker: str) -> Worker:
    row = ctx.get(Worker, worker)
    if row is None:
        raise NotFound("worker", worker)
    return row


def is_technician(ctx: Context, worker: str) -> bool:
    return (
        ctx.execute(
            select(WorkerRole.worker).where(WorkerRole.worker == worker, WorkerRole.role == "technician")
        ).first()
        is not None
    )


def working_calendar(ctx: Context, worker: Worker) -> BusinessCalendar:
    """The worker's calendar, else the shop's (setting ``calendar``), else mon-fri 08:00-17:00 in the shop's zone."""
    code = worker.calendar or settings.get(ctx, "calendar")
    if code:
        return calendars.business_calendar(ctx, code)
    cache: dict[str, BusinessCalendar] = ctx.cache.setdefault("calendars", {})
    if "" not in cache:
        cache[""] = BusinessCalendar(ctx.tz, parse_hours(DEFAULT_HOURS))
    return cache[""]


def absence_record(row: Absence) -> dict[str, Any]:
    return {
        "id": row.id,
        "worker": row.worker,
        "from": row.starts_at,
        "to": row.ends_at,
        "reason": row.reason,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def add_absence(ctx: Context, worker: str, starts: datetime, ends: datetime, reason: str | None) -> dict[str, Any]:
    technician(ctx, worker)
    if ends <= starts:
        raise InvalidInput("to", ends.isoformat(), "must be after --from")
    row = Absence(
        worker=worker,
        starts_at=starts,
        ends_at=ends,
        reason=check_text(reason, "reason") if reason else None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    clashes = _assignments_between(ctx, worker, starts, ends)
    out = absence_record(row)
    out["clashing_assignments"] = [f"{a.order_number} {a.starts_at.isoformat()}" for a in clashes]
    return out


def list_absences(ctx: Context, worker: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
    query = select(Absence).order_by(Absence.starts_at, Absence.worker)
    if worker:
        technician(ctx, worker)
        query = query.where(Absence.worker == worker)
    if since:
        query = query.where(Absence.ends_at > since)
    return [absence_record(r) for r in ctx.execute(query).scalars()]


def remove_absence(ctx: Context, absence_id: int) -> dict[str, Any]:
    row = ctx.get(Absence, absence_id)
    if row is None:
        raise NotFound("absence", absence_id)
    out = absence_record(row)
    ctx.delete(row)
    ctx.flush()
    return out


def _absences_between(ctx: Context, worker: str, start: datetime, end: datetime) -> list[Absence]:
    return list(
        ctx.execute(
            select(Absence).where(Absence.worker == worker, Absence.starts_at < end, Absence.ends_at > start)
        ).scalars()
    )


def _assignments_between(
    ctx: Context, worker: str, start: datetime, end: datetime, exclude: Sequence[int] = ()
) -> list[Assignment]:
    query = select(Assignment).where(
        Assignment.technician == worker, Assignment.starts_at < end, Assignment.ends_at > start
    )
    if exclude:
        query = query.where(Assignment.id.not_in(list(exclude)))
    return list(ctx.execute(query.order_by(Assignment.starts_at)).scalars())


# --- what an order needs ------------------------------------------------------------------------


@dataclass
class Needs:
    skills: set[str]
    duration: timedelta
    tasks: list[str]


def _lines_of(ctx: Context, numbers: Sequence[str]) -> dict[str, list[tuple[OrderLine, ServiceTask | None]]]:
    """The open lines of many orders with their tasks, in one query per 900 orders."""
    out: dict[str, list[tuple[OrderLine, ServiceTask | None]]] = defaultdict(list)
    wanted = sorted(set(numbers))
    for start in range(0, len(wanted), 900):
        query = (
            select(OrderLine, ServiceTask)
            .outerjoin(ServiceTask, ServiceTask.task == OrderLine.task)
            .where(OrderLine.order_number.in_(wanted[start : start + 900]), OrderLine.status == "created")
        )
        for line, task in ctx.execute(query).all():
            out[line.order_number].append((line, task))
    return out


def _needs(rows: Sequence[tuple[OrderLine, ServiceTask | None]], default: timedelta) -> Needs:
    by_task = {task.task: task for _line, task in rows if task is not None}
    skills = {task.skill for task in by_task.values() if task.skill}
    hours = sum((line.quantity for line, _task in rows if line.type == "hour"), start=0)
    if not hours:
        hours = sum((task.hours for task in by_task.values()), start=0)
    return Needs(skills, timedelta(hours=float(hours)) if hours else default, sorted(by_task))


def needs_of(ctx: Context, keys: Sequence[tuple[str, int | None]]) -> dict[tuple[str, int | None], Needs | None]:
    """``needs`` of many orders (line None) or single lines at once; None for a line no longer open."""
    lines = _lines_of(ctx, [number for number, _line in keys])
    default = parse_duration(settings.get(ctx, "visit_duration"))
    out: dict[tuple[str, int | None], Needs | None] = {}
    for number, line_no in keys:
        rows = (
            lines[number]
            if line_no is None
            else [(line, task) for line, task in lines[number] if line.line_no == line_no]
        )
        out[(number, line_no)] = _needs(rows, default) if rows or line_no is None else None
    return out


def needs(ctx: Context, number: str, line_no: int | None = None) -> Needs:
    """Skills the order's (or line's) tasks ask for, and how long the visit takes: the hours of its
    hour lines, else its tasks' default hours, else the ``visit_duration`` setting."""
    need = needs_of(ctx, [(number, line_no)])[(number, line_no)]
    if need is None:
        raise NotFound("open order line", f"{number}/{line_no}")
    return need


def skills_of(ctx: Context, worker: str) -> set[str]:
    return set(ctx.execute(select(WorkerSkill.skill).where(WorkerSkill.worker == worker)).scalars())


# --- checks and assignments --------------------------------------------------------------------


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
        f"{worker.worker} already has {a.order_number} from {_hm(ctx, a.starts_at)} to {_hm(ctx, a.ends_at)}"
        for a in _assignments_between(ctx, worker.worker, start, end, exclude)
    ]
    others: list[str] = []
    calendar = working_calendar(ctx, worker)
    working = calendar.seconds(start, end)
    if working < (end - start).total_seconds():
        others.append(f"{_hm(ctx, start)}-{_hm(ctx, end)} is partly outside {worker.worker}'s working time")
    for absence in _absences_between(ctx, worker.worker, start, end):
        others.append(
            f"{worker.worker} is absent {_hm(ctx, absence.starts_at)} to {_hm(ctx, absence.ends_at)}"
            + (f" ({absence.reason})" if absence.reason else "")
        )
    missing = need.skills - skills_of(ctx, worker.worker)
    if missing:
        others.append(f"{worker.worker} lacks the skill {', '.join(sorted(missing))} a task on {number} needs")
    return overlaps, others


def _hm(ctx: Context, moment: datetime) -> str:
    return moment.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")


def _open_order(ctx: Context, number: str) -> ServiceOrder:
    order = ctx.get(ServiceOrder, number)
    if order is None:
        raise NotFound("service order", number)
    stage = stages.get(ctx, order.stage)
    if stage.cancels:
        raise RuleViolation("dispatch-open-orders", f"{number} is canceled")
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
    worker = technician(ctx, worker_key)
    if not is_technician(ctx, worker_key):
        raise RuleViolation("technician-role", f"worker {worker_key!r} does not have the technician role")
    need = needs(ctx, number, line_no)
    length = duration or need.duration
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
    ctx.execute(
        select(Worker.worker).where(Worker.worker == worker_key).with_for_update()
    )  # one writer per technician
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
            f"{r.technician} {_hm(ctx, r.starts_at)}" + (f" line {r.line_no}" if r.line_no else "") for r in rows
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


# --- reading: records, queue, board, schedule ---------------------------------------------------


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


def open_orders(ctx: Context) -> list[ServiceOrder]:
    """Orders still to be worked on: not canceled, not resolved, with an open line or no lines at all."""
    closed = select(Stage.stage).where((Stage.cancels.is_(True)) | (Stage.resolves.is_(True)))
    query = (
        select(ServiceOrder)
        .where(ServiceOrder.stage.not_in(closed))
        .where(
            ~select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number).exists()
            | select(OrderLine.id)
            .where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "created")
            .exists()
        )
    )
    return list(ctx.execute(query).scalars())


def _team_members(ctx: Context, team: str | None) -> list[Worker]:
    query = (
        select(Worker)
        .join(WorkerRole, WorkerRole.worker == Worker.worker)
        .where(WorkerRole.role == "technician")
        .order_by(Worker.team, Worker.worker)
    )
    if team:
        if ctx.get(Team, team) is None:
            raise NotFound("team", team)
        query = query.where(Worker.team == team)
    return list(ctx.execute(query).scalars())


def queue(ctx: Context, team: str | None = None) -> list[dict[str, Any]]:
    """Open orders with no assignment, by SLA resolution deadline (none last), then priority.

    With ``team``: orders whose preferred technician is in the team, and orders without one whose
    skills someone in the team has."""
    from custsvc.services import sla

    dispatched = set(ctx.execute(select(Assignment.order_number).distinct()).scalars())
    waiting = [o for o in open_orders(ctx) if o.number not in dispatched]
    members = _team_members(ctx, team) if team else []
    member_keys = {m.worker for m in members}
    member_skills = [skills_of(ctx, m.worker) for m in members]
    clocks = sla.summaries(ctx, [o.number for o in waiting])
    objects: dict[str, list[str]] = defaultdict(list)
    for number, obj in ctx.execute(
        select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.object)
    ):
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


def _local_day(ctx: Context, day: date) -> tuple[datetime, datetime]:
    tz = ctx.tz
    return localize(datetime.combine(day, time()), tz).astimezone(UTC), localize(
        datetime.combine(day + timedelta(days=1), time()), tz
    ).astimezone(UTC)


def schedule_rows(
    ctx: Context, first: date, days: int, *, team: str | None = None, worker: str | None = None
) -> list[dict[str, Any]]:
    """Assignments in the days, one row each (technician, order, start, end, priority, sla_status ...)."""
    from custsvc.services import sla

    lo, _ = _local_day(ctx, first)
    _, hi = _local_day(ctx, first + timedelta(days=days - 1))
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
    clocks = sla.summaries(ctx, sorted({o.number for _a, o, _w, _c in rows}))
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
    members = _team_members(ctx, team)
    tz = ctx.tz
    out_days = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        lo, hi = _local_day(ctx, day)
        lanes = []
        opens: list[datetime] = []
        for member in members:
            calendar = working_calendar(ctx, member)
            windows = list(calendar.intervals(lo, hi))
            opens.extend([a for a, _b in windows] + [b for _a, b in windows])
            absences = [
                (max(a.starts_at, lo), min(a.ends_at, hi), a.reason)
                for a in _absences_between(ctx, member.worker, lo, hi)
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


# --- suggestions --------------------------------------------------------------------------------


def suggest(
    ctx: Context,
    first: date,
    days: int,
    *,
    team: str | None = None,
    apply: bool = False,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Propose technician and start for every order still to dispatch (see README: how suggest works).
    ``only``: just these orders (the demo uses it to leave part of the queue)."""
    from custsvc.domain.scheduling import Job, Resource, plan

    now = ctx.now
    lo, _ = _local_day(ctx, first)
    _, hi = _local_day(ctx, first + timedelta(days=days - 1))
    lo = max(lo, now)
    waiting = [row for row in queue(ctx, team) if only is None or row["order"] in only]
    members = _team_members(ctx, team)
    resources = []
    for member in members:
        calendar = working_calendar(ctx, member)
        busy = [(a.starts_at, a.ends_at) for a in _assignments_between(ctx, member.worker, lo, hi)]
        busy += [(a.starts_at, a.ends_at) for a in _absences_between(ctx, member.worker, lo, hi)]
        resources.append(
            Resource(
                member.worker,
                frozenset(skills_of(ctx, member.worker)),
                tuple(_subtract(list(calendar.intervals(lo, hi)), busy)),
            )
        )
    # visits planned for a later day than the period are left for a later run, not counted as missed
    earliest = {row["order"]: _not_before(ctx, row, lo) for row in waiting}
    later = [row["order"] for row in waiting if earliest[row["order"]] >= hi]
    waiting = [row for row in waiting if earliest[row["order"]] < hi]
    jobs = []
    for row in waiting:
        jobs.append(
            Job(
                key=row["order"],
                duration=timedelta(seconds=row["duration_seconds"]),
                deadline=row["resolution_due"],
                skills=frozenset(row["skills"]),
                preferred=row["technician"],
                priority=PRIORITY_RANK.get(row["priority"], 1),
                earliest=earliest[row["order"]],
            )
        )
    result = plan(jobs, resources)
    by_key = {row["order"]: row for row in waiting}
    proposals = []
    for placement in result.placements:
        row = by_key[placement.job]
        proposals.append(
            {
                "order": placement.job,
                "technician": placement.resource,
                "start": placement.start,
                "end": placement.end,
                "priority": row["priority"],
                "customer": row["customer"],
                "deadline": row["resolution_due"],
                "late": placement.late,
                "preferred": row["technician"],
                "reason": placement.reason,
            }
        )
    if apply:
        for proposal in proposals:
            assign(
                ctx,
                proposal["order"],
                proposal["technician"],
                proposal["start"],
                proposal["end"] - proposal["start"],
            )
    missed = [p["order"] for p in proposals if p["late"]]
    return {
        "proposals": proposals,
        "unplaced": [
            {"order": key, "reason": reason, "priority": by_key[key]["priority"], "customer": by_key[key]["customer"]}
            for key, reason in result.unplaced
        ],
        "missed_deadlines": result.missed,
        "late": missed,
        "exact": result.exact,
        "applied": apply,
        "orders": len(jobs),
        "later": later,
        "technicians": len(resources),
    }


def _not_before(ctx: Context, row: dict[str, Any], lo: datetime) -> datetime:
    """A visit planned by an agreement waits for its day; a preferred time is kept."""
    order = ctx.get(ServiceOrder, row["order"])
    earliest = lo
    if order is not None and order.agreement and order.service_date:
        earliest = max(earliest, _local_day(ctx, order.service_date)[0])
    if order is not None and order.preferred_at:
        earliest = max(earliest, order.preferred_at)
    return earliest


def _subtract(
    windows: list[tuple[datetime, datetime]], busy: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Working windows minus busy intervals (assignments, absences)."""
    busy = sorted(busy)
    free: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        current = start
        for b_start, b_end in busy:
            if b_end <= current or b_start >= end:
                continue
            if b_start > current:
                free.append((current, b_start))
            current = max(current, b_end)
            if current >= end:
                break
        if current < end:
            free.append((current, end))
    return free
