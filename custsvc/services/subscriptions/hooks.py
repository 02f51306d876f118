"""What subscriptions register on the bus (registered by ``custsvc.bootstrap``):

* crediting subscription lines with ``--reopen`` makes the credited periods invoiceable again;
* ``customer show`` lists the customer's subscriptions: group, fee in force, status, billed through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.events import Bus
from custsvc.models import Subscription, SubscriptionPrice
from custsvc.services.batch import select_in


def _reopen(ctx: Any, lines: Sequence[Any]) -> None:
    from custsvc.services.subscriptions import credits

    credits.reopen(ctx, lines)


def _prices(ctx: Any, keys: Sequence[str]) -> dict[str, list[tuple[date, Decimal]]]:
    out: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    query = select(SubscriptionPrice.subscription, SubscriptionPrice.valid_from, SubscriptionPrice.fee)
    for key, since, fee in select_in(
        ctx, query.order_by(SubscriptionPrice.valid_from), SubscriptionPrice.subscription, keys
    ):
        out[key].append((since, fee))
    return out


def customer_subscriptions(ctx: Any, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per customer, its subscriptions by key, with the fee in force today (as ``subscription list``
    has it), in two statements per 900 customers."""
    from custsvc.domain.periods import in_force
    from custsvc.services.subscriptions.catalog import status

    query = select(Subscription).order_by(Subscription.subscription)
    rows = [row for (row,) in select_in(ctx, query, Subscription.customer, accounts)]
    prices = _prices(ctx, [row.subscription for row in rows]) if rows else {}
    today = ctx.today
    found: dict[str, list[dict[str, Any]]] = {account: [] for account in accounts}
    for row in rows:
        history = prices.get(row.subscription, [])
        found[row.customer].append(
            {
                "subscription": row.subscription,
                "group": row.group,
                "fee": in_force(history, max(today, row.start)) or (history[0][1] if history else None),
                "currency": row.currency,
                "status": status(row, today),
                "billed_through": row.billed_through,
            }
        )
    return {account: {"subscriptions": subs} for account, subs in found.items()}


def register(bus: Bus) -> None:
    bus.on_reopen("subscription", _reopen)
    bus.contribute("customer-detail", ("subscriptions",), customer_subscriptions)
