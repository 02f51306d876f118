"""A technician's schedule as an iCalendar file (``dispatch schedule --ics``), for a phone's calendar.

* Every assignment is one event with a stable UID, ``assignment-<id>@custsvc``: moving it (to another
  time, or another technician) updates the same event instead of adding one.
* ``SEQUENCE`` grows with every change of what the event shows. There is no revision counter in the
  database, so it is derived: the seconds from the assignment's creation to the last change of the
  assignment, its order or its line (``board.changed_at``). A new assignment has 0.
* ``DTSTAMP`` is when the file was written (the command's now); ``METHOD`` is ``PUBLISH``.
* With ``since``, the assignments dropped since then are written as cancelled events
  (``STATUS:CANCELLED``, the same UID, a higher SEQUENCE), so a calendar that subscribed to an earlier
  file removes them: those whose order or line was canceled, and those that left the technician
  (``dispatch unassign``, the order deleted, moved to another technician: ``removed.removed_since``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from custsvc.context import Context
from custsvc.services.dispatch.availability import local_day
from custsvc.services.dispatch.board import assignments_in, changed_at, schedule_rows
from custsvc.services.dispatch.removed import removed_since
from custsvc.services.stages import get as get_stage


def uid(assignment: int) -> str:
    return f"assignment-{assignment}@custsvc"


def sequence(row: dict[str, Any]) -> int:
    """The event's SEQUENCE: whole seconds from the assignment's creation to its last change."""
    return max(0, int((row["changed_at"] - row["created_at"]).total_seconds()))


def dropped_since(ctx: Context, worker: str, first: date, days: int, since: datetime) -> list[dict[str, Any]]:
    """The technician's assignments in the days that were dropped at or after ``since``: their order
    was canceled, or the line they are for (``changed_at``: when)."""
    lo, _ = local_day(ctx, first)
    _, hi = local_day(ctx, first + timedelta(days=days - 1))
    out = [_removed_row(row) for row in removed_since(ctx, worker, since, lo, hi)]
    current = {a.id for a, *_rest in assignments_in(ctx, lo, hi, None, worker)}
    out = [row for row in out if row["assignment"] not in current]  # moved back to this technician
    for assignment, order, _tech, customer, line in assignments_in(ctx, lo, hi, None, worker, live=False):
        order_canceled = get_stage(ctx, order.stage).cancels
        dropped = order.updated_at if order_canceled or line is None else line.updated_at
        if dropped is None or dropped < since:
            continue
        out.append(
            {
                "assignment": assignment.id,
                "order": order.number,
                "line": assignment.line_no,
                "start": assignment.starts_at,
                "end": assignment.ends_at,
                "customer_name": customer.name,
                "created_at": assignment.created_at,
                "changed_at": max(dropped, changed_at(assignment, order, line)),
            }
        )
    return out


def _removed_row(row: Any) -> dict[str, Any]:
    return {
        "assignment": row.assignment_id,
        "order": row.order_number,
        "line": row.line_no,
        "start": row.starts_at,
        "end": row.ends_at,
        "customer_name": "",
        "created_at": row.assignment_created_at,
        "changed_at": row.removed_at,
    }


def _event(row: dict[str, Any], now: datetime, *, cancelled: bool = False) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", uid(row["assignment"]))
    event.add("sequence", sequence(row) + (1 if cancelled else 0))
    event.add("dtstamp", now)
    event.add("dtstart", row["start"])
    event.add("dtend", row["end"])
    event.add("summary", f"{row['order']} {row['customer_name']}".strip())
    if cancelled:
        event.add("status", "CANCELLED")
        return event
    event.add("status", "CONFIRMED")
    if row["address"]:
        event.add("location", row["address"])
    notes = [
        row["description"] or "",
        f"Stage: {row['stage']}",
        f"Priority: {row['priority']}",
        f"Objects: {', '.join(row['objects']) or '-'}",
        f"Tasks: {', '.join(row['tasks']) or '-'}",
        f"Phone: {row['phone'] or '-'}",
    ]
    event.add("description", "\n".join(n for n in notes if n))
    return event


def ics(rows: Sequence[dict[str, Any]], worker: str, now: datetime, cancelled: Sequence[dict[str, Any]] = ()) -> bytes:
    """An iCalendar file of a technician's assignments (``schedule_rows``), and of the ``cancelled`` ones
    (``dropped_since``), written at ``now``."""
    from icalendar import Calendar as ICalendar

    cal = ICalendar()
    cal.add("prodid", "-//custsvc//dispatch schedule//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"custsvc schedule {worker}")
    for row in rows:
        cal.add_component(_event(row, now))
    for row in cancelled:
        cal.add_component(_event(row, now, cancelled=True))
    return cal.to_ical()


def schedule_file(
    ctx: Context, worker: str, first: date, days: int, since: datetime | None = None
) -> tuple[list[dict[str, Any]], bytes, int]:
    """(rows, the .ics file, how many cancelled events it holds) of a technician's days."""
    rows = schedule_rows(ctx, first, days, worker=worker)
    cancelled = dropped_since(ctx, worker, first, days, since) if since is not None else []
    return rows, ics(rows, worker, ctx.now, cancelled), len(cancelled)
