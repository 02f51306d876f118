"""The one invoice writer: every capability (order posting, the subscription run, credit notes,
reductions, return credits) hands it draft invoices with draft lines. It numbers them from the one
gap-free sequence, inside the caller's transaction, and writes them in bulk.

Which capability a line came from is data on the line: ``source_type`` (order, subscription,
return) and ``source`` (the order number, subscription id, RMA), with the capability's own keys
(``order_line_id``; ``subscription`` and the period it bills). Credit notes copy them, so a credit
can be re-opened by the capability that made the line (``Bus.on_reopen``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.money import check_amount
from custsvc.domain.orders import line_amount
from custsvc.errors import RuleViolation
from custsvc.models import Invoice, InvoiceLine
from custsvc.services import sequences, settings
from custsvc.services.batch import select_in


@dataclass(slots=True)
class DraftLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    #: the capability the line comes from (order | subscription | return) and its document
    source_type: str
    source: str
    #: defaults to quantity x unit price, rounded half-up to cents
    amount: Decimal | None = None
    order_line_id: int | None = None
    credited_line_id: int | None = None
    subscription: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    #: a warranty line (billed at zero): what it would have cost
    warranty_value: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.amount if self.amount is not None else line_amount(self.quantity, self.unit_price)


@dataclass(slots=True)
class DraftInvoice:
    customer: str
    lines: list[DraftLine] = field(default_factory=list)
    currency: str | None = None
    kind: str = "invoice"  # invoice | credit
    #: the invoice a credit note credits
    credits: str | None = None
    note: str | None = None
    invoice_date: date | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


@dataclass(slots=True)
class Written:
    number: str
    draft: DraftInvoice
    #: the ids of the new lines, in the draft's order (empty in a preview)
    line_ids: list[int]
    total: Decimal


def write(ctx: Context, drafts: Sequence[DraftInvoice], *, preview: bool = False) -> list[Written]:
    """Number and write the drafts (in their order). ``preview``: the numbers they would get, nothing
    written and no number taken (a dry run)."""
    if not drafts:
        return []
    for draft in drafts:
        _check(draft)
    take = sequences.peek if preview else sequences.take
    numbers = take(ctx, "invoice", len(drafts))
    totals = [draft.total for draft in drafts]
    if preview:
        return [Written(n, d, [], t) for n, d, t in zip(numbers, drafts, totals, strict=True)]
    default_currency = settings.currency(ctx) if any(d.currency is None for d in drafts) else None
    invoice_rows, line_rows = [], []
    for number, draft, total in zip(numbers, drafts, totals, strict=True):
        invoice_rows.append(_invoice_row(ctx, number, draft, total, default_currency))
        line_rows.extend(_line_row(number, n, line) for n, line in enumerate(draft.lines, start=1))
    connection = ctx.connection()
    connection.execute(insert(Invoice.__table__), invoice_rows)  # type: ignore[attr-defined]
    connection.execute(insert(InvoiceLine.__table__), line_rows)  # type: ignore[attr-defined]
    # the new lines' ids by (invoice, line number): one query per 900 invoices, not RETURNING row by row
    query = select(InvoiceLine.id, InvoiceLine.invoice, InvoiceLine.line_no)
    ids = {(inv, no): line_id for line_id, inv, no in select_in(connection, query, InvoiceLine.invoice, numbers)}
    return [
        Written(number, draft, [ids[(number, n)] for n in range(1, len(draft.lines) + 1)], total)
        for number, draft, total in zip(numbers, drafts, totals, strict=True)
    ]


def _check(draft: DraftInvoice) -> None:
    """An invoice has lines, and every amount on it is one custsvc can keep."""
    if not draft.lines:
        raise RuleViolation("invoice-has-lines", "an invoice needs at least one line")
    for line in draft.lines:
        check_amount(line.total, "invoice line", line.description)
    check_amount(draft.total, f"invoice total for {draft.customer}")


def write_one(ctx: Context, draft: DraftInvoice) -> str:
    return write(ctx, [draft])[0].number


def _invoice_row(
    ctx: Context, number: str, draft: DraftInvoice, total: Decimal, default_currency: str | None
) -> dict[str, Any]:
    return {
        "number": number,
        "kind": draft.kind,
        "customer": draft.customer,
        "currency": draft.currency or default_currency,
        "invoice_date": draft.invoice_date or ctx.today,
        "credits": draft.credits,
        "total_cents": total,
        "note": draft.note,
        "created_at": ctx.now,
        "created_by": ctx.actor,
        "updated_at": None,
        "updated_by": None,
    }


def _line_row(number: str, line_no: int, line: DraftLine) -> dict[str, Any]:
    return {
        "invoice": number,
        "line_no": line_no,
        "description": line.description,
        "quantity_milli": line.quantity,
        "unit_price_cents": line.unit_price,
        "amount_cents": line.total,
        "source_type": line.source_type,
        "source": line.source,
        "order_line_id": line.order_line_id,
        "credited_line_id": line.credited_line_id,
        "subscription": line.subscription,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "warranty_value_cents": line.warranty_value,
    }
