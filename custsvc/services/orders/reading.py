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
from custsvc.services.batch import KeyRun, select_for
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
    statuses: dict[str, list[str]] = {}
    sums: dict[str, list[int]] = {}  # total, open
    # the stored integers (thousandths, cents), added up in integers: no Decimal per line
    query = select(
        OrderLine.order_number,
        OrderLine.status,
        type_coerce(OrderLine.quantity, BigInteger),
        type_coerce(OrderLine.price, BigInteger),
    )
    for number, status, milli, cents in select_for(ctx, query, OrderLine.order_number, numbers, core=True):
        seen = statuses.get(number)
        if seen is None:
            seen = statuses[number] = []
            sums[number] = [0, 0]
        seen.append(status)
        if status != "canceled":
            amount = rules.line_amount_cents(milli, cents)
            total = sums[number]
            total[0] += amount
            if status == "created":
                total[1] += amount
    objects: dict[str, list[str]] = defaultdict(list)
    query = select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.object)
    for number, obj in select_for(ctx, query, OrderObject.order_number, numbers, core=True):
        objects[number].append(obj)
    out: dict[str, dict[str, Any]] = defaultdict(_no_lines)
    for number in statuses.keys() | objects.keys():
        total, open_ = sums.get(number, (0, 0))
        out[number] = {
            "statuses": statuses.get(number, []),
            "total": _money(total),
            "open": _money(open_),
            "objects": objects.get(number, []),
        }
    return out


def _money(cents: int) -> Decimal:
    return ZERO if cents == 0 else from_cents(cents)


ZERO = Decimal("0.00")


def _no_lines() -> dict[str, Any]:
    return {"statuses": [], "total": ZERO, "open": ZERO, "objects": []}


def _record(order: Any, summary: dict[str, Any], canceled: set[str], extra: dict[str, Any]) -> dict[str, Any]:
    # ``order``: a mapping of the order's columns (read by key: several times faster than a row's
    # attributes over a long list)
    return {
        "order": order["number"],
        "customer": order["customer"],
        "agreement": order["agreement"],
        "priority": order["priority"],
        "stage": order["stage"],
        "progress": rules.progress(summary["statuses"], canceled=order["stage"] in canceled),
        "technician": order["technician"],
        "service_date": order["service_date"],
        "preferred_at": order["preferred_at"],
        "description": order["description"],
        "address": order["address"],
        "objects": summary["objects"],
        "lines": len(summary["statuses"]),
        "total": summary["total"],
        "open_total": summary["open"],
        **extra,
        "requires_sign_off": order["requires_sign_off"],
        "signed_off_at": order["signed_off_at"],
        "signed_off_by": order["signed_off_by"],
        "created_at": order["created_at"],
        "created_by": order["created_by"],
        "updated_at": order["updated_at"],
        "updated_by": order["updated_by"],
    }


def canceled_stages(ctx: Context) -> set[str]:
    return set(ctx.execute(select(Stage.stage).where(Stage.cancels.is_(True))).scalars())


def records(
    ctx: Context, orders: Sequence[Any], *, canceled: set[str] | None = None, run: str | None = None
) -> list[dict[str, Any]]:
    """Order records for many orders at once (``ServiceOrder``s, or rows of its columns).

    ``run``: the orders are every order between the first and the last, in ``"ascending"`` or
    ``"descending"`` order of number (a stretch of an unfiltered list), so what other tables keep of
    them is read by key range (see ``batch.KeyRun``)."""
    columns = [_columns(o) for o in orders]
    numbers: list[str] = [o["number"] for o in columns]
    if run:
        numbers = KeyRun(numbers, descending=run == "descending")
    lines = summaries(ctx, numbers)
    extra = ctx.bus.contributions(ctx, "order", numbers)
    canceled = canceled_stages(ctx) if canceled is None else canceled
    return [_record(o, lines[o["number"]], canceled, extra[o["number"]]) for o in columns]


def _columns(order: Any) -> Any:
    mapping = getattr(order, "_mapping", None)  # a row of columns
    if mapping is not None:
        return mapping
    return {column.key: getattr(order, column.key) for column in ServiceOrder.__table__.columns}  # type: ignore[attr-defined]


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
