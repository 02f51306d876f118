"""How repairs plug into orders, objects, units and invoices (registered by ``custsvc.bootstrap``):

* guards: an order cannot move to a stage that resolves it, nor be signed off (as a whole, or lines
  that belong to a repair), while one of its repair lines is not in a finished stage;
* ``object show`` lists the object's repairs (section ``repairs``), ``serial show`` the repairs that
  touched the unit;
* posting prices the order lines of a repair under warranty at zero (contribution ``order-line``,
  field ``warranty``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select

from custsvc.events import Bus, Problem
from custsvc.models import OrderLine, RepairLine, RepairOrderLine, RepairStage
from custsvc.services.batch import select_in
from custsvc.services.orders.events import OrderSignedOff, StageMoved

RULE = "repairs-finished"
#: the fields of a repair in ``object show`` and ``serial show``
SHORT = ["order", "line", "created_at", "symptom", "diagnosis", "resolution", "stage", "warranty", "technician"]


def _open_repairs(ctx: Any, number: str, line_ids: Sequence[int] | None = None) -> list[tuple[int, str]]:
    """The order's repair lines not in a finished stage (only those owning ``line_ids``, if given)."""
    query = (
        select(RepairLine.line_no, RepairLine.stage)
        .join(RepairStage, RepairStage.stage == RepairLine.stage)
        .where(RepairLine.order_number == number, RepairStage.finished.is_(False))
        .order_by(RepairLine.line_no)
    )
    if line_ids is not None:
        owning = select(RepairOrderLine.repair_id).where(RepairOrderLine.order_line_id.in_(list(line_ids)))
        query = query.where(RepairLine.id.in_(owning))
    return [(no, stage) for no, stage in ctx.execute(query)]


def _problem(number: str, doing: str, open_lines: list[tuple[int, str]]) -> Problem:
    listed = ", ".join(f"{no} ({stage})" for no, stage in open_lines)
    return Problem(RULE, f"{number} cannot {doing} while repair lines are open: {listed}; finish them first")


def _before_resolving(ctx: Any, event: StageMoved) -> Iterator[Problem]:
    if not event.after.resolves:
        return
    open_lines = _open_repairs(ctx, event.order.number)
    if open_lines:
        yield _problem(event.order.number, f"move to {event.after.stage!r}", open_lines)


def _before_sign_off(ctx: Any, event: OrderSignedOff) -> Iterator[Problem]:
    number = event.order.number
    if event.complete or not event.lines:
        open_lines = _open_repairs(ctx, number)
    else:
        ids = (
            ctx.execute(
                select(OrderLine.id).where(OrderLine.order_number == number, OrderLine.line_no.in_(list(event.lines)))
            )
            .scalars()
            .all()
        )
        open_lines = _open_repairs(ctx, number, ids)
    if open_lines:
        yield _problem(number, "be signed off", open_lines)


def _short(ctx: Any, rows: Sequence[RepairLine]) -> list[dict[str, Any]]:
    return [
        {
            "order": r.order_number,
            "line": r.line_no,
            "created_at": r.created_at,
            "symptom": r.symptom or r.symptom_area,
            "diagnosis": r.diagnosis or r.diagnosis_area,
            "resolution": r.resolution,
            "stage": r.stage,
            "warranty": r.warranty,
            "technician": r.technician,
        }
        for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)
    ]


def object_repairs(ctx: Any, objects: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each object's repairs, newest first (one statement per 900 objects)."""
    found: dict[str, list[RepairLine]] = defaultdict(list)
    for (row,) in select_in(ctx, select(RepairLine), RepairLine.object, objects):
        found[row.object].append(row)
    return {obj: {"repairs": _short(ctx, rows)} for obj, rows in found.items()}


def unit_repairs(ctx: Any, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The repairs that touched each unit: about it, or swapping it in or out."""
    from custsvc.services.repairs.reading import serial_condition

    out = {}
    for item, serial in keys:
        rows = ctx.execute(select(RepairLine).where(serial_condition(serial))).scalars().all()
        out[(item, serial)] = {"repairs": _short(ctx, rows)}
    return out


def warranty_lines(ctx: Any, line_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The order lines that belong to a repair under warranty (they are invoiced at zero)."""
    query = (
        select(RepairOrderLine.order_line_id, RepairLine.order_number, RepairLine.line_no)
        .join(RepairLine, RepairLine.id == RepairOrderLine.repair_id)
        .where(RepairLine.warranty.is_(True))
    )
    return {
        line_id: {"warranty": f"{number}/{no}"}
        for line_id, number, no in select_in(ctx, query, RepairOrderLine.order_line_id, line_ids)
    }


def register(bus: Bus) -> None:
    bus.guard(StageMoved, _before_resolving)
    bus.guard(OrderSignedOff, _before_sign_off)
    bus.contribute("object-detail", ("repairs",), object_repairs)
    bus.contribute("serial-detail", ("repairs",), unit_repairs)
    bus.contribute("order-line", ("warranty",), warranty_lines)
