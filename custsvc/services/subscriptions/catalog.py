"""Subscription groups (the billing policy) and subscriptions: add, show, list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.periods import (
    ALIGNS,
    PRORATIONS,
    UNITS,
    Policy,
    accrual_fits,
    in_force,
)
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import (
    AccrualEntry,
    Customer,
    InvoiceLine,
    Subscription,
    SubscriptionBilling,
    SubscriptionGroup,
    SubscriptionIndex,
    SubscriptionPrice,
    SubscriptionReduction,
)
from custsvc.services import settings
from custsvc.values import counted, word

ONE_DAY = timedelta(days=1)


def option_value(value: str | None, allowed: Sequence[str], field_name: str) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text not in allowed:
        raise InvalidInput(field_name, value, "expected " + ", ".join(allowed))
    return text


def policy_of(group: SubscriptionGroup) -> Policy:
    return Policy(group.period, group.every, group.align, group.proration, group.accrue)


#: every field of a subscription group as ``group_record`` gives it (``subscription group list``)
GROUP_FIELDS = (
    "group", "period", "every", "align", "proration", "accrue", "description", "subscriptions",
    "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


def group_record(row: SubscriptionGroup, count: int | None = None) -> dict[str, Any]:
    return {
        "group": row.group,
        "period": row.period,
        "every": row.every,
        "align": row.align,
        "proration": row.proration,
        "accrue": row.accrue,
        "description": row.description,
        "subscriptions": count,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def add_group(
    ctx: Context,
    group: str,
    *,
    period: str,
    every: int = 1,
    align: str = "anniversary",
    proration: str = "daily",
    accrue: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    key = check_key(group, "group")
    if ctx.get(SubscriptionGroup, key) is not None:
        raise Duplicate("subscription group", key)
    unit = option_value(period, UNITS, "period")
    accrual = option_value(accrue, UNITS, "accrue")
    if every < 1 or every > 100:
        raise InvalidInput("every", str(every), "expected 1 to 100")
    if accrual is not None and not accrual_fits(unit, every, accrual):  # type: ignore[arg-type]
        reason = f"accrual periods must fit the invoicing period ({every} x {unit}) a whole number of times"
        raise InvalidInput("accrue", accrue, reason)
    row = SubscriptionGroup(
        group=key,
        period=unit,
        every=every,
        align=option_value(align, ALIGNS, "align"),
        proration=option_value(proration, PRORATIONS, "proration"),  # type: ignore[arg-type]
        accrue=accrual,
        description=check_text(description, "description") if description else None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return group_record(row, 0)


def get_group(ctx: Context, group: str) -> SubscriptionGroup:
    row = ctx.get(SubscriptionGroup, group)
    if row is None:
        raise NotFound("subscription group", group)
    return row


#: what cannot change once a subscription of the group was billed (it would move the periods billed)
POLICY_FIXED = ("period", "every", "align")


def _billed_in(ctx: Context, group: str) -> int:
    """How many of the group's subscriptions were billed for some period."""
    return ctx.execute(
        select(func.count(func.distinct(SubscriptionBilling.subscription)))
        .join(Subscription, Subscription.subscription == SubscriptionBilling.subscription)
        .where(Subscription.group == group)
    ).scalar_one()


def _accruals_posted(ctx: Context, group: str) -> int:
    return ctx.execute(
        select(func.count())
        .select_from(AccrualEntry)
        .join(InvoiceLine, InvoiceLine.id == AccrualEntry.invoice_line_id)
        .join(Subscription, Subscription.subscription == InvoiceLine.subscription)
        .where(Subscription.group == group)
    ).scalar_one()


def _policy_changes(ctx: Context, row: SubscriptionGroup, given: dict[str, Any]) -> dict[str, Any]:
    """The new period, every and align (they stay once the group billed) and accrual."""
    new = {
        "period": option_value(given["period"], UNITS, "period") or row.period,
        "every": row.every if given["every"] is None else given["every"],
        "align": option_value(given["align"], ALIGNS, "align") or row.align,
    }
    if not 1 <= new["every"] <= 100:
        raise InvalidInput("every", str(new["every"]), "expected 1 to 100")
    changed = [name for name in POLICY_FIXED if new[name] != getattr(row, name)]
    if changed and (billed := _billed_in(ctx, row.group)):
        name = changed[0]
        raise RuleViolation(
            "policy-fixed-once-billed",
            f"{name} {new[name]}: {counted(billed, 'subscription')} of group {row.group} "
            f"{word(billed, 'was', 'were')} billed by {name} "
            f"{getattr(row, name)}; make a new group for new subscriptions",
        )
    new["accrue"] = _new_accrual(ctx, row, given["accrue"], new["period"], new["every"])
    return new


def _new_accrual(ctx: Context, row: SubscriptionGroup, accrue: str | None, period: str, every: int) -> str | None:
    """The group's accrual after an update (``""``: none): it stays once accruals were posted, and must fit."""
    new = row.accrue if accrue is None else option_value(accrue, UNITS, "accrue") if accrue.strip() else None
    if new != row.accrue and (posted := _accruals_posted(ctx, row.group)):
        raise RuleViolation(
            "accrual-fixed-once-posted",
            f"accrue {accrue!r}: {counted(posted, 'accrual part')} of group {row.group} "
            f"{word(posted, 'was', 'were')} posted by {row.accrue}",
        )
    if new is not None and not accrual_fits(period, every, new):  # type: ignore[arg-type]
        reason = f"accrual periods must fit the invoicing period ({every} x {period}) a whole number of times"
        raise InvalidInput("accrue", new, reason)
    return new


def update_group(
    ctx: Context,
    group: str,
    *,
    period: str | None = None,
    every: int | None = None,
    align: str | None = None,
    proration: str | None = None,
    accrue: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Change what is given of a group's policy (``""`` clears the accrual and the description)."""
    if all(v is None for v in (period, every, align, proration, accrue, description)):
        raise Usage("nothing to change: give --description, --proration, --accrue, --period, --every or --align")
    row = get_group(ctx, group)
    changes = _policy_changes(ctx, row, {"period": period, "every": every, "align": align, "accrue": accrue})
    if proration is not None:
        changes["proration"] = option_value(proration, PRORATIONS, "proration")
    if description is not None:
        changes["description"] = check_text(description, "description") or None
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return group_record(row, _members(ctx, group))


def _members(ctx: Context, group: str) -> int:
    return ctx.execute(select(func.count()).select_from(Subscription).where(Subscription.group == group)).scalar_one()


def remove_group(ctx: Context, group: str) -> dict[str, Any]:
    """Remove a group that has no subscriptions."""
    row = get_group(ctx, group)
    members = _members(ctx, group)
    if members:
        raise RuleViolation(
            "group-without-subscriptions",
            f"{counted(members, 'subscription')} {word(members, 'is', 'are')} in group {group}, "
            "so it cannot be removed",
        )
    ctx.delete(row)
    ctx.flush()
    return {"group": group, "removed": True}


def list_groups(ctx: Context) -> list[dict[str, Any]]:
    counts = dict(ctx.execute(select(Subscription.group, func.count()).group_by(Subscription.group)).all())
    return [
        group_record(r, counts.get(r.group, 0))
        for r in ctx.execute(select(SubscriptionGroup).order_by(SubscriptionGroup.group)).scalars()
    ]


def get(ctx: Context, subscription: str) -> Subscription:
    row = ctx.get(Subscription, subscription)
    if row is None:
        raise NotFound("subscription", subscription)
    return row


def last_day(row: Subscription) -> date | None:
    """The last day the subscription runs: its end or its cancellation, whichever is first."""
    days = [d for d in (row.end, row.canceled_on) if d is not None]
    return min(days) if days else None


def history(ctx: Context, model: Any, subscription: str, column: str) -> list[tuple[date, Decimal]]:
    rows = ctx.execute(
        select(model.valid_from, getattr(model, column))
        .where(model.subscription == subscription)
        .order_by(model.valid_from)
    )
    return [(a, b) for a, b in rows]


STATUSES = ("active", "future", "ended", "canceled")


def status(row: Subscription, today: date) -> str:
    end = last_day(row)
    if row.canceled_on is not None and row.canceled_on < today:
        return "canceled"
    if end is not None and end < today:
        return "ended"
    if row.start > today:
        return "future"
    return "active"


#: every field of a subscription as ``record`` gives it (``subscription list``)
SUBSCRIPTION_FIELDS = (
    "subscription", "customer", "group", "fee", "currency", "index", "start", "end", "canceled_on", "status",
    "billed_through", "description", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


def record(
    ctx: Context,
    row: Subscription,
    prices: list[tuple[date, Decimal]] | None = None,
    indexes: list[tuple[date, Decimal]] | None = None,
) -> dict[str, Any]:
    """The subscription as a record; ``prices`` and ``indexes``: its histories, when read already."""
    today = ctx.today
    if prices is None:
        prices = history(ctx, SubscriptionPrice, row.subscription, "fee")
    if indexes is None:
        indexes = history(ctx, SubscriptionIndex, row.subscription, "index")
    return {
        "subscription": row.subscription,
        "customer": row.customer,
        "group": row.group,
        "fee": in_force(prices, max(today, row.start)) or (prices[0][1] if prices else None),
        "currency": row.currency,
        "index": in_force(indexes, max(today, row.start)) or Decimal(100),
        "start": row.start,
        "end": row.end,
        "canceled_on": row.canceled_on,
        "status": status(row, today),
        "billed_through": row.billed_through,
        "description": row.description,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def create(
    ctx: Context,
    subscription: str,
    *,
    customer: str,
    group: str,
    fee: str,
    start: date,
    currency: str | None = None,
    end: date | None = None,
    index: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    key = check_key(subscription, "subscription")
    if ctx.get(Subscription, key) is not None:
        raise Duplicate("subscription", key)
    if ctx.get(Customer, customer) is None:
        raise NotFound("customer", customer)
    get_group(ctx, group)
    amount = parse_money(fee, "fee")
    code = settings.check_currency(currency) if currency else settings.currency(ctx)
    if end is not None and end < start:
        raise InvalidInput("end", end.isoformat(), f"is before the start {start.isoformat()}")
    value = index_value(index) if index is not None else Decimal(100)
    now, actor = ctx.now, ctx.actor
    ctx.add(
        Subscription(
            subscription=key,
            customer=customer,
            group=group,
            currency=code,
            start=start,
            end=end,
            description=check_text(description, "description") if description else None,
            created_at=now,
            created_by=actor,
        )
    )
    ctx.flush()
    ctx.add(SubscriptionPrice(subscription=key, valid_from=start, fee=amount, created_at=now, created_by=actor))
    ctx.add(SubscriptionIndex(subscription=key, valid_from=start, index=value, created_at=now, created_by=actor))
    ctx.flush()
    return show(ctx, key)


def index_value(text: Any) -> Decimal:
    value = parse_quantity(text, "index", allow_zero=False)
    if value > 10000:
        raise InvalidInput("index", str(text), "expected an index such as 100 or 103.5")
    return value


def show(ctx: Context, subscription: str) -> dict[str, Any]:
    row = get(ctx, subscription)
    out = record(ctx, row)
    out["prices"] = [{"from": a, "fee": b} for a, b in history(ctx, SubscriptionPrice, subscription, "fee")]
    out["indexes"] = [{"from": a, "index": b} for a, b in history(ctx, SubscriptionIndex, subscription, "index")]
    out["reductions"] = [
        {"id": r.id, "from": r.first_day, "to": r.last_day, "reason": r.reason}
        for r in ctx.execute(
            select(SubscriptionReduction)
            .where(SubscriptionReduction.subscription == subscription)
            .order_by(SubscriptionReduction.first_day)
        ).scalars()
    ]
    return out


def touch(ctx: Context, row: Subscription) -> None:
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
