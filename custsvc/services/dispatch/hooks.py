"""How dispatch plugs into orders (registered by ``custsvc.bootstrap``): every order record carries
who it is assigned to and when the visit is, ``order show`` lists its assignments, and a deleted
order's assignments are kept as removed (for the technicians' calendar files)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from custsvc.events import Bus
from custsvc.models import Assignment
from custsvc.services.batch import select_in
from custsvc.services.dispatch.availability import live_condition
from custsvc.services.orders import events

ORDER_FIELDS = ("assigned", "visit_start", "visit_end")


def _assignments(ctx: Any, numbers: Sequence[str]) -> dict[str, list[Assignment]]:
    out: dict[str, list[Assignment]] = defaultdict(list)
    # an assignment of a canceled order or line no longer stands (see ``availability.live_condition``)
    query = select(Assignment).where(live_condition()).order_by(Assignment.starts_at, Assignment.id)
    for (row,) in select_in(ctx, query, Assignment.order_number, numbers):
        out[row.order_number].append(row)
    return out


def _order_fields(ctx: Any, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The order's visit: its latest assignment (an order has at most one open one)."""
    query = (
        select(Assignment.order_number, Assignment.technician, Assignment.starts_at, Assignment.ends_at)
        .where(live_condition())
        .order_by(Assignment.starts_at, Assignment.id)
    )
    out = {}
    for number, technician, starts, ends in select_in(ctx, query, Assignment.order_number, numbers, core=True):
        out[number] = {"assigned": technician, "visit_start": starts, "visit_end": ends}  # the latest wins
    return out


def _order_details(ctx: Any, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {
        number: {
            "assignments": [
                {
                    "assignment": row.id,
                    "technician": row.technician,
                    "line": row.line_no,
                    "starts_at": row.starts_at,
                    "ends_at": row.ends_at,
                    "overridden": row.overridden,
                    "created_at": row.created_at,
                }
                for row in rows
            ]
        }
        for number, rows in _assignments(ctx, numbers).items()
    }


def _order_deleted(ctx: Any, event: events.OrderDeleted) -> None:
    from custsvc.services.dispatch import removed

    removed.record_deleted_order(ctx, event.number, event.record.get("assignments") or [])


def register(bus: Bus) -> None:
    bus.listen(events.OrderDeleted, _order_deleted)
    bus.contribute("order", ORDER_FIELDS, _order_fields)
    bus.contribute("order-detail", ("assignments",), _order_details)
