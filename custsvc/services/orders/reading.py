"""Service orders as records: one order with its lines and stage history, and lists (set-based: a
bounded number of statements whatever the number of orders). Other capabilities add their fields to
order records through the bus (``Bus.contribute("order", ...)``: the SLA status, time left ...)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.money import from_cents
from custsvc.models import OrderLine, OrderObject, OrderStageLog, ServiceOrder, Stage
from custsvc.services import stages
from custsvc.services.batch import select_for
from custsvc.services.orders.checks import get


def open_condition(*, still_to_work: bool = False) -> Any:
    """The one definition of an open order: not canceled, and with an open line or no lines at all.
    ``still_to_work``: also not resolved (what dispatch still has to send a technician to)."""
    closed = Stage.cancels.is_(True)
    if still_to_work:
        closed = closed | Stage.resolves.is_(True)
    lines = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number)
    return ServiceOrder.stage.not_in(select(Stage.stage).where(closed)) & (
        ~lines.exists() | lines.where(OrderLine.status == "created").exists()
    )


def line_record(line: OrderLine) -> dict[str, Any]:
    return {
        "order": line.order_number,
        "line": line.line_no,
        "type": line.type,
        "description": line.description,
        "worker": line.worker,
        "item": line.item,
        "task": line.task,
        "object": line.object,
        "quantity": line.quantity,
        "price": line.price,
        "amount": rules.line_amount(line.quantity, line.price),
        "status": line.status,
        "signed_off_at": line.signed_off_at,
        "signed_off_by": line.signed_off_by,
        "agreement_line": line.agreement_line_id,
        "visit_date": line.visit_date,
        "created_at": line.created_at,
        "created_by": line.created_by,
    }


def summaries(ctx: Context, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per order: line statuses, total of the lines not canceled, open total, objects."""
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"statuses": [], "total": 0, "open": 0, "objects": []})
    # the stored integers (thousandths, cents), added up in integers: no Decimal per line
    query = select(
        OrderLine.order_number,
        OrderLine.status,
        type_coerce(OrderLine.quantity, BigInteger),
        type_coerce(OrderLine.price, BigInteger),
    )
    for number, status, milli, cents in select_for(ctx, query, OrderLine.order_number, numbers, core=True):
        summary = out[number]
        summary["statuses"].append(status)
        if status != "canceled":
            amount = rules.line_amount_cents(milli, cents)
            summary["total"] += amount
            if status == "created":
                summary["open"] += amount
    query = select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.object)
    for number, obj in select_for(ctx, query, OrderObject.order_number, numbers, core=True):
        out[number]["objects"].append(obj)
    for summary in out.values():
        summary["total"], summary["open"] = from_cents(summary["total"]), from_cents(summary["open"])
    out.default_factory = _no_lines
    return out


def _no_lines() -> dict[str, Any]:
    return {"statuses": [], "total": Decimal("0.00"), "open": Decimal("0.00"), "objects": []}


def _record(order: Any, summary: dict[str, Any], canceled: set[str], extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "order": order.number,
        "customer": order.customer,
        "agreement": order.agreement,
        "priority": order.priority,
        "stage": order.stage,
        "progress": rules.progress(summary["statuses"], canceled=order.stage in canceled),
        "technician": order.technician,
        "service_date": order.service_date,
        "preferred_at": order.preferred_at,
        "description": order.description,
        "address": order.address,
        "objects": summary["objects"],
        "lines": len(summary["statuses"]),
        "total": summary["total"],
        "open_total": summary["open"],
        **extra,
        "requires_sign_off": order.requires_sign_off,
        "signed_off_at": order.signed_off_at,
        "signed_off_by": order.signed_off_by,
        "created_at": order.created_at,
        "created_by": order.created_by,
        "updated_at": order.updated_at,
        "updated_by": order.updated_by,
    }


def canceled_stages(ctx: Context) -> set[str]:
    return set(ctx.execute(select(Stage.stage).where(Stage.cancels.is_(True))).scalars())


def records(ctx: Context, orders: Sequence[Any], *, canceled: set[str] | None = None) -> list[dict[str, Any]]:
    """Order records for many orders at once (``ServiceOrder``s, or rows of its columns)."""
    numbers = [o.number for o in orders]
    lines = summaries(ctx, numbers)
    extra = ctx.bus.contributions(ctx, "order", numbers)
    canceled = canceled_stages(ctx) if canceled is None else canceled
    return [_record(o, lines[o.number], canceled, extra[o.number]) for o in orders]


def history(ctx: Context, order: ServiceOrder) -> list[dict[str, Any]]:
    """Creation and every stage change, with time, actor, reason and note."""
    out = [
        {
            "at": order.created_at,
            "from_stage": None,
            "to_stage": stages.initial(ctx).stage,
            "actor": order.created_by,
            "reason": None,
            "note": "created",
        }
    ]
    query = select(OrderStageLog).where(OrderStageLog.order_number == order.number).order_by(OrderStageLog.id)
    for entry in ctx.execute(query).scalars():
        out.append(
            {
                "at": entry.at,
                "from_stage": entry.from_stage,
                "to_stage": entry.to_stage,
                "actor": entry.actor,
                "reason": entry.reason,
                "note": entry.note,
            }
        )
    return out


def show(ctx: Context, number: str) -> dict[str, Any]:
    order = get(ctx, number)
    record = records(ctx, [order])[0]
    query = select(OrderLine).where(OrderLine.order_number == number).order_by(OrderLine.line_no)
    record["line_items"] = [line_record(line) for line in ctx.execute(query).scalars()]
    record["history"] = history(ctx, order)
    # what other capabilities keep of the order (its assignments ...), shown as sections of its own
    record.update(ctx.bus.contributions(ctx, "order-detail", [number])[number])
    return record
