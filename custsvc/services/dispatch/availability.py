"""What a technician is available for: working calendar, absences, what is already assigned, skills, team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from custsvc.context import Context
from custsvc.domain.calendar import BusinessCalendar, parse_hours
from custsvc.domain.checks import check_text
from custsvc.domain.timeparse import localize
from custsvc.errors import InvalidInput, NotFound
from custsvc.models import (
    Absence,
    Assignment,
    OrderLine,
    ServiceOrder,
    Stage,
    Team,
    Worker,
    WorkerRole,
    WorkerSkill,
)
from custsvc.services import calendars, settings
from custsvc.services.batch import select_in

DEFAULT_HOURS = ["mon-fri 08:00-17:00"]


def technician(ctx: Context, worker: str) -> Worker:
    row = ctx.get(Worker, worker)
    if row is None:
        raise NotFound("worker", worker)
    return row


def working_calendar(ctx: Context, worker: Worker) -> BusinessCalendar:
    """The worker's calendar, else the shop's (setting ``calendar``), else mon-fri 08:00-17:00 in the shop's zone."""
    code = worker.calendar or settings.get(ctx, "calendar")
    if code:
        return calendars.business_calendar(ctx, code)
    cache: dict[str, BusinessCalendar] = ctx.cache.setdefault("calendars", {})
    if "" not in cache:
        cache[""] = BusinessCalendar(ctx.tz, parse_hours(DEFAULT_HOURS))
    return cache[""]


#: every field of an absence as ``absence_record`` gives it (``worker absence list``)
ABSENCE_FIELDS = ("id", "worker", "from", "to", "reason", "created_at", "created_by")


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
        raise InvalidInput("to", ctx.when(ends), "must be after --from")
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
    clashes = assignments_between(ctx, worker, starts, ends)
    out = absence_record(row)
    out["clashing_assignments"] = [f"{a.order_number} {ctx.when(a.starts_at)}" for a in clashes]
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


def absences_between(ctx: Context, worker: str, start: datetime, end: datetime) -> list[Absence]:
    return list(
        ctx.execute(
            select(Absence).where(Absence.worker == worker, Absence.starts_at < end, Absence.ends_at > start)
        ).scalars()
    )


def absences_of(ctx: Context, workers: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Absence]]:
    """The absences of many workers that overlap ``[start, end)``, by worker (one query per 900 workers)."""
    out: dict[str, list[Absence]] = {worker: [] for worker in workers}
    query = select(Absence).where(Absence.starts_at < end, Absence.ends_at > start).order_by(Absence.starts_at)
    for (absence,) in select_in(ctx, query, Absence.worker, list(workers)):
        out[absence.worker].append(absence)
    return out


@cache
def live_condition() -> Any:
    """An assignment stands (holds the technician's time, shows on the board and in schedules) unless
    its order was canceled, or the line it is for was. Posted work stays: the visit happened.

    Built once: the expression is immutable, and building its aliases costs more than most of the
    queries that use it."""
    order, line = aliased(ServiceOrder), aliased(OrderLine)  # the query may join the order and line itself
    canceled = select(Stage.stage).where(Stage.cancels.is_(True))
    order_dropped = (
        select(order.number).where(order.number == Assignment.order_number, order.stage.in_(canceled)).exists()
    )
    line_dropped = (
        select(line.id)
        .where(
            line.order_number == Assignment.order_number,
            line.line_no == Assignment.line_no,
            line.status == "canceled",
        )
        .exists()
    )
    return ~order_dropped & ~line_dropped


def assignments_between(
    ctx: Context, worker: str, start: datetime, end: datetime, exclude: Sequence[int] = ()
) -> list[Assignment]:
    query = select(Assignment).where(
        Assignment.technician == worker, Assignment.starts_at < end, Assignment.ends_at > start, live_condition()
    )
    if exclude:
        query = query.where(Assignment.id.not_in(list(exclude)))
    return list(ctx.execute(query.order_by(Assignment.starts_at)).scalars())


def assignments_of(ctx: Context, workers: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Assignment]]:
    """``assignments_between`` for many technicians at once, by technician (one query per 900)."""
    out: dict[str, list[Assignment]] = {worker: [] for worker in workers}
    query = select(Assignment).where(Assignment.starts_at < end, Assignment.ends_at > start, live_condition())
    for (row,) in select_in(ctx, query.order_by(Assignment.starts_at), Assignment.technician, list(workers)):
        out[row.technician].append(row)
    return out


def skills_of(ctx: Context, worker: str) -> set[str]:
    return set(ctx.execute(select(WorkerSkill.skill).where(WorkerSkill.worker == worker)).scalars())


def skills_of_many(ctx: Context, workers: Sequence[str]) -> dict[str, set[str]]:
    """``skills_of`` for many workers at once (one query per 900)."""
    out: dict[str, set[str]] = {worker: set() for worker in workers}
    query = select(WorkerSkill.worker, WorkerSkill.skill)
    for worker, skill in select_in(ctx, query, WorkerSkill.worker, list(workers), core=True):
        out[worker].add(skill)
    return out


def hm(ctx: Context, moment: datetime) -> str:
    return moment.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")


def team_members(ctx: Context, team: str | None) -> list[Worker]:
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


def local_day(ctx: Context, day: date) -> tuple[datetime, datetime]:
    tz = ctx.tz
    return localize(datetime.combine(day, time()), tz).astimezone(UTC), localize(
        datetime.combine(day + timedelta(days=1), time()), tz
    ).astimezone(UTC)


def subtract(
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
