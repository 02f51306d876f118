"""``subscription list``: many subscriptions as records, their price and index histories read in
bulk (a bounded number of statements whatever the number of subscriptions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.errors import choice
from custsvc.models import Subscription, SubscriptionIndex, SubscriptionPrice
from custsvc.services.batch import select_in
from custsvc.services.subscriptions.catalog import STATUSES, record


def histories(ctx: Context, model: Any, keys: Sequence[str], column: str) -> dict[str, list[tuple[date, Decimal]]]:
    """``history`` of many subscriptions at once (one statement per 900)."""
    out: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    query = select(model.subscription, model.valid_from, getattr(model, column)).order_by(model.valid_from)
    for key, valid_from, value in select_in(ctx, query, model.subscription, keys):
        out[key].append((valid_from, value))
    return out


def list_subscriptions(
    ctx: Context, *, customer: str | None = None, group: str | None = None, status_filter: str | None = None
) -> list[dict[str, Any]]:
    query = select(Subscription).order_by(Subscription.subscription)
    if customer:
        query = query.where(Subscription.customer == customer)
    if group:
        query = query.where(Subscription.group == group)
    found = list(ctx.execute(query).scalars())
    keys = [r.subscription for r in found]
    prices = histories(ctx, SubscriptionPrice, keys, "fee")
    indexes = histories(ctx, SubscriptionIndex, keys, "index")
    rows = [record(ctx, r, prices[r.subscription], indexes[r.subscription]) for r in found]
    wanted = choice(status_filter, STATUSES, "status") if status_filter else None
    return [r for r in rows if wanted is None or r["status"] == wanted]
