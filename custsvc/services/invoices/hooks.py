"""What invoices register on the bus (registered by ``custsvc.bootstrap``): ``customer show`` gives
what the customer was invoiced this year, per currency.

"This year" is the shop's calendar year of ``ctx.today`` (invoices dated 1 January to 31 December);
credit notes (which hold negative totals) subtract what they credit. One row per currency, so the
total reads as a small table and as a JSON list of objects (``[{"currency": "EUR", "total": ...}]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.events import Bus
from custsvc.models import Invoice
from custsvc.services.batch import select_in

ZERO = Decimal("0.00")


def _row(year: int, currency: str) -> dict[str, Any]:
    return {
        "year": year,
        "currency": currency,
        "invoices": 0,
        "credit_notes": 0,
        "invoiced": ZERO,
        "credited": ZERO,
        "total": ZERO,
    }


def invoiced_this_year(ctx: Any, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per customer, this year's invoices and credit notes summed per currency (one statement per
    900 customers); a customer without any this year has an empty list."""
    year = ctx.today.year
    query = (
        select(Invoice.customer, Invoice.currency, Invoice.kind, func.count(), func.sum(Invoice.total))
        .where(Invoice.invoice_date >= date(year, 1, 1), Invoice.invoice_date < date(year + 1, 1, 1))
        .group_by(Invoice.customer, Invoice.currency, Invoice.kind)
    )
    found: dict[str, dict[str, dict[str, Any]]] = {account: {} for account in accounts}
    for customer, currency, kind, count, total in select_in(ctx, query, Invoice.customer, accounts):
        row = found[customer].setdefault(currency, _row(year, currency))
        amount = total if total is not None else ZERO
        if kind == "credit":
            row["credit_notes"] += count
            row["credited"] += abs(amount)
        else:
            row["invoices"] += count
            row["invoiced"] += amount
        row["total"] = row["invoiced"] - row["credited"]
    return {account: {"invoiced_this_year": [per[c] for c in sorted(per)]} for account, per in found.items()}


def register(bus: Bus) -> None:
    bus.contribute("customer-detail", ("invoiced_this_year",), invoiced_this_year)
