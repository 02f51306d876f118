"""Whether a repair is under warranty: the object, or a part the repair is about or swapped out,
was covered on the day its order was created (in the shop's zone).

An object's warranty ends on its own ``warranty_until``, else its install date plus its item's
warranty length; a unit's on its own end, else the day it went into service plus its item's length
(``domain/warranty``). A warranty set by hand (``repair update --warranty / --no-warranty``) stays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.warranty import under_warranty, warranty_end
from custsvc.models import Item, RepairLine, RepairPart, SerialUnit, ServiceObject, ServiceOrder

BY_HAND = "set by hand"


def object_end(obj: ServiceObject, months: int | None) -> date | None:
    return warranty_end(obj.installed_on, months, obj.warranty_until)


def _object_basis(ctx: Context, obj: ServiceObject, day: date) -> str | None:
    item = ctx.get(Item, obj.item) if obj.item else None
    end = object_end(obj, item.warranty_months if item else None)
    if under_warranty(end, day):
        return f"object {obj.object} until {end.isoformat()}"  # type: ignore[union-attr]
    return None


def _units(ctx: Context, repair: RepairLine) -> list[tuple[str, str]]:
    """The units the repair is about: its serial, and every unit it swapped out."""
    units = [(repair.part_item, repair.serial)] if repair.serial and repair.part_item else []
    if repair.id is not None:
        query = select(RepairPart.old_item, RepairPart.old_serial).where(
            RepairPart.repair_id == repair.id, RepairPart.old_serial.is_not(None)
        )
        units.extend((item, serial) for item, serial in ctx.execute(query))
    return list(dict.fromkeys(units))  # type: ignore[arg-type]


def _part_basis(ctx: Context, repair: RepairLine, day: date) -> str | None:
    for item, serial in _units(ctx, repair):
        row = ctx.execute(
            select(SerialUnit, Item.warranty_months)
            .join(Item, Item.item == SerialUnit.item)
            .where(SerialUnit.item == item, SerialUnit.serial == serial)
        ).first()
        if row is None:
            continue
        unit, months = row
        end = warranty_end(unit.in_service_on, months, unit.warranty_end)
        if under_warranty(end, day):
            return f"part {item} {serial} until {end.isoformat()}"  # type: ignore[union-attr]
    return None


def assess(ctx: Context, repair: RepairLine, order: ServiceOrder, *, by_hand: bool | None = None) -> None:
    """Mark the repair under warranty (or not), with why; ``by_hand`` sets it whatever the dates say."""
    if by_hand is not None:
        repair.warranty, repair.warranty_basis = by_hand, BY_HAND
        return
    if repair.warranty_basis == BY_HAND:
        return
    day = ctx.local(order.created_at).date()
    obj = ctx.get(ServiceObject, repair.object)
    basis = _object_basis(ctx, obj, day) or _part_basis(ctx, repair, day)
    repair.warranty, repair.warranty_basis = basis is not None, basis
