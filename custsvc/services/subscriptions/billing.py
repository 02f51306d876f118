"""The invoicing run: safe to repeat and to run concurrently.

* every billed period gets a row in ``subscription_billing`` with a unique key (subscription, period
  start), so the database itself refuses a second bill for a period;
* a run is one transaction: killed half-way it leaves nothing, and the next run does all of it;
* runs queue on the invoice number sequence (SQLite's write lock, PostgreSQL's row lock), so a run
  that starts while another is busy sees its work and does only what is left;
* the invoices are written by the one invoice writer, in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update

from custsvc.context import Context
from custsvc.domain.money import check_amount
from custsvc.domain.periods import (
    Charge,
    Period,
    Policy,
    charge,
    in_force,
    periods,
)
from custsvc.errors import CustSvcError, NotFound, RuleViolation
from custsvc.models import (
    Customer,
    NumberSequence,
    Subscription,
    SubscriptionBilling,
    SubscriptionGroup,
    SubscriptionIndex,
    SubscriptionPrice,
    SubscriptionReduction,
)
from custsvc.services import invoices
from custsvc.services.batch import select_for
from custsvc.services.invoices import DraftInvoice, DraftLine, Written
from custsvc.services.subscriptions.catalog import ONE_DAY, get_group, last_day, policy_of
from custsvc.values import counted

ONE = Decimal(1)


@dataclass
class _Work:
    row: Subscription
    charges: list[Charge] = field(default_factory=list)
    free: list[Period] = field(default_factory=list)


def _candidates(ctx: Context, through: date, customer: str | None, group: str | None) -> list[Subscription]:
    """Subscriptions that may have a period to bill: started by ``through`` and not billed up to it or their end."""
    s = Subscription
    query = select(s).where(
        s.start <= through,
        or_(s.billed_through.is_(None), s.billed_through < through),
        or_(s.end.is_(None), s.billed_through.is_(None), s.billed_through < s.end),
        or_(s.canceled_on.is_(None), s.billed_through.is_(None), s.billed_through < s.canceled_on),
    )
    if customer:
        if ctx.get(Customer, customer) is None:
            raise NotFound("customer", customer)
        query = query.where(s.customer == customer)
    if group:
        get_group(ctx, group)
        query = query.where(s.group == group)
    return list(ctx.execute(query.order_by(s.customer, s.subscription)).scalars())


def by_subscription(ctx: Context, model: Any, keys: Sequence[str], *columns: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    wanted = set(keys)
    for key, *values in select_for(ctx, select(model.subscription, *columns), model.subscription, keys):
        if key in wanted:
            out[key].append(tuple(values) if len(values) > 1 else values[0])
    return out


def invoice_run(
    ctx: Context,
    through: date,
    *,
    customer: str | None = None,
    group: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Bill every period that starts on or before ``through`` and is not billed yet, oldest first, on one
    invoice per customer and currency.  Subscriptions whose data is wrong are rejected (named, with the
    reason); the others are billed. ``dry_run``: the same result, with the invoice numbers it would
    take, and nothing written.

    The run thinks first, in a read transaction (outside SQLite's write lock); then it queues behind
    any other run on the invoice sequence, drops what another run billed meanwhile, and writes."""
    with ctx.reading() as reader:
        work, rejected = _plan_all(reader, through, customer, group, progress)
        if dry_run:
            result = _write(reader, work, through, dry_run=True)
    if not dry_run:
        # queue behind any other run: they all update this row first (SQLite's write lock does the same)
        ctx.execute(select(NumberSequence.name).where(NumberSequence.name == "invoice").with_for_update())
        result = _write(ctx, _not_billed_meanwhile(ctx, work), through, dry_run=False)
    result["rejected"] = rejected
    result["through"] = through
    return result


def _plan_all(
    ctx: Context, through: date, customer: str | None, group: str | None, progress: Callable[[int, int], None] | None
) -> tuple[list[_Work], list[dict[str, str]]]:
    """Every candidate's periods to bill, worked out from what ``ctx`` sees; and the rejected ones."""
    candidates = _candidates(ctx, through, customer, group)
    keys = [c.subscription for c in candidates]
    groups = {g.group: policy_of(g) for g in ctx.execute(select(SubscriptionGroup)).scalars()}
    prices = by_subscription(ctx, SubscriptionPrice, keys, SubscriptionPrice.valid_from, SubscriptionPrice.fee)
    indexes = by_subscription(ctx, SubscriptionIndex, keys, SubscriptionIndex.valid_from, SubscriptionIndex.index)
    cuts = by_subscription(
        ctx, SubscriptionReduction, keys, SubscriptionReduction.first_day, SubscriptionReduction.last_day
    )
    billed = by_subscription(
        ctx, SubscriptionBilling, keys, SubscriptionBilling.period_start, SubscriptionBilling.period_end
    )
    work: list[_Work] = []
    rejected: list[dict[str, str]] = []
    for number, row in enumerate(candidates, start=1):
        key = row.subscription
        try:
            item = _plan(row, groups[row.group], through, prices[key], indexes[key], cuts[key], billed[key])
        except CustSvcError as exc:
            rejected.append({"subscription": key, "customer": row.customer, "reason": exc.message})
        else:
            if item.charges or item.free:
                work.append(item)
        if progress and (number % 250 == 0 or number == len(candidates)):
            progress(number, len(candidates))
    return work, rejected


def _not_billed_meanwhile(ctx: Context, work: list[_Work]) -> list[_Work]:
    """Under the lock: the planned periods that no other run billed since the plan was made."""
    keys = [item.row.subscription for item in work]
    billed = by_subscription(ctx, SubscriptionBilling, keys, SubscriptionBilling.period_start)
    out = []
    for item in work:
        done = set(billed.get(item.row.subscription, ()))
        if done:
            item.charges = [c for c in item.charges if c.period.start not in done]
            item.free = [p for p in item.free if p.start not in done]
        if item.charges or item.free:
            out.append(item)
    return out


def _plan(
    row: Subscription,
    policy: Policy,
    through: date,
    prices: list[tuple[date, Decimal]],
    indexes: list[tuple[date, Decimal]],
    cuts: list[tuple[date, date]],
    billed: list[tuple[date, date]],
) -> _Work:
    done = {start for start, _end in billed}
    item = _Work(row)
    for period in periods(policy, row.start, last_day(row), through, after=row.billed_through):
        if period.start in done:
            continue
        fee = in_force(prices, period.start)
        if fee is None:
            raise RuleViolation(
                "price-in-force", f"no price in force on {period.start} (set one with `subscription price`)"
            )
        index = in_force(indexes, period.start) or Decimal(100)
        if index <= 0:
            raise RuleViolation("index-positive", f"index {index} in force on {period.start} is not positive")
        result = charge(policy, period, fee, index, cuts)
        check_amount(result.base, f"the period {period.start} - {period.end}")
        if result.total < 0:  # pragma: no cover - reductions are capped at the period's amount
            raise RuleViolation(
                "no-negative-periods", f"period {period.start} - {period.end} would cost {result.total}"
            )
        if result.free:
            item.free.append(period)
        else:
            item.charges.append(result)
    return item


def _drafts(work: list[_Work], through: date) -> tuple[list[DraftInvoice], list[list[tuple[_Work, Charge, str]]]]:
    """One draft invoice per customer and currency: per period a line, and a line for its reductions.
    Beside each draft, what each of its lines bills (subscription, charge, base | reduction)."""
    per_invoice: dict[tuple[str, str], list[tuple[_Work, Charge]]] = defaultdict(list)
    for item in work:
        for result in item.charges:
            per_invoice[(item.row.customer, item.row.currency)].append((item, result))
    drafts, meta = [], []
    for (customer, currency), charges in per_invoice.items():
        draft = DraftInvoice(customer=customer, currency=currency, note=f"Subscriptions through {through}")
        kinds: list[tuple[_Work, Charge, str]] = []
        for item, result in sorted(charges, key=lambda c: (c[1].period.start, c[0].row.subscription)):
            label = item.row.description or f"Subscription {item.row.subscription}"
            period = result.period
            draft.lines.append(_line(item, result, f"{label}, {period.start} - {period.end}", result.base))
            kinds.append((item, result, "base"))
            if result.reduction:
                text = f"Reduction, {counted(result.reduction_days, 'day')} of {period.start} - {period.end}"
                draft.lines.append(_line(item, result, text, result.reduction))
                kinds.append((item, result, "reduction"))
        drafts.append(draft)
        meta.append(kinds)
    return drafts, meta


def _line(item: _Work, result: Charge, text: str, amount: Decimal) -> DraftLine:
    key = item.row.subscription
    return DraftLine(
        description=text,
        quantity=ONE,
        unit_price=amount,
        amount=amount,
        source_type="subscription",
        source=key,
        subscription=key,
        period_start=result.period.start,
        period_end=result.period.end,
    )


def _billing_rows(ctx: Context, work: list[_Work], written: list[Written], meta: list[list[Any]]) -> list[dict]:
    """One row per billed period (its base line) and per free period: the unique key that makes the
    run idempotent."""
    rows = []
    for invoice, kinds in zip(written, meta, strict=True):
        for (item, result, kind), line_id in zip(kinds, invoice.line_ids, strict=True):
            if kind == "base":
                rows.append(_billing(ctx, item.row.subscription, result.period, line_id))
    rows.extend(_billing(ctx, item.row.subscription, period, None) for item in work for period in item.free)
    return rows


def _billing(ctx: Context, subscription: str, period: Period, line_id: int | None) -> dict[str, Any]:
    return {
        "subscription": subscription,
        "period_start": period.start,
        "period_end": period.end,
        "invoice_line_id": line_id,
        "billed_at": ctx.now,
        "billed_by": ctx.actor,
    }


def _write(ctx: Context, work: list[_Work], through: date, *, dry_run: bool) -> dict[str, Any]:
    drafts, meta = _drafts(work, through)
    written = invoices.write(ctx, drafts, preview=dry_run)
    if not dry_run:
        billing = _billing_rows(ctx, work, written, meta)
        if billing:
            ctx.connection().execute(insert(SubscriptionBilling.__table__), billing)  # type: ignore[attr-defined]
        advance_billed_through(ctx, [item.row.subscription for item in work])
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for invoice in written:
        totals[invoice.draft.currency or ""] += invoice.total
    return {
        "periods": sum(len(item.charges) for item in work),
        "free_periods": sum(len(item.free) for item in work),
        "invoices": [_summary(invoice, kinds) for invoice, kinds in zip(written, meta, strict=True)],
        "totals": dict(totals),
    }


def _summary(invoice: Written, kinds: list[tuple[_Work, Charge, str]]) -> dict[str, Any]:
    draft = invoice.draft
    return {
        "invoice": invoice.number,
        "customer": draft.customer,
        "currency": draft.currency,
        "total": invoice.total,
        "lines": [
            {
                "subscription": item.row.subscription,
                "description": line.description,
                "period_start": result.period.start,
                "period_end": result.period.end,
                "amount": line.amount,
                "kind": kind,
            }
            for line, (item, result, kind) in zip(draft.lines, kinds, strict=True)
        ],
    }


def advance_billed_through(ctx: Context, keys: Sequence[str]) -> None:
    """Move each subscription's ``billed_through`` to the end of the billed periods that follow on
    from its start without a gap."""
    if not keys:
        return
    rows = by_subscription(
        ctx, SubscriptionBilling, list(keys), SubscriptionBilling.period_start, SubscriptionBilling.period_end
    )
    query = select(Subscription.subscription, Subscription.start)
    starts = dict(select_for(ctx, query, Subscription.subscription, list(keys)).all())
    updates = []
    for key in keys:
        expected = starts[key]
        reached = None
        for first, last in sorted(rows.get(key, [])):
            if first != expected:
                break
            reached, expected = last, last + ONE_DAY
        updates.append({"key": key, "through": reached})
    table = Subscription.__table__  # type: ignore[attr-defined]
    ctx.connection().execute(
        update(table).where(table.c.subscription == bindparam("key")).values(billed_through=bindparam("through")),
        updates,
    )
