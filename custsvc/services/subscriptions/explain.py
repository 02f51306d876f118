"""``subscription explain``: every period with its dates, price, index, reductions, proration and invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.periods import (
    Charge,
    Period,
    Policy,
    charge,
    in_force,
    periods,
)
from custsvc.models import (
    Invoice,
    InvoiceLine,
    SubscriptionBilling,
    SubscriptionIndex,
    SubscriptionPrice,
    SubscriptionReduction,
)
from custsvc.services.subscriptions.catalog import get, get_group, history, last_day, policy_of, record


def _state(result: Charge, billed: bool, credits: list[str]) -> str:
    if result.free:
        return "free"
    if billed:
        return "billed"
    return "credited, open again" if credits else "not billed yet"


#: every field of a priced period of ``explain`` (``_period_entry``; one with no price in force has fewer)
PERIOD_FIELDS = (
    "period_start", "period_end", "days", "full_days", "fee", "index", "price", "base", "reduction_days",
    "reduction", "total", "state", "invoice", "credited", "arithmetic",
)  # fmt: skip


def _period_entry(
    policy: Policy, period: Period, prices: Any, indexes: Any, cuts: Any, bill: Any, lines: list[Any]
) -> dict[str, Any]:
    """One period of ``explain``: its dates, the fee and index in force, the arithmetic and the invoices."""
    fee = in_force(prices, period.start)
    index = in_force(indexes, period.start) or Decimal(100)
    entry: dict[str, Any] = {
        "period_start": period.start,
        "period_end": period.end,
        "days": period.days,
        "full_days": period.full_days,
    }
    if fee is None:
        entry.update({"fee": None, "total": None, "arithmetic": "no price in force", "invoice": None, "credited": None})
        return entry
    result = charge(policy, period, fee, index, cuts)
    billed_lines = [
        (line, kind)
        for line, kind in lines
        if line.period_start is not None and period.start <= line.period_start <= period.end
    ]
    invoice_numbers = sorted({line.invoice for line, kind in billed_lines if kind == "invoice"})
    credits = sorted({line.invoice for line, kind in billed_lines if kind == "credit"})
    entry.update(
        {
            "fee": fee,
            "index": index,
            "price": result.price,
            "base": result.base,
            "reduction_days": result.reduction_days,
            "reduction": result.reduction,
            "total": result.total,
            "state": _state(result, bill is not None, credits),
            "invoice": ", ".join(invoice_numbers) or None,
            "credited": ", ".join(credits) or None,
            "arithmetic": "; ".join(result.explanation),
        }
    )
    return entry


def explain(ctx: Context, subscription: str, through: date | None = None) -> dict[str, Any]:
    """Every period up to ``through`` with its dates, price, index, reductions, proration and the invoice."""
    row = get(ctx, subscription)
    policy = policy_of(get_group(ctx, row.group))
    until = through or ctx.today
    prices = history(ctx, SubscriptionPrice, subscription, "fee")
    indexes = history(ctx, SubscriptionIndex, subscription, "index")
    query = select(SubscriptionReduction).where(SubscriptionReduction.subscription == subscription)
    cuts = [(r.first_day, r.last_day) for r in ctx.execute(query).scalars()]
    query = select(SubscriptionBilling).where(SubscriptionBilling.subscription == subscription)
    bills = {b.period_start: b for b in ctx.execute(query).scalars()}
    query = (
        select(InvoiceLine, Invoice.kind)
        .join(Invoice, Invoice.number == InvoiceLine.invoice)
        .where(InvoiceLine.subscription == subscription)
    )
    lines = list(ctx.execute(query))
    out = []
    for period in periods(policy, row.start, last_day(row), until):
        bill = bills.get(period.start)
        if bill is not None and bill.period_end != period.end:
            # billed before an end or cancellation cut the period: show what was billed
            period = Period(bill.period_start, bill.period_end, period.full_start, period.full_end)
        out.append(_period_entry(policy, period, prices, indexes, cuts, bill, lines))
    head = record(ctx, row)
    head["policy"] = {
        "period": policy.unit,
        "every": policy.every,
        "align": policy.align,
        "proration": policy.proration,
        "accrue": policy.accrue,
    }
    head["through"] = until
    head["periods"] = out
    return head
