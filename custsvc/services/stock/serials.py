"""One unit's whole life (``serial show``): where it is now, its warranty, every movement of it, and
the objects and BOM positions it was installed in (the object BOMs' rows, read only); the units
by serial number (``serial list``); and a unit's own warranty end (``serial update``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from custsvc.context import Context
from custsvc.domain.locations import parse_location
from custsvc.domain.warranty import months_text, under_warranty, warranty_end
from custsvc.errors import InvalidInput, NotFound
from custsvc.models import Item, ObjectBomChange, ObjectBomComponent, SerialUnit
from custsvc.services.stock import ledger
from custsvc.services.stock.listing import moves_of

UNIT_FIELDS = ["item", "serial", "location", "in_service_on", "warranty_end", "under_warranty"]
INSTALL_FIELDS = [
    "object",
    "position",
    "from_version",
    "installed_at",
    "to_version",
    "removed_at",
    "removal",
    "reason",
    "order",
]


def _unit_of(ctx: Context, serial: str, item: str | None) -> SerialUnit:
    """The unit with this serial number; ``item`` picks one when several items have the number."""
    if item is not None:
        ledger.item_of(ctx, item)
        row = ledger.unit(ctx, item, serial)
        if row is None:
            raise NotFound("serial", f"{item} {serial}")
        return row
    units = ledger.units_by_serial(ctx, serial)
    if not units:
        raise NotFound("serial", serial)
    if len(units) > 1:
        items = ", ".join(u.item for u in units)
        raise InvalidInput("serial", serial, f"is a serial of several items ({items}); name one with --item")
    return units[0]


def _installs(ctx: Context, item: str, serial: str) -> list[dict[str, Any]]:
    """Where the unit was installed: each stay in an object's BOM position, from the change that put
    it there to the one that took it out (rows that only changed its quantity are one stay)."""
    came, left = aliased(ObjectBomChange), aliased(ObjectBomChange)
    component = ObjectBomComponent
    query = (
        select(component, came.at, left.at, left.change, left.reason, left.order_number)
        .outerjoin(came, and_(came.object == component.object, came.version == component.from_version))
        .outerjoin(left, and_(left.object == component.object, left.version == component.to_version))
        .where(component.item == item, component.serial == serial)
        .order_by(component.object, component.from_version, component.id)
    )
    stays: list[dict[str, Any]] = []
    for row, installed_at, removed_at, change, reason, order in ctx.execute(query):
        last = stays[-1] if stays else None
        if last and (last["object"], last["position"], last["to_version"]) == (
            row.object,
            row.position,
            row.from_version,
        ):
            stay = last
        else:
            stay = {"object": row.object, "position": row.position, "from_version": row.from_version}
            stay["installed_at"] = installed_at
            stays.append(stay)
        stay.update(to_version=row.to_version, removed_at=removed_at, removal=change, reason=reason, order=order)
    return sorted(stays, key=lambda s: (s["installed_at"] is None, s["installed_at"] or 0, s["object"]))


def show(ctx: Context, serial: str, item: str | None = None) -> dict[str, Any]:
    """The unit's whole life, as one record with nested lists (``movements``, ``installed`` and what
    other capabilities contribute for ``serial-detail``)."""
    unit = _unit_of(ctx, serial.strip(), item)
    part = ledger.item_of(ctx, unit.item)
    end = warranty_end(unit.in_service_on, part.warranty_months, unit.warranty_end)
    key = (unit.item, unit.serial)
    movements = moves_of(ctx, [key])[key]
    received = next((m["at"] for m in movements if m["doc_type"] == "receive"), None)
    record: dict[str, Any] = {
        "item": unit.item,
        "name": part.name,
        "serial": unit.serial,
        "location": unit.location,
        "received_at": received,
        "in_service_on": unit.in_service_on,
        "warranty": months_text(part.warranty_months),
        "warranty_end": end,
        "under_warranty": under_warranty(end, ctx.today),
        "movements": [{k: v for k, v in m.items() if k not in ("item", "serial")} for m in movements],
        "installed": _installs(ctx, unit.item, unit.serial),
    }
    for name, value in ctx.bus.contributions(ctx, "serial-detail", [key])[key].items():
        record[name] = value if value is not None else []
    return record


def set_warranty_end(ctx: Context, serial: str, item: str | None, until: str) -> dict[str, Any]:
    """Give the unit its own warranty end (a day typed by the user), which counts instead of its in
    service date plus its item's warranty; a blank ``until`` takes it away, so that those count again.
    Returns the unit as ``units`` lists it, with ``warranty_set``: whether its end is its own."""
    unit = _unit_of(ctx, serial.strip(), item)
    end = ctx.day(until, "warranty_until") if until.strip() else None
    unit.warranty_end = end
    ctx.flush()
    part = ledger.item_of(ctx, unit.item)
    shown = warranty_end(unit.in_service_on, part.warranty_months, end)
    return {
        "item": unit.item,
        "serial": unit.serial,
        "location": unit.location,
        "in_service_on": unit.in_service_on,
        "warranty": months_text(part.warranty_months),
        "warranty_end": shown,
        "under_warranty": under_warranty(shown, ctx.today),
        "warranty_set": end is not None,
    }


def units(ctx: Context, *, item: str | None = None, location: str | None = None) -> list[dict[str, Any]]:
    """The units by item and serial number, with where each is and its warranty (one statement)."""
    query = select(SerialUnit, Item.warranty_months).join(Item, Item.item == SerialUnit.item)
    if item is not None:
        ledger.item_of(ctx, item)
        query = query.where(SerialUnit.item == item)
    if location is not None:
        place = ledger.check_object_location(ctx, parse_location(location, "location"))
        query = query.where(SerialUnit.location == place)
    rows = []
    for unit, months in ctx.execute(query.order_by(SerialUnit.item, SerialUnit.serial)):
        end = warranty_end(unit.in_service_on, months, unit.warranty_end)
        rows.append(
            {
                "item": unit.item,
                "serial": unit.serial,
                "location": unit.location,
                "in_service_on": unit.in_service_on,
                "warranty_end": end,
                "under_warranty": under_warranty(end, ctx.today),
            }
        )
    return rows
