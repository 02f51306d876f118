"""Service subscriptions: groups, subscriptions, prices and indexes, reductions, cancellation, the
invoicing run, explanations and accruals.

The invoicing run is safe to repeat and to run concurrently:

* every billed period gets a row in ``subscription_billing`` with a unique key (subscription, period
  start), so the database itself refuses a second bill for a period;
* a run is one transaction: killed half-way it leaves nothing, and the next run does all of it;
* runs queue on the invoice number sequence (SQLite's write lock, PostgreSQL's row lock), so a run
  that starts while another is busy sees its work and does only what is left.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update

from custsvc.context import Context
from custsvc.domain.money import normalize_qty, parse_money, parse_quantity, round_money
from custsvc.domain.periods import (
    ALIGNS,
    PRORATIONS,
    UNITS,
    Charge,
    Period,
    Policy,
    accrual_parts,
    charge,
    in_force,
    periods,
)
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    AccrualEntry,
    Customer,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Subscription,
    SubscriptionBilling,
    SubscriptionGroup,
    SubscriptionIndex,
    SubscriptionPrice,
    SubscriptionReduction,
)
from custsvc.services import invoices, sequences, settings
from custsvc.services.master import check_key, check_text

ONE_DAY = timedelta(days=1)
IN_CHUNK = 900



# --- groups ----------------------------------------------------------------------------------


def _choice(value: str | None, allowed: Sequence[str], field_name: str) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text not in allowed:
        raise InvalidInput(field_name, value, "expected " + ", ".join(allowed))
    return text


def policy_of(group: SubscriptionGroup) -> Policy:
    return Policy(group.period, group.every, group.align, group.proration, group.accrue)


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
    unit = _choice(period, UNITS, "period")
    accrual = _choice(accrue, UNITS, "accrue")
    if every < 1 or every > 100:
        raise InvalidInput("every", str(every), "expected 1 to 100")
    if accrual is not None and UNITS.index(accrual) > UNITS.index(unit):  # type: ignore[arg-type]
        raise InvalidInput("accrue", accrue, f"an accrual period is no longer than the invoicing period ({unit})")
    row = SubscriptionGroup(
        group=key,
        period=unit,
        every=every,
        align=_choice(align, ALIGNS, "align"),
        proration=_choice(proration, PRORATIONS, "proration"),  # type: ignore[arg-type]
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


def list_groups(ctx: Context) -> list[dict[str, Any]]:
    counts = dict(ctx.execute(select(Subscription.group, func.count()).group_by(Subscription.group)).all())
    return [
        group_record(r, counts.get(r.group, 0))
        for r in ctx.execute(select(SubscriptionGroup).order_by(SubscriptionGroup.group)).scalars()
    ]


# --- subscriptions ---------------------------------------------------------------------------


def get(ctx: Context, subscription: str) -> Subscription:
    row = ctx.get(Subscription, subscription)
    if row is None:
        raise NotFound("subscription", subscription)
    return row


def last_day(row: Subscription) -> date | None:
    """The last day the subscription runs: its end or its cancellation, whichever is first."""
    days = [d for d in (row.end, row.canceled_on) if d is not None]
    return min(days) if days else None


def _history(ctx: Context, model: Any, subscription: str, column: str) -> list[tuple[date, Decimal]]:
    rows = ctx.execute(
        select(model.valid_from, getattr(model, column))
        .where(model.subscription == subscription)
        .order_by(model.valid_from)
    )
    return [(a, b) for a, b in rows]


def status(row: Subscription, today: date) -> str:
    end = last_day(row)
    if row.canceled_on is not None and row.canceled_on < today:
        return "canceled"
    if end is not None and end < today:
        return "ended"
    if row.start > today:
        return "future"
    return "active"


def record(ctx: Context, row: Subscription) -> dict[str, Any]:
    today = ctx.today
    prices = _history(ctx, SubscriptionPrice, row.subscription, "fee")
    indexes = _history(ctx, SubscriptionIndex, row.subscription, "index")
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
    code = settings.KEYS["currency"][1](currency) if currency else settings.currency(ctx)
    if end is not None and end < start:
        raise InvalidInput("end", end.isoformat(), f"is before the start {start.isoformat()}")
    value = _index_value(index) if index is not None else Decimal(100)
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


def _index_value(text: Any) -> Decimal:
    value = parse_quantity(text, "index", allow_zero=False)
    if value > 10000:
        raise InvalidInput("index", str(text), "expected an index such as 100 or 103.5")
    return value


def show(ctx: Context, subscription: str) -> dict[str, Any]:
    row = get(ctx, subscription)
    out = record(ctx, row)
    out["prices"] = [{"from": a, "fee": b} for a, b in _history(ctx, SubscriptionPrice, subscription, "fee")]
    out["indexes"] = [{"from": a, "index": b} for a, b in _history(ctx, SubscriptionIndex, subscription, "index")]
    out["reductions"] = [
        {"id": r.id, "from": r.first_day, "to": r.last_day, "reason": r.reason}
        for r in ctx.execute(
            select(SubscriptionReduction)
            .where(SubscriptionReduction.subscription == subscription)
            .order_by(SubscriptionReduction.first_day)
        ).scalars()
    ]
    return out


def list_subscriptions(
    ctx: Context, *, customer: str | None = None, group: str | None = None, status_filter: str | None = None
) -> list[dict[str, Any]]:
    query = select(Subscription).order_by(Subscription.subscription)
    if customer:
        query = query.where(Subscription.customer == customer)
    if group:
        query = query.where(Subscription.group == group)
    rows = [record(ctx, r) for r in ctx.execute(query).scalars()]
    return [r for r in rows if status_filter is None or r["status"] == status_filter]


def set_price(ctx: Context, subscription: str, fee: str, valid_from: date) -> dict[str, Any]:
    row = get(ctx, subscription)
    amount = parse_money(fee, "fee")
    _refuse_billed(ctx, row, valid_from, "a price")
    existing = ctx.get(SubscriptionPrice, (subscription, valid_from))
    if existing is None:
        ctx.add(
            SubscriptionPrice(
                subscription=subscription,
                valid_from=valid_from,
                fee=amount,
                created_at=ctx.now,
                created_by=ctx.actor,
            )
        )
    else:
        existing.fee = amount
    _touch(ctx, row)
    return show(ctx, subscription)


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
        raise InvalidInput("percent", percent or "", "give either --percent or --value")
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
        _refuse_billed(ctx, row, valid_from, "an index change")
        current = in_force(_history(ctx, SubscriptionIndex, row.subscription, "index"), valid_from) or Decimal(100)
        if percent is not None:
            if not re.fullmatch(r"-?\d+(\.\d+)?", str(percent).strip()):
                raise InvalidInput("percent", percent, "expected a number such as 3.5")
            change = Decimal(str(percent).strip())
            new = normalize_qty(current * (1 + change / 100))
            if new <= 0:
                raise InvalidInput("percent", percent, "would make the index zero or less")
        else:
            new = _index_value(value)
        existing = ctx.get(SubscriptionIndex, (row.subscription, valid_from))
        if existing is None:
            ctx.add(
                SubscriptionIndex(
                    subscription=row.subscription,
                    valid_from=valid_from,
                    index=new,
                    created_at=ctx.now,
                    created_by=ctx.actor,
                )
            )
        else:
            existing.index = new
        _touch(ctx, row)
        out.append({"subscription": row.subscription, "from": valid_from, "index_before": current, "index": new})
    ctx.flush()
    return out


def _touch(ctx: Context, row: Subscription) -> None:
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()


def _refuse_billed(ctx: Context, row: Subscription, day: date, what: str) -> None:
    """Prices and indexes apply from a period's first day on: a change inside billed time would rewrite invoices."""
    billed = ctx.execute(
        select(SubscriptionBilling.period_start).where(
            SubscriptionBilling.subscription == row.subscription, SubscriptionBilling.period_end >= day
        )
    ).first()
    if billed:
        raise RuleViolation(
            "billed-periods-stay",
            f"{row.subscription} is billed for a period from {billed[0]}; {what} from {day} would change it (credit the invoice first)",
        )


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
            f"{subscription} is already billed for {billed[0].period_start} - {billed[0].period_end}; add --credit to credit the reduced days",
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
            days = _overlap_days(first, last, bill.period_start, bill.period_end)
            amount = round_money(round_money(fee * index / 100) * days / period.full_days)
            notes.append(
                _credit_days(
                    ctx,
                    row,
                    bill,
                    amount,
                    f"Reduction {max(first, bill.period_start)} - {min(last, bill.period_end)} ({days} day(s))",
                    max(first, bill.period_start),
                    min(last, bill.period_end),
                )
            )
    out = show(ctx, subscription)
    out["credit_notes"] = notes
    return out


def _overlap_days(a: date, b: date, c: date, d: date) -> int:
    lo, hi = max(a, c), min(b, d)
    return (hi - lo).days + 1 if lo <= hi else 0


def _price_on(ctx: Context, row: Subscription, day: date) -> tuple[Decimal, Decimal]:
    fee = in_force(_history(ctx, SubscriptionPrice, row.subscription, "fee"), day)
    index = in_force(_history(ctx, SubscriptionIndex, row.subscription, "index"), day) or Decimal(100)
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


def _net_billed(
    ctx: Context, row: Subscription, bill: SubscriptionBilling
) -> tuple[Decimal, int | None, str | None]:
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
    credit = invoices.create_invoice(
        ctx,
        customer=row.customer,
        currency=row.currency,
        kind="credit",
        credits=invoice,
        note=f"{text}, {row.subscription}",
        lines=[
            invoices.NewLine(
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
    return credit["invoice"]


def cancel(ctx: Context, subscription: str, on: date, *, credit: bool = False) -> dict[str, Any]:
    """No period after ``on`` is billed; with ``credit``, days already billed after ``on`` are credited pro rata."""
    row = get(ctx, subscription)
    if on < row.start - ONE_DAY:
        raise InvalidInput("on", on.isoformat(), f"is before the subscription starts ({row.start})")
    if row.canceled_on is not None and row.canceled_on <= on:
        raise RuleViolation("cancel-once", f"{subscription} is already canceled on {row.canceled_on}")
    row.canceled_on = on
    _touch(ctx, row)
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
            amount = round_money(net * days / billed_days)
            note = _credit_days(
                ctx,
                row,
                bill,
                amount,
                f"Cancellation: {first} - {bill.period_end} ({days} day(s))",
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


# --- the invoicing run -------------------------------------------------------------------------


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


def _by_subscription(ctx: Context, model: Any, keys: Sequence[str], *columns: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    query = select(model.subscription, *columns)
    rows = (
        ctx.execute(query.where(model.subscription.in_(list(keys))))
        if len(keys) <= IN_CHUNK
        else ctx.execute(query)
    )
    wanted = set(keys)
    for key, *values in rows:
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
) -> dict[str, Any]:
    """Bill every period that starts on or before ``through`` and is not billed yet, oldest first, on one
    invoice per customer and currency.  Subscriptions whose data is wrong are rejected (named, with the
    reason); the others are billed."""
    # queue behind any other run: they all update this row first (SQLite's write lock does the same)
    ctx.execute(select(NumberSequence.name).where(NumberSequence.name == "invoice").with_for_update())
    candidates = _candidates(ctx, through, customer, group)
    keys = [c.subscription for c in candidates]
    groups = {g.group: policy_of(g) for g in ctx.execute(select(SubscriptionGroup)).scalars()}
    prices = _by_subscription(ctx, SubscriptionPrice, keys, SubscriptionPrice.valid_from, SubscriptionPrice.fee)
    indexes = _by_subscription(ctx, SubscriptionIndex, keys, SubscriptionIndex.valid_from, SubscriptionIndex.index)
    cuts = _by_subscription(
        ctx, SubscriptionReduction, keys, SubscriptionReduction.first_day, SubscriptionReduction.last_day
    )
    billed = _by_subscription(
        ctx, SubscriptionBilling, keys, SubscriptionBilling.period_start, SubscriptionBilling.period_end
    )

    work: list[_Work] = []
    rejected: list[dict[str, str]] = []
    for number, row in enumerate(candidates, start=1):
        try:
            item = _plan(
                row,
                groups[row.group],
                through,
                prices[row.subscription],
                indexes[row.subscription],
                cuts[row.subscription],
                billed[row.subscription],
            )
        except CustSvcError as exc:
            rejected.append({"subscription": row.subscription, "customer": row.customer, "reason": exc.message})
        else:
            if item.charges or item.free:
                work.append(item)
        if progress and (number % 250 == 0 or number == len(candidates)):
            progress(number, len(candidates))
    result = _write(ctx, work, through)
    result["rejected"] = rejected
    result["through"] = through
    return result


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
        if result.total < 0:  # pragma: no cover - reductions are capped at the period's amount
            raise RuleViolation(
                "no-negative-periods", f"period {period.start} - {period.end} would cost {result.total}"
            )
        if result.free:
            item.free.append(period)
        else:
            item.charges.append(result)
    return item


def _write(ctx: Context, work: list[_Work], through: date) -> dict[str, Any]:
    now, actor = ctx.now, ctx.actor
    today = ctx.today
    per_invoice: dict[tuple[str, str], list[tuple[_Work, Charge]]] = defaultdict(list)
    for item in work:
        for result in item.charges:
            per_invoice[(item.row.customer, item.row.currency)].append((item, result))
    numbers = iter(sequences.take(ctx, "invoice", len(per_invoice)))
    invoice_rows, line_rows, line_meta = [], [], []
    summary = []
    for (customer, currency), charges in per_invoice.items():
        number = next(numbers)
        lines = []
        for item, result in sorted(charges, key=lambda c: (c[1].period.start, c[0].row.subscription)):
            label = item.row.description or f"Subscription {item.row.subscription}"
            text = f"{label}, {result.period.start} - {result.period.end}"
            lines.append((item, result, text, Decimal(1), result.base, result.base, "base"))
            if result.reduction:
                lines.append(
                    (
                        item,
                        result,
                        f"Reduction, {result.reduction_days} day(s) of {result.period.start} - {result.period.end}",
                        Decimal(1),
                        result.reduction,
                        result.reduction,
                        "reduction",
                    )
                )
        total = sum((amount for *_rest, amount, _kind in lines), Decimal("0.00"))
        invoice_rows.append(
            {
                "number": number,
                "kind": "invoice",
                "customer": customer,
                "currency": currency,
                "invoice_date": today,
                "credits": None,
                "total_cents": total,
                "note": f"Subscriptions through {through}",
                "created_at": now,
                "created_by": actor,
                "updated_at": None,
                "updated_by": None,
            }
        )
        for line_no, (item, result, text, qty, price, amount, kind) in enumerate(lines, start=1):
            line_rows.append(
                {
                    "invoice": number,
                    "line_no": line_no,
                    "description": text,
                    "quantity_milli": qty,
                    "unit_price_cents": price,
                    "amount_cents": amount,
                    "source_type": "subscription",
                    "source": item.row.subscription,
                    "order_line_id": None,
                    "credited_line_id": None,
                    "subscription": item.row.subscription,
                    "period_start": result.period.start,
                    "period_end": result.period.end,
                }
            )
            line_meta.append((item, result, kind))
        summary.append({"invoice": number, "customer": customer, "currency": currency, "total": total, "lines": lines})
    connection = ctx.connection()
    if invoice_rows:
        connection.execute(insert(Invoice.__table__), invoice_rows)  # type: ignore[attr-defined]
    if line_rows:
        connection.execute(insert(InvoiceLine.__table__), line_rows)  # type: ignore[attr-defined]
    # the new lines' ids, by (invoice, line number): one query instead of RETURNING row by row
    ids_by_key: dict[tuple[str, int], int] = {}
    new_numbers = [row["number"] for row in invoice_rows]
    for start in range(0, len(new_numbers), IN_CHUNK):
        chunk = new_numbers[start : start + IN_CHUNK]
        for line_id, number, line_no in connection.execute(
            select(InvoiceLine.id, InvoiceLine.invoice, InvoiceLine.line_no).where(InvoiceLine.invoice.in_(chunk))
        ):
            ids_by_key[(number, line_no)] = line_id
    ids = [ids_by_key[(row["invoice"], row["line_no"])] for row in line_rows]
    billing = []
    for (item, result, kind), line_id in zip(line_meta, ids, strict=True):
        if kind == "base":
            billing.append(
                {
                    "subscription": item.row.subscription,
                    "period_start": result.period.start,
                    "period_end": result.period.end,
                    "invoice_line_id": line_id,
                    "billed_at": now,
                    "billed_by": actor,
                }
            )
    for item in work:
        for period in item.free:
            billing.append(
                {
                    "subscription": item.row.subscription,
                    "period_start": period.start,
                    "period_end": period.end,
                    "invoice_line_id": None,
                    "billed_at": now,
                    "billed_by": actor,
                }
            )
    if billing:
        connection.execute(insert(SubscriptionBilling.__table__), billing)  # type: ignore[attr-defined]
    _advance_billed_through(ctx, [item.row.subscription for item in work])
    periods_billed = sum(len(item.charges) for item in work)
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for entry in summary:
        totals[entry["currency"]] += entry["total"]
    return {
        "periods": periods_billed,
        "free_periods": sum(len(item.free) for item in work),
        "invoices": [
            {
                "invoice": e["invoice"],
                "customer": e["customer"],
                "currency": e["currency"],
                "total": e["total"],
                "lines": [
                    {
                        "subscription": i.row.subscription,
                        "description": text,
                        "period_start": r.period.start,
                        "period_end": r.period.end,
                        "amount": amount,
                        "kind": kind,
                    }
                    for i, r, text, _q, _p, amount, kind in e["lines"]
                ],
            }
            for e in summary
        ],
        "totals": dict(totals),
    }


def _advance_billed_through(ctx: Context, keys: Sequence[str]) -> None:
    """Move each subscription's ``billed_through`` to the end of the billed periods that follow on
    from its start without a gap."""
    if not keys:
        return
    rows = _by_subscription(
        ctx, SubscriptionBilling, list(keys), SubscriptionBilling.period_start, SubscriptionBilling.period_end
    )
    starts = (
        dict(
            ctx.execute(
                select(Subscription.subscription, Subscription.start).where(Subscription.subscription.in_(list(keys)))
            ).all()
        )
        if len(keys) <= IN_CHUNK
        else dict(ctx.execute(select(Subscription.subscription, Subscription.start)).all())
    )
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
                f"{line.subscription} {bill.period_start} - {bill.period_end} is not wholly credited; credit all its lines to reopen it",
            )
        ctx.execute(delete(SubscriptionBilling).where(SubscriptionBilling.id == bill.id))
        touched.add(line.subscription)
    ctx.flush()
    _advance_billed_through(ctx, sorted(touched))


# --- explanations ------------------------------------------------------------------------------


def explain(ctx: Context, subscription: str, through: date | None = None) -> dict[str, Any]:
    """Every period up to ``through`` with its dates, price, index, reductions, proration and the invoice."""
    row = get(ctx, subscription)
    policy = policy_of(get_group(ctx, row.group))
    until = through or ctx.today
    prices = _history(ctx, SubscriptionPrice, subscription, "fee")
    indexes = _history(ctx, SubscriptionIndex, subscription, "index")
    cuts = [
        (r.first_day, r.last_day)
        for r in ctx.execute(
            select(SubscriptionReduction).where(SubscriptionReduction.subscription == subscription)
        ).scalars()
    ]
    bills = {
        b.period_start: b
        for b in ctx.execute(
            select(SubscriptionBilling).where(SubscriptionBilling.subscription == subscription)
        ).scalars()
    }
    lines = list(
        ctx.execute(
            select(InvoiceLine, Invoice.kind)
            .join(Invoice, Invoice.number == InvoiceLine.invoice)
            .where(InvoiceLine.subscription == subscription)
        )
    )
    out = []
    for period in periods(policy, row.start, last_day(row), until):
        bill = bills.get(period.start)
        if bill is not None and bill.period_end != period.end:
            # billed before an end or cancellation cut the period: show what was billed
            period = Period(bill.period_start, bill.period_end, period.full_start, period.full_end)
        fee = in_force(prices, period.start)
        index = in_force(indexes, period.start) or Decimal(100)
        entry: dict[str, Any] = {
            "period_start": period.start,
            "period_end": period.end,
            "days": period.days,
            "full_days": period.full_days,
        }
        if fee is None:
            entry.update(
                {"fee": None, "total": None, "arithmetic": "no price in force", "invoice": None, "credited": None}
            )
            out.append(entry)
            continue
        result = charge(policy, period, fee, index, cuts)
        billed_lines = [
            (line, kind)
            for line, kind in lines
            if line.period_start is not None and period.start <= line.period_start <= period.end
        ]
        invoice_numbers = sorted({line.invoice for line, kind in billed_lines if kind == "invoice"})
        credits = sorted({line.invoice for line, kind in billed_lines if kind == "credit"})
        state = (
            "free"
            if result.free
            else ("billed" if bill is not None else ("credited, open again" if credits else "not billed yet"))
        )
        entry.update(
            {
                "fee": fee,
                "index": index,
                "price": result.price,
                "base": result.base,
                "reduction_days": result.reduction_days,
                "reduction": result.reduction,
                "total": result.total,
                "state": state,
                "invoice": ", ".join(invoice_numbers) or None,
                "credited": ", ".join(credits) or None,
                "arithmetic": "; ".join(result.explanation),
            }
        )
        out.append(entry)
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


# --- accruals ----------------------------------------------------------------------------------


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
