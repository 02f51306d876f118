"""Accruals: each billed (or credited) amount spread over its group's accrual periods."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.periods import (
    accrual_parts,
)
from custsvc.models import (
    AccrualEntry,
    Invoice,
    InvoiceLine,
    Subscription,
    SubscriptionGroup,
)
from custsvc.services.subscriptions.catalog import policy_of


def accruals(ctx: Context, through: date, *, post: bool = False) -> dict[str, Any]:
    """Spread each billed (or credited) subscription amount over its group's accrual periods, and list
    per month what is recognized and what is still deferred.  ``post`` records the parts due by
    ``through`` (each once)."""
    groups = {g.group: policy_of(g) for g in ctx.execute(select(SubscriptionGroup)).scalars()}
    rows = ctx.execute(
        select(InvoiceLine, Invoice.invoice_date, Invoice.currency, Subscription.group)
        .join(Invoice, Invoice.number == InvoiceLine.invoice)
        .join(Subscription, Subscription.subscription == InvoiceLine.subscription)
        .where(InvoiceLine.subscription.is_not(None))
    ).all()
    posted = {(a, b) for a, b in ctx.execute(select(AccrualEntry.invoice_line_id, AccrualEntry.part_start))}
    months: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: {"invoiced": Decimal("0.00"), "recognized": Decimal("0.00")}
    )
    new_entries = []
    deferred: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line, invoice_date, currency, group in rows:
        policy = groups[group]
        months[(invoice_date.strftime("%Y-%m"), currency)]["invoiced"] += line.amount
        for first, last, amount in accrual_parts(policy, line.period_start, line.period_end, line.amount):
            if first <= through:
                months[(first.strftime("%Y-%m"), currency)]["recognized"] += amount
                if post and (line.id, first) not in posted:
                    new_entries.append(
                        {
                            "invoice_line_id": line.id,
                            "part_start": first,
                            "part_end": last,
                            "amount_cents": amount,
                            "posted_at": ctx.now,
                            "posted_by": ctx.actor,
                        }
                    )
            else:
                deferred[currency] += amount
    if new_entries:
        ctx.connection().execute(insert(AccrualEntry.__table__), new_entries)  # type: ignore[attr-defined]
    table = []
    running: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for month, currency in sorted(months):
        values = months[(month, currency)]
        running[currency] += values["invoiced"] - values["recognized"]
        table.append(
            {
                "month": month,
                "currency": currency,
                "invoiced": values["invoiced"],
                "recognized": values["recognized"],
                "deferred": running[currency],
            }
        )
    return {"through": through, "months": table, "deferred": dict(deferred), "posted": len(new_entries)}
