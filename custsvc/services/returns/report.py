"""``return report``: per reason, disposition, item or customer, the return lines of the return
orders created in a period: how many, the quantity, the amount credited, and the average days from
a return order's creation to its close (over those closed). One statement."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from custsvc.context import Context
from custsvc.domain.timeparse import day_start
from custsvc.errors import InvalidInput, choice
from custsvc.models import InvoiceLine, ReturnLine, ReturnOrder

BY = ("reason", "disposition", "item", "customer")
FIELDS = ("return_orders", "lines", "quantity", "credited", "closed", "avg_days_to_close")
NONE = "(none)"


def _instant(ctx: Context, day: date) -> datetime:
    return day_start(day, ctx.tz)


def _column(by: str) -> Any:
    return {
        "reason": ReturnLine.reason,
        "disposition": ReturnLine.disposition,
        "item": ReturnLine.item,
        "customer": ReturnOrder.customer,
    }[by]


def report(ctx: Context, *, day_from: date, day_to: date, by: str = "reason") -> dict[str, Any]:
    by = choice(by, BY, "by")
    if day_to < day_from:
        raise InvalidInput("to", day_to.isoformat(), f"is before --from {day_from.isoformat()}")
    credit = aliased(InvoiceLine)
    query = (
        select(
            _column(by),
            ReturnOrder.number,
            ReturnOrder.created_at,
            ReturnOrder.closed_at,
            ReturnLine.quantity,
            credit.amount,
        )  # fmt: skip
        .join(ReturnOrder, ReturnOrder.number == ReturnLine.rma)
        .outerjoin(credit, credit.id == ReturnLine.credit_line_id)
        .where(
            ReturnOrder.created_at >= _instant(ctx, day_from),
            ReturnOrder.created_at < _instant(ctx, day_to + timedelta(days=1)),
            ReturnOrder.status != "canceled",
        )
    )
    groups: dict[str, dict[str, Any]] = {}
    for key, rma, created, closed, qty, credited in ctx.execute(query):
        group = groups.setdefault(NONE if key is None else key, {"rmas": {}, "lines": 0, "quantity": Decimal(0),
                                                               "credited": Decimal("0.00")})  # fmt: skip
        group["rmas"][rma] = (closed - created).total_seconds() / 86400 if closed else None
        group["lines"] += 1
        group["quantity"] += qty
        group["credited"] += -credited if credited is not None else Decimal("0.00")
    rows = [_row(by, key, g) for key, g in groups.items()]
    rows.sort(key=lambda r: (-r["lines"], r[by]))
    return {"from": day_from, "to": day_to, "by": by, "rows": rows}


def _row(by: str, key: str, group: dict[str, Any]) -> dict[str, Any]:
    spans = [days for days in group["rmas"].values() if days is not None]
    average = (Decimal(sum(spans)) / len(spans)).quantize(Decimal("0.1")) if spans else None
    return {
        by: key,
        "return_orders": len(group["rmas"]),
        "lines": group["lines"],
        "quantity": group["quantity"],
        "credited": group["credited"],
        "closed": len(spans),
        "avg_days_to_close": average,
    }
