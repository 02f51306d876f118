"""The stock ledger: every physical movement of a part is one ``stock_move`` row, and each unit of a
serialized item knows where it is (``serial_unit.location``), changed only here, with its ledger row.

Every capability that moves parts (stock commands, posting an order's item lines, BOM changes,
returns) calls ``move``; on-hand is ``on_hand`` (the ledger summed), never a stored number."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from custsvc.context import Context
from custsvc.domain.locations import ADJUSTMENT, object_of
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import Item, SerialUnit, ServiceObject, StockMove
from custsvc.services.batch import select_in

#: where a unit counts as in service (its warranty starts when it first gets there)
IN_SERVICE = ("customer",)


def item_of(ctx: Context, item: str, field: str = "item") -> Item:
    row = ctx.get(Item, item)
    if row is None:
        raise NotFound("item", item)
    return row


def check_object_location(ctx: Context, location: str) -> str:
    """``object:OBJ`` names a service object that exists."""
    obj = object_of(location)
    if obj is not None and ctx.get(ServiceObject, obj) is None:
        raise NotFound("service object", obj)
    return location


def held_for_writing(ctx: Context, query: Any) -> Any:
    """In a writing command the unit rows it reads are held until it commits (PostgreSQL: ``FOR
    UPDATE``), so two commands moving the same unit at once cannot both find it where it was: the
    second waits and then sees where the first put it. On SQLite the write lock does that."""
    return query.with_for_update() if ctx.write else query


def unit(ctx: Context, item: str, serial: str) -> SerialUnit | None:
    query = select(SerialUnit).where(SerialUnit.item == item, SerialUnit.serial == serial)
    return ctx.execute(held_for_writing(ctx, query)).scalar_one_or_none()


def units_by_serial(ctx: Context, serial: str) -> list[SerialUnit]:
    """Every unit with this serial number (of any item), by item."""
    return list(ctx.execute(select(SerialUnit).where(SerialUnit.serial == serial).order_by(SerialUnit.item)).scalars())


def units_of(ctx: Context, item: str, serials: Sequence[str]) -> dict[str, SerialUnit]:
    """The known units of ``item`` among ``serials``, by serial (one statement per 900 serials)."""
    query = held_for_writing(ctx, select(SerialUnit).where(SerialUnit.item == item))
    return {row.serial: row for (row,) in select_in(ctx, query, SerialUnit.serial, list(serials))}


def new_unit(ctx: Context, item: Item, serial: str, location: str) -> SerialUnit:
    """A unit the shop has not seen before (found installed when a BOM is attached or its serial
    given; many received at once: ``receive_units``)."""
    existing = unit(ctx, item.item, serial)
    if existing is not None:
        raise Duplicate("serial", f"{item.item} {serial}", f"is known already (now in {existing.location})")
    row = SerialUnit(item=item.item, serial=serial, location=location, created_at=ctx.now, created_by=ctx.actor)
    ctx.add(row)
    return row


def move(
    ctx: Context,
    item: Item,
    quantity: Decimal,
    source: str,
    target: str,
    *,
    doc_type: str,
    serial: str | None = None,
    doc: str | None = None,
    order_line_id: int | None = None,
    note: str | None = None,
    unit_row: SerialUnit | None = None,
    add: bool = True,
) -> StockMove:
    """Move ``quantity`` of ``item`` (the unit ``serial`` of a serialized item) from ``source`` to
    ``target``, writing one ledger row. A serialized unit must be where the move starts.

    ``unit_row``: the unit ``serial`` as the caller loaded it already (a command moving many units
    reads them in one statement, ``units_of``), else it is looked up here. ``add=False``: the ledger
    row is returned, not added to the session (``write_moves`` writes many at once)."""
    if quantity <= 0:
        raise InvalidInput("qty", str(quantity), "must be more than zero")
    if source == target:
        raise InvalidInput("to", target, "is where the part is already (--from)")
    if item.serialized:
        if serial is None:
            raise InvalidInput("serial", "", f"{item.item} is serialized: name the unit (--serial)")
        if quantity != 1:
            raise InvalidInput("qty", str(quantity), "a serial number is one unit")
        given = unit_row is not None and (unit_row.item, unit_row.serial) == (item.item, serial)
        row = unit_row if given else unit(ctx, item.item, serial)
        if row is None:
            raise NotFound("serial", f"{item.item} {serial}")
        if row.location != source:
            raise RuleViolation(
                "serial-in-one-place", f"serial {serial} of {item.item} is in {row.location}, not in {source}"
            )
        row.location = target
        if row.in_service_on is None and (target in IN_SERVICE or object_of(target) is not None):
            row.in_service_on = ctx.today
    elif serial is not None:
        raise InvalidInput("serial", serial, f"{item.item} is not serialized")
    entry = StockMove(
        item=item.item,
        serial=serial,
        quantity=quantity,
        from_location=source,
        to_location=target,
        at=ctx.now,
        actor=ctx.actor,
        doc_type=doc_type,
        doc=doc,
        order_line_id=order_line_id,
        note=note,
    )
    if add:
        ctx.add(entry)
    return entry


def write_moves(ctx: Context, entries: Sequence[StockMove], *, ids: bool = False) -> list[StockMove]:
    """Ledger rows made with ``move(..., add=False)``, written with one multi-row insert (the ORM
    would insert them one statement each on SQLite, to learn each id). ``ids``: each row's id is
    read back, one grouped query per 900 units (entries of units of one item only)."""
    if not entries:
        return []
    ctx.flush()  # the units' new places, and whatever the command wrote before
    ctx.execute(insert(StockMove.__table__), [_move_values(e) for e in entries])  # type: ignore[attr-defined]
    if ids:
        items = {e.item for e in entries}
        if len(items) != 1 or any(e.serial is None for e in entries):
            raise ValueError("write_moves(ids=True) reads back the rows of units of one item")
        # each unit's newest ledger row is the one just written: no one else moves a unit this
        # command has read (held until it commits, see ``held_for_writing``) or has just made
        query = select(StockMove.serial, func.max(StockMove.id)).where(StockMove.item == items.pop())
        newest = dict(select_in(ctx, query.group_by(StockMove.serial), StockMove.serial, [e.serial for e in entries]))
        for entry in entries:
            entry.id = newest[entry.serial]
    return list(entries)


def _move_values(entry: StockMove) -> dict[str, Any]:
    """A ledger row as the table's columns (``quantity_milli`` converted by its column type)."""
    return {
        "item": entry.item,
        "serial": entry.serial,
        "quantity_milli": entry.quantity,
        "from_location": entry.from_location,
        "to_location": entry.to_location,
        "at": entry.at,
        "actor": entry.actor,
        "doc_type": entry.doc_type,
        "doc": entry.doc,
        "order_line_id": entry.order_line_id,
        "note": entry.note,
    }


def move_units(
    ctx: Context,
    item: Item,
    serials: Sequence[str],
    source: str,
    target: str,
    *,
    doc_type: str,
    doc: str | None = None,
    note: str | None = None,
) -> list[StockMove]:
    """Move units of a serialized item, one ledger row each, in a fixed number of statements
    whatever their number: the units read at once, their new places in one update, the ledger rows
    in one insert. The rows, with their ids, in the order of ``serials``."""
    units = units_of(ctx, item.item, serials)
    entries = [
        move(
            ctx,
            item,
            Decimal(1),
            source,
            target,
            doc_type=doc_type,
            serial=serial,
            doc=doc,
            note=note,
            unit_row=units.get(serial),
            add=False,
        )
        for serial in serials
    ]
    return write_moves(ctx, entries, ids=True)


def receive_units(
    ctx: Context, item: Item, serials: Sequence[str], source: str, target: str, *, doc_type: str, note: str | None
) -> list[StockMove]:
    """Units new to the shop arrive from ``source`` at ``target``: refused (``Duplicate``, the first
    known one) when the shop knows any of them already; else each becomes known at ``target`` with its
    ledger row, in a fixed number of statements whatever their number. The rows, with their ids."""
    known = units_of(ctx, item.item, serials)
    for serial in serials:
        existing = known.get(serial)
        if existing is not None:
            raise Duplicate("serial", f"{item.item} {serial}", f"is known already (now in {existing.location})")
    in_service = ctx.today if target in IN_SERVICE or object_of(target) is not None else None
    ctx.flush()
    ctx.execute(
        insert(SerialUnit.__table__),  # type: ignore[attr-defined]
        [
            {"item": item.item, "serial": serial, "location": target, "in_service_on": in_service,
             "warranty_end": None, "created_at": ctx.now, "created_by": ctx.actor}
            for serial in serials
        ],
    )  # fmt: skip
    entries = [
        StockMove(
            item=item.item,
            serial=serial,
            quantity=Decimal(1),
            from_location=source,
            to_location=target,
            at=ctx.now,
            actor=ctx.actor,
            doc_type=doc_type,
            note=note,
        )
        for serial in serials
    ]
    return write_moves(ctx, entries, ids=True)


def on_hand(
    ctx: Context, *, items: Sequence[str] | None = None, location: str | None = None
) -> dict[tuple[str, str], Decimal]:
    """What the ledger says each item has at each location: in minus out, two grouped queries
    whatever the number of movements (the adjustment pseudo-location left out)."""
    totals: dict[tuple[str, str], Decimal] = {}
    if items is not None and not items:
        return totals
    for column, sign in ((StockMove.to_location, 1), (StockMove.from_location, -1)):
        query = select(StockMove.item, column, func.sum(StockMove.quantity)).group_by(StockMove.item, column)
        if location is not None:
            query = query.where(column == location)
        rows = select_in(ctx, query, StockMove.item, list(items)) if items is not None else ctx.execute(query)
        for item, place, quantity in rows:
            if place != ADJUSTMENT:
                totals[(item, place)] = totals.get((item, place), Decimal(0)) + sign * Decimal(quantity)
    return {key: value for key, value in totals.items() if value != 0}


def shelf(ctx: Context, items: Sequence[str]) -> dict[str, Decimal]:
    """On-hand on the shelf (``stock``) per item, zero for items never moved."""
    found = on_hand(ctx, items=items, location="stock")
    return {item: found.get((item, "stock"), Decimal(0)) for item in items}
