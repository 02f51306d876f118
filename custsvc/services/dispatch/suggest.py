"""``dispatch suggest``: a proposed technician and start for every order in the queue (the planner is
pure: ``custsvc.domain.scheduling``).

The plan is made in a read transaction of its own (``Context.reading``), outside the write lock;
``--apply`` then takes the lock and makes all the assignments at once, checking again that nothing
changed meanwhile (``custsvc.services.dispatch.apply``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.models import ServiceOrder, Worker
from custsvc.services.batch import select_in
from custsvc.services.dispatch.apply import Proposal, assign_all
from custsvc.services.dispatch.availability import (
    absences_of,
    assignments_of,
    local_day,
    skills_of_many,
    subtract,
    team_members,
    working_calendar,
)
from custsvc.services.dispatch.board import PRIORITY_RANK, queue


def _resources(ctx: Context, members: Sequence[Worker], lo: datetime, hi: datetime) -> list[Any]:
    """Each technician with their skills and free time: working windows minus assignments and absences."""
    from custsvc.domain.scheduling import Resource

    keys = [member.worker for member in members]
    booked, away, skills = assignments_of(ctx, keys, lo, hi), absences_of(ctx, keys, lo, hi), skills_of_many(ctx, keys)
    resources = []
    for member in members:
        calendar = working_calendar(ctx, member)
        busy = [(a.starts_at, a.ends_at) for a in booked[member.worker]]
        busy += [(a.starts_at, a.ends_at) for a in away[member.worker]]
        free = tuple(subtract(list(calendar.intervals(lo, hi)), busy))
        resources.append(Resource(member.worker, frozenset(skills[member.worker]), free))
    return resources


def _job(row: dict[str, Any], earliest: datetime) -> Any:
    from custsvc.domain.scheduling import Job

    return Job(
        key=row["order"],
        duration=timedelta(seconds=row["duration_seconds"]),
        deadline=row["resolution_due"],
        skills=frozenset(row["skills"]),
        preferred=row["technician"],
        priority=PRIORITY_RANK.get(row["priority"], 1),
        earliest=earliest,
    )


#: every field of a proposal (``dispatch suggest``)
PROPOSAL_FIELDS = (
    "order", "technician", "start", "end", "priority", "customer", "deadline", "late", "preferred", "reason",
)  # fmt: skip


def _proposal(placement: Any, row: dict[str, Any]) -> dict[str, Any]:
    return {
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


def _in_period(
    ctx: Context, queued: list[dict[str, Any]], only: set[str] | None, lo: datetime, hi: datetime
) -> tuple[list[dict[str, Any]], dict[str, datetime], list[str]]:
    """The queued orders that may start within the period, when each may start at the earliest, and
    the visits planned for a later day: those are left for a later run, not counted as missed."""
    queued = [row for row in queued if only is None or row["order"] in only]
    query = select(ServiceOrder)
    orders = {o.number: o for (o,) in select_in(ctx, query, ServiceOrder.number, [row["order"] for row in queued])}
    earliest = {row["order"]: _not_before(ctx, orders.get(row["order"]), lo) for row in queued}
    waiting = [row for row in queued if earliest[row["order"]] < hi]
    later = [row["order"] for row in queued if earliest[row["order"]] >= hi]
    return waiting, earliest, later


def _unplaced(key: str, reason: str, row: dict[str, Any]) -> dict[str, Any]:
    return {"order": key, "reason": reason, "priority": row["priority"], "customer": row["customer"]}


def suggest(
    ctx: Context,
    first: date,
    days: int,
    *,
    team: str | None = None,
    apply: bool = False,
    only: set[str] | None = None,
    time_limit: float = 5.0,
) -> dict[str, Any]:
    """Propose technician and start for every order still to dispatch (see README: how suggest works).
    ``only``: just these orders (the demo uses it to leave part of the queue); ``time_limit``: seconds
    for the improvement search after the heuristic (0: none).  ``apply``: make the assignments."""
    with ctx.reading() as reader:
        result = _propose(reader, first, days, team, only, time_limit)
    if apply:
        assign_all(ctx, [Proposal(p["order"], p["technician"], p["start"], p["end"]) for p in result["proposals"]])
    result["applied"] = apply
    return result


def _propose(
    ctx: Context, first: date, days: int, team: str | None, only: set[str] | None, time_limit: float
) -> dict[str, Any]:
    from custsvc.domain.scheduling import plan

    lo, _ = local_day(ctx, first)
    _, hi = local_day(ctx, first + timedelta(days=days - 1))
    lo = max(lo, ctx.now)
    resources = _resources(ctx, team_members(ctx, team), lo, hi)
    waiting, earliest, later = _in_period(ctx, queue(ctx, team), only, lo, hi)
    jobs = [_job(row, earliest[row["order"]]) for row in waiting]
    result = plan(jobs, resources, time_limit=time_limit)
    by_key = {row["order"]: row for row in waiting}
    proposals = [_proposal(placement, by_key[placement.job]) for placement in result.placements]
    return {
        "proposals": proposals,
        "unplaced": [_unplaced(key, reason, by_key[key]) for key, reason in result.unplaced],
        "missed_deadlines": result.missed,
        "late": [p["order"] for p in proposals if p["late"]],
        "exact": result.exact,
        "applied": False,
        "orders": len(jobs),
        "later": later,
        "technicians": len(resources),
        "search": None if result.search is None else _search_record(result.search),
    }


def _search_record(stats: Any) -> dict[str, Any]:
    """What the improvement search did (``dispatch suggest --format json``)."""
    return {
        "missed_before": stats.missed_before,
        "missed_after": stats.missed_after,
        "rounds": stats.rounds,
        "kept": stats.moves,
        "stopped": stats.stopped,
    }


def _not_before(ctx: Context, order: ServiceOrder | None, lo: datetime) -> datetime:
    """A visit planned by an agreement waits for its day; a preferred time is kept."""
    earliest = lo
    if order is not None and order.agreement and order.service_date:
        earliest = max(earliest, local_day(ctx, order.service_date)[0])
    if order is not None and order.preferred_at:
        earliest = max(earliest, order.preferred_at)
    return earliest
