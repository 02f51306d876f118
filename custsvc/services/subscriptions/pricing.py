"""Prices and indexes of subscriptions, effective-dated; changes inside billed periods are refused."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.money import normalize_qty, parse_money
from custsvc.domain.periods import (
    in_force,
)
from custsvc.errors import BadUsage, InvalidInput, RuleViolation
from custsvc.models import (
    Subscription,
    SubscriptionBilling,
    SubscriptionIndex,
    SubscriptionPrice,
)
from custsvc.services.subscriptions.catalog import get, get_group, history, index_value, last_day, show, touch


def set_price(ctx: Context, subscription: str, fee: str, valid_from: date) -> dict[str, Any]:
    row = get(ctx, subscription)
    amount = parse_money(fee, "fee")
    refuse_billed(ctx, row, valid_from, "a price")
    _set_from(ctx, SubscriptionPrice, subscription, valid_from, "fee", amount)
    touch(ctx, row)
    return show(ctx, subscription)


def _set_from(ctx: Context, model: Any, subscription: str, valid_from: date, column: str, value: Decimal) -> None:
    """An effective-dated value (a price, an index) from ``valid_from``: the row of that day, added or changed."""
    existing = ctx.get(model, (subscription, valid_from))
    if existing is None:
        row = model(subscription=subscription, valid_from=valid_from, created_at=ctx.now, created_by=ctx.actor)
        setattr(row, column, value)
        ctx.add(row)
    else:
        setattr(existing, column, value)


def set_index(
    ctx: Context,
    subscription: str | None,
    group: str | None,
    *,
    percent: str | None,
    value: str | None,
    valid_from: date,
) -> list[dict[str, Any]]:
    """Raise (``percent``) or set (``value``) the index from a date, for one subscription or a group."""
    if (percent is None) == (value is None):
        raise BadUsage("percent", percent or "", "give either --percent or --value")
    if subscription:
        rows = [get(ctx, subscription)]
    else:
        get_group(ctx, group or "")
        rows = list(
            ctx.execute(
                select(Subscription).where(Subscription.group == group).order_by(Subscription.subscription)
            ).scalars()
        )
    out = []
    for row in rows:
        end = last_day(row)
        if end is not None and end < valid_from:
            continue
        refuse_billed(ctx, row, valid_from, "an index change")
        current = in_force(history(ctx, SubscriptionIndex, row.subscription, "index"), valid_from) or Decimal(100)
        if percent is not None:
            if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", str(percent).strip()):
                raise InvalidInput("percent", percent, "expected a number such as 3.5")
            change = Decimal(str(percent).strip())
            new = normalize_qty(current * (1 + change / 100))
            if new <= 0:
                raise InvalidInput("percent", percent, "would make the index zero or less")
        else:
            new = index_value(value)
        _set_from(ctx, SubscriptionIndex, row.subscription, valid_from, "index", new)
        touch(ctx, row)
        out.append({"subscription": row.subscription, "from": valid_from, "index_before": current, "index": new})
    ctx.flush()
    return out


def refuse_billed(ctx: Context, row: Subscription, day: date, what: str) -> None:
    """Prices and indexes apply from a period's first day on: a change inside billed time would rewrite invoices."""
    billed = ctx.execute(
        select(SubscriptionBilling.period_start).where(
            SubscriptionBilling.subscription == row.subscription, SubscriptionBilling.period_end >= day
        )
    ).first()
    if billed:
        raise RuleViolation(
            "billed-periods-stay",
            f"{row.subscription} is billed for a period from {billed[0]}; {what} from {day} would change it "
            "(credit the invoice first)",
        )
