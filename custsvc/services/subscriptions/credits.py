"""Crediting billed subscription time: reduction days and cancellations credited pro rata per day, and
re-opening credited periods (``invoice credit --reopen``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.domain.periods import (
    Period,
    Policy,
    cancellation_credit,
    in_force,
    overlap_days,
    periods,
    reduction_credit,
)
from custsvc.errors import InvalidInput, RuleViolation
from custsvc.models import (
    InvoiceLine,
    Subscription,
    SubscriptionBilling,
    SubscriptionIndex,
    SubscriptionPrice,
    SubscriptionReduction,
)
from custsvc.services import invoices
from custsvc.services.subscriptions.billing import advance_billed_through
from custsvc.services.subscriptions.catalog import ONE_DAY, get, get_group, history, last_day, policy_of, show, touch
from custsvc.values import counted


def reduce(
    ctx: Context, subscription: str, first: date, last: date, reason: str | None, *, credit: bool = False
) -> dict[str, Any]:
    """Reduction days lower their period's fee pro rata per day. Days already billed are credited when asked."""
    row = get(ctx, subscription)
    if last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    if first < row.start or (last_day(row) is not None and last > last_day(row)):  # type: ignore[operator]
        raise InvalidInput("from", first.isoformat(), "reduction days must lie within the subscription")
    billed = list(
        ctx.execute(
            select(SubscriptionBilling).where(
                SubscriptionBilling.subscription == subscription,
                SubscriptionBilling.period_start <= last,
                SubscriptionBilling.period_end >= first,
                SubscriptionBilling.invoice_line_id.is_not(None),
            )
        ).scalars()
    )
    if billed and not credit:
        raise RuleViolation(
            "billed-periods-stay",
            f"{subscription} is already billed for {billed[0].period_start} - {billed[0].period_end}; "
            "add --credit to credit the reduced days",
        )
    ctx.add(
        SubscriptionReduction(
            subscription=subscription,
            first_day=first,
            last_day=last,
            reason=check_text(reason, "reason") if reason else None,
            created_at=ctx.now,
            created_by=ctx.actor,
        )
    )
    ctx.flush()
    notes = []
    if billed:
        policy = policy_of(get_group(ctx, row.group))
        for bill in billed:
            period = _billed_period(policy, row, bill)
            fee, index = _price_on(ctx, row, bill.period_start)
            days = overlap_days(first, last, bill.period_start, bill.period_end)
            amount = reduction_credit(fee, index, days, period.full_days)
            notes.append(
                _credit_days(
                    ctx,
                    row,
                    bill,
                    amount,
                    f"Reduction {max(first, bill.period_start)} - {min(last, bill.period_end)} "
                    f"({counted(days, 'day')})",
                    max(first, bill.period_start),
                    min(last, bill.period_end),
                )
            )
    out = show(ctx, subscription)
    out["credit_notes"] = notes
    return out


def _price_on(ctx: Context, row: Subscription, day: date) -> tuple[Decimal, Decimal]:
    fee = in_force(history(ctx, SubscriptionPrice, row.subscription, "fee"), day)
    index = in_force(history(ctx, SubscriptionIndex, row.subscription, "index"), day) or Decimal(100)
    if fee is None:
        raise RuleViolation(
            "price-in-force", f"{row.subscription} has no price in force on {day} (set one with `subscription price`)"
        )
    return fee, index


def _billed_period(policy: Policy, row: Subscription, bill: SubscriptionBilling) -> Period:
    """The full period a billed row belongs to (for the number of days the fee is spread over)."""
    for period in periods(policy, row.start, None, bill.period_start, after=bill.period_start - ONE_DAY):
        if period.start == bill.period_start:
            return Period(bill.period_start, bill.period_end, period.full_start, period.full_end)
    return Period(
        bill.period_start, bill.period_end, bill.period_start, bill.period_end
    )  # pragma: no cover - a changed group


def _net_billed(ctx: Context, row: Subscription, bill: SubscriptionBilling) -> tuple[Decimal, int | None, str | None]:
    """(net amount still billed for the period, its base invoice line id, that line's invoice)."""
    lines = list(
        ctx.execute(
            select(InvoiceLine).where(
                InvoiceLine.subscription == row.subscription,
                InvoiceLine.period_start >= bill.period_start,
                InvoiceLine.period_start <= bill.period_end,
            )
        ).scalars()
    )
    net = sum((line.amount for line in lines), Decimal("0.00"))
    base = ctx.get(InvoiceLine, bill.invoice_line_id) if bill.invoice_line_id else None
    return net, base.id if base else None, base.invoice if base else None


def _credit_days(
    ctx: Context, row: Subscription, bill: SubscriptionBilling, amount: Decimal, text: str, first: date, last: date
) -> str | None:
    net, base_id, invoice = _net_billed(ctx, row, bill)
    amount = min(amount, net)
    if amount <= 0 or base_id is None or invoice is None:
        return None
    draft = invoices.DraftInvoice(
        customer=row.customer,
        currency=row.currency,
        kind="credit",
        credits=invoice,
        note=f"{text}, {row.subscription}",
        lines=[
            invoices.DraftLine(
                description=f"Credit: {text}",
                quantity=Decimal(-1),
                unit_price=amount,
                amount=-amount,
                source_type="subscription",
                source=row.subscription,
                credited_line_id=base_id,
                subscription=row.subscription,
                period_start=first,
                period_end=last,
            )
        ],
    )
    return invoices.write_one(ctx, draft)


def cancel(ctx: Context, subscription: str, on: date, *, credit: bool = False) -> dict[str, Any]:
    """No period after ``on`` is billed; with ``credit``, days already billed after ``on`` are credited pro rata."""
    row = get(ctx, subscription)
    if on < row.start - ONE_DAY:
        raise InvalidInput("on", on.isoformat(), f"is before the subscription starts ({row.start})")
    if row.canceled_on is not None and row.canceled_on <= on:
        raise RuleViolation("cancel-once", f"{subscription} is already canceled on {row.canceled_on}")
    row.canceled_on = on
    touch(ctx, row)
    notes: list[str] = []
    later = list(
        ctx.execute(
            select(SubscriptionBilling)
            .where(
                SubscriptionBilling.subscription == subscription,
                SubscriptionBilling.period_end > on,
                SubscriptionBilling.invoice_line_id.is_not(None),
            )
            .order_by(SubscriptionBilling.period_start)
        ).scalars()
    )
    if credit:
        for bill in later:
            # the days after `on`, pro rata per day of what the period was billed
            first = max(on + ONE_DAY, bill.period_start)
            days = (bill.period_end - first).days + 1
            net, _base, _invoice = _net_billed(ctx, row, bill)
            billed_days = (bill.period_end - bill.period_start).days + 1
            amount = cancellation_credit(net, days, billed_days)
            note = _credit_days(
                ctx,
                row,
                bill,
                amount,
                f"Cancellation: {first} - {bill.period_end} ({counted(days, 'day')})",
                first,
                bill.period_end,
            )
            if note:
                notes.append(note)
    out = show(ctx, subscription)
    out["credit_notes"] = notes
    out["warnings"] = (
        []
        if credit or not later
        else [f"{subscription} is billed up to {later[-1].period_end}; add --credit to credit the days after {on}"]
    )
    return out


def reopen(ctx: Context, lines: Sequence[InvoiceLine]) -> None:
    """Credited subscription periods become billable again (``invoice credit --reopen``)."""
    touched = set()
    for line in lines:
        if line.subscription is None or line.period_start is None:
            continue
        bill = ctx.execute(
            select(SubscriptionBilling).where(
                SubscriptionBilling.subscription == line.subscription,
                SubscriptionBilling.period_start == line.period_start,
            )
        ).scalar_one_or_none()
        if bill is None:
            continue
        row = get(ctx, line.subscription)
        net, _base, _invoice = _net_billed(ctx, row, bill)
        if net != 0:
            raise RuleViolation(
                "reopen-whole-periods",
                f"{line.subscription} {bill.period_start} - {bill.period_end} is not wholly credited; "
                "credit all its lines to reopen it",
            )
        ctx.execute(delete(SubscriptionBilling).where(SubscriptionBilling.id == bill.id))
        touched.add(line.subscription)
    ctx.flush()
    advance_billed_through(ctx, sorted(touched))
