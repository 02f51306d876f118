"""One chunk of an invoicing run (``billing``): the periods of a subscription still to bill and what
they cost (``plan``), and the draft invoices, invoice lines and billing rows they make (``write``);
``Outcome`` adds the chunks up into the run's result."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from custsvc.context import Context
from custsvc.domain.money import check_amount
from custsvc.domain.periods import Charge, Period, Policy, charge, in_force, periods
from custsvc.errors import RuleViolation
from custsvc.models import SubscriptionBilling
from custsvc.services import invoices, sequences
from custsvc.services.invoices import DraftInvoice, DraftLine, Written
from custsvc.services.subscriptions.catalog import last_day
from custsvc.values import counted

ONE = Decimal(1)


@dataclass
class Work:
    row: Any  # the subscription's row (its columns as the run reads them)
    charges: list[Charge] = field(default_factory=list)
    free: list[Period] = field(default_factory=list)


def plan(
    row: Any,
    policy: Policy,
    through: date,
    prices: list[tuple[date, Decimal]],
    indexes: list[tuple[date, Decimal]],
    cuts: list[tuple[date, date]],
    billed: list[tuple[date, date]],
) -> Work:
    """The periods after ``billed_through`` up to ``through`` not billed yet (``billed``), with their charges."""
    done = {start for start, _end in billed}
    item = Work(row)
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


class Outcome:
    """What the run made so far: counts, totals, the invoices (or only their numbers), the rejected."""

    def __init__(self, details: bool) -> None:
        self.details = details
        self.periods = self.free_periods = self.invoice_count = 0
        self.invoices: list[Any] = []
        self.totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        self.rejected: list[dict[str, str]] = []

    def add(self, work: list[Work], written: list[Written], meta: list[list[tuple[Work, Charge, str]]]) -> None:
        self.periods += sum(len(item.charges) for item in work)
        self.free_periods += sum(len(item.free) for item in work)
        self.invoice_count += len(written)
        for invoice, kinds in zip(written, meta, strict=True):
            self.totals[invoice.draft.currency or ""] += invoice.total
            self.invoices.append(_summary(invoice, kinds) if self.details else invoice.number)

    def result(self, through: date) -> dict[str, Any]:
        return {
            "periods": self.periods,
            "free_periods": self.free_periods,
            "invoices": self.invoices,
            "totals": dict(self.totals),
            "rejected": self.rejected,
            "through": through,
        }


def write(ctx: Context, work: list[Work], through: date, outcome: Outcome, *, dry_run: bool) -> None:
    """The chunk's invoices (numbered after the chunks before it) and billing rows; into ``outcome``."""
    drafts, meta = _drafts(work, through)
    written = invoices.write(ctx, drafts, preview=dry_run)
    if dry_run and outcome.invoice_count and written:  # a preview numbers from the counter each time
        numbers = sequences.peek(ctx, "invoice", outcome.invoice_count + len(written))[outcome.invoice_count :]
        written = [replace(invoice, number=number) for invoice, number in zip(written, numbers, strict=True)]
    if not dry_run:
        billing = _billing_rows(ctx, work, written, meta)
        if billing:
            ctx.connection().execute(insert(SubscriptionBilling.__table__), billing)  # type: ignore[attr-defined]
    outcome.add(work, written, meta)


def _drafts(work: list[Work], through: date) -> tuple[list[DraftInvoice], list[list[tuple[Work, Charge, str]]]]:
    """One draft invoice per customer and currency: per period a line, and a line for its reductions.
    Beside each draft, what each of its lines bills (subscription, charge, base | reduction)."""
    per_invoice: dict[tuple[str, str], list[tuple[Work, Charge]]] = defaultdict(list)
    for item in work:
        for result in item.charges:
            per_invoice[(item.row.customer, item.row.currency)].append((item, result))
    drafts, meta = [], []
    for (customer, currency), charges in per_invoice.items():
        draft = DraftInvoice(customer=customer, currency=currency, note=f"Subscriptions through {through}")
        kinds: list[tuple[Work, Charge, str]] = []
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


def _line(item: Work, result: Charge, text: str, amount: Decimal) -> DraftLine:
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


def _billing_rows(ctx: Context, work: list[Work], written: list[Written], meta: list[list[Any]]) -> list[dict]:
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


def _summary(invoice: Written, kinds: list[tuple[Work, Charge, str]]) -> dict[str, Any]:
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
