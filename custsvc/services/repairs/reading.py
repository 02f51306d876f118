"""Reading repair lines: one (``repair show``), a filtered list (``repair list``) and an object's or a
unit's repair history (``repair history``). Every list is a few statements whatever its length: the
lines with their objects in one, then visits, parts, linked order lines and invoices for all of them.

A record carries what the failure report counts, so that each figure can be redone by hand from
``repair list --format json``: the object's item, customer and day in service, the BOM template
version, the order's visits (its assignments on the board), whether the repair is finished, and its
warranty cost (the normal price of the order lines that belong to it, when under warranty)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from custsvc.context import Context
from custsvc.domain.orders import line_amount
from custsvc.models import (
    Assignment,
    InvoiceLine,
    OrderLine,
    RepairLine,
    RepairOrderLine,
    RepairPart,
    RepairStage,
    ServiceObject,
)
from custsvc.services.batch import select_for
from custsvc.services.repairs.rows import get_repair

FIELDS = [
    "order",
    "line",
    "object",
    "item",
    "customer",
    "technician",
    "stage",
    "finished",
    "condition",
    "symptom_area",
    "symptom",
    "diagnosis_area",
    "diagnosis",
    "resolution",
    "serial",
    "part_item",
    "warranty",
    "warranty_basis",
    "warranty_cost",
    "bom",
    "bom_version",
    "in_service_on",
    "visits",
    "created_at",
    "finished_at",
    "note",
]


def bom_key(template: str | None, version: str | None) -> str | None:
    """How a BOM template version is named in reports: ``HP-200@v2``."""
    return f"{template}@{version}" if template else None


def in_service_on(ctx: Context, obj: ServiceObject | Any) -> date:
    """Since when an object is in service: its install date, else the day it was recorded."""
    return obj.installed_on or ctx.local(obj.created_at).date()


def _query() -> Any:
    return (
        select(RepairLine, ServiceObject, RepairStage.finished)
        .join(ServiceObject, ServiceObject.object == RepairLine.object)
        .join(RepairStage, RepairStage.stage == RepairLine.stage)
    )


def _visits(ctx: Context, orders: Sequence[str]) -> dict[str, int]:
    query = select(Assignment.order_number, func.count()).group_by(Assignment.order_number)
    return dict(select_for(ctx, query, Assignment.order_number, orders))


def _linked(ctx: Context, ids: Sequence[int]) -> dict[int, list[tuple[int, Decimal, str]]]:
    """Per repair: its order lines (number, normal amount, status)."""
    query = select(RepairOrderLine.repair_id, OrderLine.line_no, OrderLine.quantity, OrderLine.price, OrderLine.status)
    query = query.join(OrderLine, OrderLine.id == RepairOrderLine.order_line_id)
    out: dict[int, list[tuple[int, Decimal, str]]] = defaultdict(list)
    wanted = set(ids)
    for repair_id, line_no, qty, price, status in select_for(ctx, query, RepairOrderLine.repair_id, ids):
        if repair_id in wanted:
            out[repair_id].append((line_no, line_amount(qty, price), status))
    return out


def _parts(ctx: Context, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    wanted = set(ids)
    query = select(RepairPart).order_by(RepairPart.id)
    for (part,) in select_for(ctx, query, RepairPart.repair_id, ids):
        if part.repair_id in wanted:
            out[part.repair_id].append(
                {
                    "position": part.position,
                    "old_item": part.old_item,
                    "old_serial": part.old_serial,
                    "new_item": part.new_item,
                    "new_serial": part.new_serial,
                    "bom_version": part.bom_version,
                    "order_line": None,
                    "at": part.at,
                    "_order_line_id": part.order_line_id,
                }
            )
    return out


def _invoices(ctx: Context, orders: Sequence[str]) -> dict[str, list[str]]:
    query = select(InvoiceLine.source, InvoiceLine.invoice).where(InvoiceLine.source_type == "order").distinct()
    out: dict[str, list[str]] = defaultdict(list)
    wanted = set(orders)
    for source, invoice in select_for(ctx, query, InvoiceLine.source, orders):
        if source in wanted:
            out[source].append(invoice)
    return {k: sorted(v) for k, v in out.items()}


def records(ctx: Context, rows: Sequence[Any], *, detail: bool = False) -> list[dict[str, Any]]:
    """The records of (repair, object, finished) rows; ``detail``: with parts, order lines, invoices."""
    ids = [repair.id for repair, _, _ in rows]
    orders = list(dict.fromkeys(repair.order_number for repair, _, _ in rows))
    visits, linked = _visits(ctx, orders), _linked(ctx, ids)
    out = []
    for repair, obj, finished in rows:
        lines = linked.get(repair.id, [])
        cost = sum((amount for _, amount, status in lines if status != "canceled"), Decimal("0.00"))
        record = {
            "order": repair.order_number,
            "line": repair.line_no,
            "object": repair.object,
            "item": obj.item,
            "customer": obj.customer,
            "technician": repair.technician,
            "stage": repair.stage,
            "finished": bool(finished),
            "condition": repair.condition,
            "symptom_area": repair.symptom_area,
            "symptom": repair.symptom,
            "diagnosis_area": repair.diagnosis_area,
            "diagnosis": repair.diagnosis,
            "resolution": repair.resolution,
            "serial": repair.serial,
            "part_item": repair.part_item,
            "warranty": repair.warranty,
            "warranty_basis": repair.warranty_basis,
            "warranty_cost": cost if repair.warranty else Decimal("0.00"),
            "bom": bom_key(repair.bom_template, repair.bom_template_version),
            "bom_version": repair.bom_version,
            "in_service_on": in_service_on(ctx, obj),
            "visits": visits.get(repair.order_number, 0),
            "created_at": repair.created_at,
            "finished_at": repair.finished_at,
            "note": repair.note,
        }
        if detail:
            record["order_lines"] = [no for no, _, _ in sorted(lines)]
        out.append(record)
    if detail:
        _add_detail(ctx, rows, out, orders)
    return out


def _add_detail(ctx: Context, rows: Sequence[Any], out: list[dict[str, Any]], orders: Sequence[str]) -> None:
    parts, invoices = _parts(ctx, [repair.id for repair, _, _ in rows]), _invoices(ctx, orders)
    line_nos = _line_numbers(ctx, [p["_order_line_id"] for ps in parts.values() for p in ps])
    for (repair, _, _), record in zip(rows, out, strict=True):
        swapped = parts.get(repair.id, [])
        for part in swapped:
            part["order_line"] = line_nos.get(part.pop("_order_line_id"))
        record["parts"] = swapped
        record["invoices"] = invoices.get(repair.order_number, [])


def _line_numbers(ctx: Context, ids: Sequence[int | None]) -> dict[int, int]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(select_for(ctx, select(OrderLine.id, OrderLine.line_no), OrderLine.id, wanted))


def show(ctx: Context, number: str, line_no: int) -> dict[str, Any]:
    repair = get_repair(ctx, number, line_no)
    row = ctx.execute(_query().where(RepairLine.id == repair.id)).one()
    return records(ctx, [row], detail=True)[0]


def _bounds(ctx: Context, day_from: date | None, day_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants that bound local days ``day_from`` .. ``day_to`` (inclusive)."""
    from custsvc.services.repairs.report import instant

    start = instant(ctx, day_from) if day_from else None
    end = instant(ctx, day_to + timedelta(days=1)) if day_to else None
    return start, end


def serial_condition(serial: str) -> Any:
    """Repairs about the unit, or that swapped it in or out."""
    swapped = select(RepairPart.repair_id).where(or_(RepairPart.old_serial == serial, RepairPart.new_serial == serial))
    return or_(RepairLine.serial == serial, RepairLine.id.in_(swapped))


def list_repairs(
    ctx: Context,
    *,
    order: str | None = None,
    obj: str | None = None,
    serial: str | None = None,
    technician: str | None = None,
    open_only: bool = False,
    symptom: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    newest_first: bool = False,
    detail: bool = False,
) -> list[dict[str, Any]]:
    query = _query()
    for column, value in (
        (RepairLine.order_number, order),
        (RepairLine.object, obj),
        (RepairLine.technician, technician),
        (RepairLine.symptom, symptom),
    ):
        if value is not None:
            query = query.where(column == value)
    if serial is not None:
        query = query.where(serial_condition(serial))
    if open_only:
        query = query.where(RepairStage.finished.is_(False))
    start, end = _bounds(ctx, day_from, day_to)
    if start is not None:
        query = query.where(RepairLine.created_at >= start)
    if end is not None:
        query = query.where(RepairLine.created_at < end)
    if newest_first:
        query = query.order_by(RepairLine.created_at.desc(), RepairLine.id.desc())
    else:
        query = query.order_by(RepairLine.created_at, RepairLine.id)
    return records(ctx, ctx.execute(query).all(), detail=detail)


def history(ctx: Context, obj: str | None = None, serial: str | None = None) -> dict[str, Any]:
    """Every repair of the object (or that touched the unit, wherever it sat), newest first."""
    from custsvc.domain.checks import check_key
    from custsvc.errors import NotFound, Usage
    from custsvc.models import SerialUnit

    if (obj is None) == (serial is None):
        raise Usage("name an object or give --serial (one of them)")
    if obj is not None:
        key = check_key(obj, "object")
        if ctx.get(ServiceObject, key) is None:
            raise NotFound("service object", key)
        repairs = list_repairs(ctx, obj=key, newest_first=True, detail=True)
        return {"object": key, "serial": None, "repairs": repairs}
    key = check_key(serial, "serial")
    known = ctx.execute(select(SerialUnit.id).where(SerialUnit.serial == key).limit(1)).first()
    repairs = list_repairs(ctx, serial=key, newest_first=True, detail=True)
    if known is None and not repairs:
        raise NotFound("serial", key)
    return {"object": None, "serial": key, "repairs": repairs}
