"""What a technician is available for: working calendar, absences, what is already assigned, skills, team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.calendar import BusinessCalendar, parse_hours
from custsvc.domain.checks import check_text
from custsvc.domain.timeparse import localize
from custsvc.errors import InvalidInput, NotFound
from custsvc.models import (
    Absence,
    Assignment,
    Team,
    Worker,
    WorkerRole,
    WorkerSkill,
)
from custsvc.services import calendars, settings

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
    clashes = assignments_between(ctx, worker, starts, ends)
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


def absences_between(ctx: Context, worker: str, start: datetime, end: datetime) -> list[Absence]:
    return list(
        ctx.execute(
            select(Absence).where(Absence.worker == worker, Absence.starts_at < end, Absence.ends_at > start)
        ).scalars()
    )


def assignments_between(
    ctx: Context, worker: str, start: datetime, end: datetime, exclude: Sequence[int] = ()
) -> list[Assignment]:
    query = select(Assignment).where(
        Assignment.technician == worker, Assignment.starts_at < end, Assignment.ends_at > start
    )
    if exclude:
        query = query.where(Assignment.id.not_in(list(exclude)))
    return list(ctx.execute(query.order_by(Assignment.starts_at)).scalars())


def skills_of(ctx: Context, worker: str) -> set[str]:
    return set(ctx.execute(select(WorkerSkill.skill).where(WorkerSkill.worker == worker)).scalars())


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
