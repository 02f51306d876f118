"""Reading an object's BOM: as it stood at a version or a time (``show``), its history, the difference
between two versions, and where a unit with a serial number is and was (``where``).

Each is a few indexed lookups whatever the length of the history: the version of a time is the newest
change made by then (the unique (object, version) index), the components of a version one range
query on (object, from_version), a serial's places one query on the serial index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from custsvc.context import Context
from custsvc.domain.bom import diff_components, position_key
from custsvc.domain.checks import check_key
from custsvc.domain.warranty import warranty_end
from custsvc.errors import InvalidInput, NotFound
from custsvc.models import Item, ObjectBom, ObjectBomChange, ObjectBomComponent, OrderLine, ServiceObject
from custsvc.services.bom.objects import as_of, no_bom
from custsvc.services.stock.ledger import units_by_serial

#: every field of a component as ``show`` lists it
COMPONENT_FIELDS = ("position", "item", "name", "qty", "serial", "since_version")
#: every field of a row of ``diff``
DIFF_FIELDS = ("position", "change", "old_item", "new_item", "old_qty", "new_qty", "old_serial", "new_serial")
#: every field of a row of the places a unit was in (``where``)
PLACE_FIELDS = (
    "object",
    "position",
    "item",
    "from_version",
    "installed_at",
    "to_version",
    "left_at",
    "left_change",
    "reason",
)


def _header(ctx: Context, obj: str) -> tuple[ObjectBom, str]:
    found = ctx.execute(
        select(ObjectBom, ServiceObject.customer)
        .join(ServiceObject, ServiceObject.object == ObjectBom.object)
        .where(ObjectBom.object == obj)
    ).first()
    if found is None:
        raise no_bom(ctx, obj)
    return found[0], found[1]


def _versions_text(bom: ObjectBom) -> str:
    return f"the BOM of {bom.object} has version 1" + (f" to {bom.version}" if bom.version > 1 else " only")


def check_version(bom: ObjectBom, version: int) -> int:
    if not 1 <= version <= bom.version:
        raise NotFound("version", version, _versions_text(bom))
    return version


def _change_of(
    ctx: Context, bom: ObjectBom, version: int | None, at: datetime | None, given: str | None
) -> ObjectBomChange:
    """The history line that made the version shown: ``version``, the newest by ``at``, else the newest."""
    query = select(ObjectBomChange).where(ObjectBomChange.object == bom.object)
    if at is not None:
        query = query.where(ObjectBomChange.at <= at).order_by(ObjectBomChange.version.desc()).limit(1)  # type: ignore[attr-defined]
    else:
        query = query.where(ObjectBomChange.version == (version if version is not None else bom.version))
    change = ctx.execute(query).scalars().first()
    if change is None and at is not None:
        first = ctx.execute(
            select(func.min(ObjectBomChange.at)).where(ObjectBomChange.object == bom.object)
        ).scalar_one_or_none()
        raise InvalidInput(
            "at", given or ctx.when(at), f"is before the BOM of {bom.object} was attached ({ctx.when(first)})"
        )
    if change is None:
        raise NotFound("version", version, _versions_text(bom))
    return change


def version_at(ctx: Context, obj: str, moment: datetime) -> int | None:
    """The version the object's BOM had at ``moment`` (that of the newest change made by then);
    None when the BOM was attached later."""
    query = select(func.max(ObjectBomChange.version)).where(ObjectBomChange.object == obj, ObjectBomChange.at <= moment)
    return ctx.execute(query).scalar()


def components_at(ctx: Context, obj: str, version: int) -> list[dict[str, Any]]:
    """The object's components at ``version``, by position (one query)."""
    query = (
        select(ObjectBomComponent, Item.name)
        .join(Item, Item.item == ObjectBomComponent.item)
        .where(as_of(obj, version))
    )
    rows = [
        {
            "position": row.position,
            "item": row.item,
            "name": name,
            "qty": row.quantity,
            "serial": row.serial,
            "since_version": row.from_version,
        }
        for row, name in ctx.execute(query)
    ]
    return sorted(rows, key=lambda r: position_key(r["position"]))


def show(
    ctx: Context, obj: str, *, version: int | None = None, at: datetime | None = None, at_text: str | None = None
) -> dict[str, Any]:
    """The object's BOM as it stood at ``version`` or at the time ``at`` (default: now)."""
    bom, customer = _header(ctx, obj)
    if version is not None:
        check_version(bom, version)
    change = _change_of(ctx, bom, version, at, at_text)
    return {
        "object": bom.object,
        "customer": customer,
        "template": bom.template,
        "template_version": bom.template_version,
        "version": change.version,
        "newest_version": bom.version,
        "as_of": change.at,
        "change": change.change,
        "components": components_at(ctx, obj, change.version),
    }


def history(ctx: Context, obj: str) -> list[dict[str, Any]]:
    """Every change of the object's BOM, oldest first (version 1 is the attach)."""
    _header(ctx, obj)
    query = (
        select(ObjectBomChange, OrderLine.line_no)
        .outerjoin(OrderLine, OrderLine.id == ObjectBomChange.order_line_id)
        .where(ObjectBomChange.object == obj)
        .order_by(ObjectBomChange.version)
    )
    return [
        {
            "version": row.version,
            "at": row.at,
            "change": row.change,
            "position": row.position,
            "old": row.old,
            "new": row.new,
            "reason": row.reason,
            "order": row.order_number,
            "order_line": line_no,
            "actor": row.actor,
        }
        for row, line_no in ctx.execute(query)
    ]


def diff(ctx: Context, obj: str, old: int, new: int) -> list[dict[str, Any]]:
    """Per position, what changed from version ``old`` to ``new``: added, removed or changed."""
    bom, _customer = _header(ctx, obj)
    check_version(bom, old)
    check_version(bom, new)

    def state(version: int) -> dict[str, tuple[Any, ...]]:
        return {c["position"]: (c["item"], c["qty"], c["serial"]) for c in components_at(ctx, obj, version)}

    rows = []
    for difference in diff_components(state(old), state(new)):
        before = difference.old or (None, None, None)
        after = difference.new or (None, None, None)
        rows.append(
            {
                "position": difference.position,
                "change": difference.change,
                "old_item": before[0],
                "new_item": after[0],
                "old_qty": before[1],
                "new_qty": after[1],
                "old_serial": before[2],
                "new_serial": after[2],
            }
        )
    return rows


def _places(ctx: Context, serial: str, item: str | None) -> list[dict[str, Any]]:
    came, left = aliased(ObjectBomChange), aliased(ObjectBomChange)
    query = (
        select(ObjectBomComponent, came.at, left.at, left.change, left.reason)
        .join(came, (came.object == ObjectBomComponent.object) & (came.version == ObjectBomComponent.from_version))
        .outerjoin(left, (left.object == ObjectBomComponent.object) & (left.version == ObjectBomComponent.to_version))
        .where(ObjectBomComponent.serial == serial)
    )
    if item is not None:
        query = query.where(ObjectBomComponent.item == item)
    rows = [
        {
            "object": row.object,
            "position": row.position,
            "item": row.item,
            "from_version": row.from_version,
            "installed_at": came_at,
            "to_version": row.to_version,
            "left_at": left_at,
            "left_change": change,
            "reason": reason,
        }
        for row, came_at, left_at, change, reason in ctx.execute(query)
    ]
    return sorted(rows, key=lambda r: (r["installed_at"], r["object"], r["position"]))


def where(ctx: Context, serial: str, *, item: str | None = None) -> dict[str, Any]:
    """Which object and position holds the unit now, where it is (``serial_unit``), and every BOM
    position it was in before."""
    serial = check_key(serial, "serial")
    units = [u for u in units_by_serial(ctx, serial) if item is None or u.item == item]
    places = _places(ctx, serial, item)
    items = sorted({u.item for u in units} | {p["item"] for p in places})
    if not items:
        raise NotFound("serial", serial, f"of {item}" if item else None)
    if len(items) > 1:
        raise InvalidInput("serial", serial, f"is a serial of {', '.join(items)}: name one with --item")
    unit = units[0] if units else None
    now = next((p for p in places if p["to_version"] is None), {})
    part = ctx.get(Item, items[0])
    months = part.warranty_months if part is not None else None
    return {
        "serial": serial,
        "item": items[0],
        "location": getattr(unit, "location", None),
        "object": now.get("object"),
        "position": now.get("position"),
        "since": now.get("installed_at"),
        "in_service_on": getattr(unit, "in_service_on", None),
        "warranty_end": warranty_end(unit.in_service_on, months, unit.warranty_end) if unit else None,
        "places": places,
    }
