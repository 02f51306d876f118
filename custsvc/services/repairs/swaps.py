"""Parts swapped by a repair, and the order lines that belong to it.

``swap`` is the BOM change of the installed base (``bom/objects_change.replace``, under the repair's
order, so its guards apply): the faulty unit goes to quarantine, the new one comes from stock, the
object's BOM gets a new version, and with ``invoice`` an item line for the new part is added to the
order. The swap is recorded on the repair line and that item line belongs to the repair (priced at
zero on the invoice when the repair is under warranty). ``link`` makes other lines (hours, parts) of
the same order belong to a repair; a line belongs to one repair at most."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from custsvc.context import Context
from custsvc.domain.checks import check_key
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import OrderLine, RepairLine, RepairOrderLine, RepairPart
from custsvc.services.repairs.rows import get_repair, order_for_change
from custsvc.services.repairs.warranty import assess


def _reason(repair: RepairLine) -> str:
    what = repair.symptom or repair.symptom_area or repair.diagnosis
    return f"repair {repair.order_number}/{repair.line_no}" + (f": {what}" if what else "")


def swap(
    ctx: Context,
    number: str,
    line_no: int,
    *,
    position: str,
    new_serial: str | None = None,
    item: str | None = None,
    invoice: bool = False,
) -> dict[str, Any]:
    """Replace the part at ``position`` of the repair's object as a faulty part; record it on the line."""
    from custsvc.domain.bom import check_position
    from custsvc.services.bom.objects import current_rows
    from custsvc.services.bom.objects_change import replace
    from custsvc.services.repairs.reading import show

    order = order_for_change(ctx, number)
    repair = get_repair(ctx, number, line_no, lock=True)
    before = current_rows(ctx, repair.object).get(check_position(position))
    old_item, old_serial = (before.item, before.serial) if before is not None else (None, None)
    change = replace(
        ctx,
        repair.object,
        position,
        item=item,
        new_serial=new_serial,
        faulty=True,
        reason=_reason(repair),
        order=number,
        invoice=invoice,
    )
    if not change["changed"]:
        raise RuleViolation("swap-changes-the-bom", change.get("note") or "the swap changes nothing")
    new_item = check_key(item, "item") if item else old_item
    serial = check_key(new_serial, "new-serial") if new_serial else None
    ctx.add(
        RepairPart(
            repair_id=repair.id,  # type: ignore[arg-type]
            position=change["position"],
            old_item=old_item,
            old_serial=old_serial,
            new_item=new_item,
            new_serial=serial,
            bom_version=change["version"],
            order_line_id=change["order_line"],
            at=ctx.now,
            actor=ctx.actor,
        )
    )
    if change["order_line"] is not None:
        ctx.add(RepairOrderLine(order_line_id=change["order_line"], repair_id=repair.id))  # type: ignore[arg-type]
    if repair.part_item is None:
        repair.part_item = old_item
    ctx.flush()
    assess(ctx, repair, order)
    repair.updated_at, repair.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return show(ctx, number, line_no)


def _order_lines(ctx: Context, number: str, line_nos: Sequence[int]) -> list[OrderLine]:
    if not line_nos:
        raise InvalidInput("lines", "", "name the order lines, e.g. --lines 2,3")
    rows = (
        ctx.execute(select(OrderLine).where(OrderLine.order_number == number, OrderLine.line_no.in_(list(line_nos))))
        .scalars()
        .all()
    )
    found = {row.line_no for row in rows}
    missing = [n for n in line_nos if n not in found]
    if missing:
        raise NotFound("order line", f"{number}/{missing[0]}")
    return sorted(rows, key=lambda r: r.line_no)


def link(ctx: Context, number: str, line_no: int, line_nos: Sequence[int]) -> dict[str, Any]:
    """The order lines ``line_nos`` belong to the repair ``line_no`` (already so: nothing changes)."""
    from custsvc.services.repairs.reading import show

    order_for_change(ctx, number)
    repair = get_repair(ctx, number, line_no, lock=True)
    lines = _order_lines(ctx, number, line_nos)
    ids = [line.id for line in lines]
    held = dict(
        ctx.execute(
            select(RepairOrderLine.order_line_id, RepairOrderLine.repair_id).where(
                RepairOrderLine.order_line_id.in_(ids)
            )
        ).all()
    )
    others = [line for line in lines if held.get(line.id, repair.id) != repair.id]
    if others:
        owner = ctx.get(RepairLine, held[others[0].id])
        raise RuleViolation(
            "line-of-one-repair",
            f"order line {number}/{others[0].line_no} belongs to repair {number}/{owner.line_no} already",
        )
    posted = [line for line in lines if line.status != "created"]
    if posted:
        raise RuleViolation(
            "link-open-lines",
            f"order line {number}/{posted[0].line_no} is {posted[0].status}: only open lines can be linked",
        )
    ctx.add_all([RepairOrderLine(order_line_id=i, repair_id=repair.id) for i in ids if i not in held])  # type: ignore[arg-type]
    ctx.flush()
    return show(ctx, number, line_no)


def unlink(ctx: Context, number: str, line_no: int, line_nos: Sequence[int]) -> dict[str, Any]:
    from custsvc.services.repairs.reading import show

    order_for_change(ctx, number)
    repair = get_repair(ctx, number, line_no, lock=True)
    ids = [line.id for line in _order_lines(ctx, number, line_nos)]
    ctx.execute(
        delete(RepairOrderLine).where(RepairOrderLine.repair_id == repair.id, RepairOrderLine.order_line_id.in_(ids))
    )
    return show(ctx, number, line_no)
