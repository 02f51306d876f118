"""What became of assignments that are gone from a technician: unassigned, their order deleted, or
moved to another technician. Kept as ``RemovedAssignment`` rows so that the technician's calendar
file can cancel the events a phone still holds (``ical.dropped_since``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.models import Assignment, RemovedAssignment


def record(ctx: Context, rows: Iterable[Assignment | SimpleNamespace], why: str) -> None:
    """Keep ``rows`` (assignments about to go, or to leave their technician) as removed, in one statement."""
    values = [
        {
            "assignment_id": row.id,
            "order_number": row.order_number,
            "line_no": row.line_no,
            "technician": row.technician,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "assignment_created_at": row.created_at,
            "removed_at": ctx.now,
            "removed_by": ctx.actor,
            "why": why,
        }
        for row in rows
    ]
    if values:
        ctx.execute(insert(RemovedAssignment), values)


def record_deleted_order(ctx: Context, number: str, details: Sequence[dict[str, Any]]) -> None:
    """The order ``number`` was deleted (its assignments went with it): keep them, from the order's
    record as it was (``details``: its ``assignments``)."""
    rows = [
        SimpleNamespace(
            id=d["assignment"],
            order_number=number,
            line_no=d["line"],
            technician=d["technician"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            created_at=d["created_at"],
        )
        for d in details
    ]
    record(ctx, rows, "order deleted")


def removed_since(
    ctx: Context, technician: str, since: datetime, lo: datetime, hi: datetime
) -> list[RemovedAssignment]:
    """The technician's assignments between ``lo`` and ``hi`` that were removed at or after ``since``,
    each once (the last time it left the technician)."""
    query = (
        select(RemovedAssignment)
        .where(
            RemovedAssignment.technician == technician,
            RemovedAssignment.removed_at >= since,
            RemovedAssignment.starts_at < hi,
            RemovedAssignment.ends_at > lo,
        )
        .order_by(RemovedAssignment.removed_at, RemovedAssignment.id)
    )
    latest = {row.assignment_id: row for row in ctx.execute(query).scalars()}
    return list(latest.values())
