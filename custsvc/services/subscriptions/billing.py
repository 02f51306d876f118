"""The invoicing run: safe to repeat and to run concurrently.

* every billed period gets a row in ``subscription_billing`` with a unique key (subscription, period
  start), so the database itself refuses a second bill for a period;
* a run is one transaction: killed half-way it leaves nothing, and the next run does all of it;
* runs queue on the invoice number sequence (SQLite's write lock, PostgreSQL's row lock), so a run
  that starts while another is busy sees its work and does only what is left; a run that finds
  nothing to bill (asked in a read transaction first) takes no lock at all;
* it reads only what is due: the subscriptions not billed up to ``through`` (a page at a time), and
  of each only its billing rows after ``billed_through`` (every period up to it is billed);
* it plans and writes whole customers a chunk at a time (a few thousand periods), through the one
  invoice writer, in bulk, and keeps nothing of a chunk but the totals: memory stays flat."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, or_, select, tuple_, update

from custsvc.context import Context
from custsvc.domain.periods import Policy
from custsvc.errors import CustSvcError, NotFound
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
from custsvc.services.batch import select_in
from custsvc.services.subscriptions.catalog import ONE_DAY, get_group, policy_of
from custsvc.services.subscriptions.runs import Outcome, Work, plan, write

#: about how many periods one chunk of customers bills: what a run plans, writes and forgets at a time
CHUNK_PERIODS = 4000
#: subscriptions read per statement, and what the run reads of each
PAGE = 5000
CANDIDATE = (
    Subscription.subscription,
    Subscription.customer,
    Subscription.group,
    Subscription.currency,
    Subscription.start,
    Subscription.end,
    Subscription.canceled_on,
    Subscription.description,
    Subscription.billed_through,
)
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 89, "year": 365}


def _filters(ctx: Context, through: date, customer: str | None, group: str | None) -> list[Any]:
    """Subscriptions that may have a period to bill: started by ``through`` and not billed up to it or their end."""
    s = Subscription
    where = [
        s.start <= through,
        or_(s.billed_through.is_(None), s.billed_through < through),
        or_(s.end.is_(None), s.billed_through.is_(None), s.billed_through < s.end),
        or_(s.canceled_on.is_(None), s.billed_through.is_(None), s.billed_through < s.canceled_on),
    ]
    if customer:
        if ctx.get(Customer, customer) is None:
            raise NotFound("customer", customer)
        where.append(s.customer == customer)
    if group:
        get_group(ctx, group)
        where.append(s.group == group)
    return where


def _candidates(ctx: Context, where: list[Any]) -> Iterator[Any]:
    """The candidates by customer and id, ``PAGE`` per statement (each page starts after the last)."""
    s = Subscription
    query = select(*CANDIDATE).where(*where).order_by(s.customer, s.subscription).limit(PAGE + 1)
    after: tuple[str, str] | None = None
    while True:
        page = query if after is None else query.where(tuple_(s.customer, s.subscription) > after)
        rows = list(ctx.execute(page))
        yield from rows[:PAGE]
        if len(rows) <= PAGE:
            return
        after = (rows[PAGE - 1].customer, rows[PAGE - 1].subscription)


def _chunks(rows: Iterator[Any], groups: dict[str, Policy], through: date) -> Iterator[list[Any]]:
    """Whole customers (one invoice each per currency), about ``CHUNK_PERIODS`` periods at a time."""
    chunk: list[Any] = []
    size, customer = 0, None
    for row in rows:
        if row.customer != customer and size >= CHUNK_PERIODS:
            yield chunk
            chunk, size = [], 0
        customer = row.customer
        chunk.append(row)
        policy = groups[row.group]
        since = row.billed_through or row.start
        size += 1 + max(0, (through - since).days) // (_PERIOD_DAYS[policy.unit] * policy.every)
    if chunk:
        yield chunk


def by_subscription(ctx: Context, model: Any, keys: Sequence[str], *columns: Any, where: Any = None) -> dict[str, list]:
    """Per subscription, the ``columns`` of its rows of ``model`` (one statement per 900 keys)."""
    out: dict[str, list[Any]] = defaultdict(list)
    query = select(model.subscription, *columns)
    if where is not None:
        query = query.join(Subscription, Subscription.subscription == model.subscription).where(where)
    for key, *values in select_in(ctx, query, model.subscription, keys):
        out[key].append(tuple(values) if len(values) > 1 else values[0])
    return out


def _billed_after(ctx: Context, keys: Sequence[str]) -> dict[str, list]:
    """The billed periods after each subscription's ``billed_through`` (those up to it are all billed)."""
    b = SubscriptionBilling
    after = or_(Subscription.billed_through.is_(None), b.period_start > Subscription.billed_through)
    return by_subscription(ctx, b, keys, b.period_start, b.period_end, where=after)


def invoice_run(
    ctx: Context,
    through: date,
    *,
    customer: str | None = None,
    group: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
    details: bool = True,
) -> dict[str, Any]:
    """Bill every period that starts on or before ``through`` and is not billed yet, oldest first, on one
    invoice per customer and currency.  Subscriptions whose data is wrong are rejected (named, with the
    reason); the others are billed. ``dry_run``: the same result, with the invoice numbers it would
    take, and nothing written. ``details=False``: ``invoices`` lists the invoice numbers only.

    The run asks first, in a read transaction (outside SQLite's write lock), whether anything may be
    due; then it queues behind any other run on the invoice sequence and bills what is due now."""
    with ctx.reading() as reader:
        where = _filters(reader, through, customer, group)
        if reader.execute(select(Subscription.subscription).where(*where).limit(1)).first() is None:
            return Outcome(details).result(through)
        if dry_run:
            return _run(reader, through, where, progress, dry_run=True, details=details)
    # queue behind any other run: they all update this row first (SQLite's write lock does the same)
    ctx.execute(select(NumberSequence.name).where(NumberSequence.name == "invoice").with_for_update())
    return _run(ctx, through, where, progress, dry_run=False, details=details)


def _run(
    ctx: Context,
    through: date,
    where: list[Any],
    progress: Callable[[int, int], None] | None,
    *,
    dry_run: bool,
    details: bool,
) -> dict[str, Any]:
    total = ctx.execute(select(func.count()).select_from(Subscription).where(*where)).scalar_one()
    groups = {g.group: policy_of(g) for g in ctx.execute(select(SubscriptionGroup)).scalars()}
    outcome, number = Outcome(details), 0
    for chunk in _chunks(_candidates(ctx, where), groups, through):
        keys = [row.subscription for row in chunk]
        prices = by_subscription(ctx, SubscriptionPrice, keys, SubscriptionPrice.valid_from, SubscriptionPrice.fee)
        indexes = by_subscription(ctx, SubscriptionIndex, keys, SubscriptionIndex.valid_from, SubscriptionIndex.index)
        r = SubscriptionReduction
        cuts = by_subscription(ctx, r, keys, r.first_day, r.last_day)
        billed = _billed_after(ctx, keys)
        work: list[Work] = []
        for row in chunk:
            key = row.subscription
            try:
                item = plan(row, groups[row.group], through, prices[key], indexes[key], cuts[key], billed[key])
            except CustSvcError as exc:
                outcome.rejected.append({"subscription": key, "customer": row.customer, "reason": exc.message})
            else:
                if item.charges or item.free:
                    work.append(item)
            number += 1
            if progress and (number % 250 == 0 or number == total):
                progress(number, total)
        write(ctx, work, through, outcome, dry_run=dry_run)
        if not dry_run:
            _advance(ctx, work, billed)
    return outcome.result(through)


def _advance(ctx: Context, work: list[Work], billed: dict[str, list]) -> None:
    """Move ``billed_through`` of the billed subscriptions on over the periods that now follow on from
    it without a gap (those billed by this run, and any billed after a gap before)."""
    updates = []
    for item in work:
        row = item.row
        periods = billed.get(row.subscription, []) + [(c.period.start, c.period.end) for c in item.charges]
        periods += [(p.start, p.end) for p in item.free]
        reached = row.billed_through
        expected = reached + ONE_DAY if reached is not None else row.start
        for first, last in sorted(periods):
            if first != expected:
                break
            reached, expected = last, last + ONE_DAY
        updates.append({"key": row.subscription, "through": reached})
    _set_billed_through(ctx, updates)


def _set_billed_through(ctx: Context, updates: list[dict[str, Any]]) -> None:
    if not updates:
        return
    table = Subscription.__table__  # type: ignore[attr-defined]
    ctx.connection().execute(
        update(table).where(table.c.subscription == bindparam("key")).values(billed_through=bindparam("through")),
        updates,
    )


def advance_billed_through(ctx: Context, keys: Sequence[str]) -> None:
    """Move each subscription's ``billed_through`` to the end of the billed periods that follow on
    from its start without a gap (from the start: a credit may have opened a gap anywhere)."""
    if not keys:
        return
    rows = by_subscription(
        ctx, SubscriptionBilling, list(keys), SubscriptionBilling.period_start, SubscriptionBilling.period_end
    )
    query = select(Subscription.subscription, Subscription.start)
    starts = dict(select_in(ctx, query, Subscription.subscription, list(keys)))
    updates = []
    for key in keys:
        expected = starts[key]
        reached = None
        for first, last in sorted(rows.get(key, [])):
            if first != expected:
                break
            reached, expected = last, last + ONE_DAY
        updates.append({"key": key, "through": reached})
    _set_billed_through(ctx, updates)
