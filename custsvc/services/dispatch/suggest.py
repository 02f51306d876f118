"""``dispatch suggest``: a proposed technician and start for every order in the queue (the planner is
pure: ``custsvc.domain.scheduling``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from custsvc.context import Context
from custsvc.models import (
    ServiceOrder,
)
from custsvc.services.dispatch.assignment import assign
from custsvc.services.dispatch.availability import (
    absences_between,
    assignments_between,
    local_day,
    skills_of,
    team_members,
    working_calendar,
)
from custsvc.services.dispatch.board import PRIORITY_RANK, queue


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
    lo, _ = local_day(ctx, first)
    _, hi = local_day(ctx, first + timedelta(days=days - 1))
    lo = max(lo, now)
    waiting = [row for row in queue(ctx, team) if only is None or row["order"] in only]
    members = team_members(ctx, team)
    resources = []
    for member in members:
        calendar = working_calendar(ctx, member)
        busy = [(a.starts_at, a.ends_at) for a in assignments_between(ctx, member.worker, lo, hi)]
        busy += [(a.starts_at, a.ends_at) for a in absences_between(ctx, member.worker, lo, hi)]
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
        earliest = max(earliest, local_day(ctx, order.service_date)[0])
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
