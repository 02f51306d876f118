"""Invoices and credit notes, numbered from one gap-free sequence, with exact totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from custsvc.context import Context
from custsvc.domain.orders import line_amount
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import Invoice, InvoiceLine, OrderLine
from custsvc.services import sequences, settings


@dataclass
class NewLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    source_type: str
    source: str
    order_line_id: int | None = None
    credited_line_id: int | None = None
    amount: Decimal | None = None  # defaults to quantity x unit price, rounded
    subscription: str | None = None
    period_start: date | None = None
    period_end: date | None = None



def create_invoice(
    ctx: Context,
    *,
    customer: str,
    lines: Sequence[NewLine],
    currency: str | None = None,
    kind: str = "invoice",
    credits: str | None = None,
    note: str | None = None,
    invoice_date: date | None = None,
) -> dict[str, Any]:
    if not lines:
        raise RuleViolation("invoice-has-lines", "an invoice needs at least one line")
    number = sequences.next_number(ctx, "invoice")
    amounts = [
        line.amount if line.amount is not None else line_amount(line.quantity, line.unit_price) for line in lines
    ]
    total = sum(amounts, Decimal("0.00"))
    ctx.add(
        Invoice(
            number=number,
            kind=kind,
            customer=customer,
            currency=currency or settings.currency(ctx),
            invoice_date=invoice_date or ctx.today,
            credits=credits,
            total=total,
            note=note,
            created_at=ctx.now,
            created_by=ctx.actor,
        )
    )
    ctx.flush()
    ctx.execute(
        insert(InvoiceLine),
        [
            {
                "invoice": number,
                "line_no": n,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": amount,
                "source_type": line.source_type,
                "source": line.source,
                "order_line_id": line.order_line_id,
                "credited_line_id": line.credited_line_id,
                "subscription": line.subscription,
                "period_start": line.period_start,
                "period_end": line.period_end,
            }
            for n, (line, amount) in enumerate(zip(lines, amounts, strict=True), start=1)
        ],
    )
    ctx.flush()
    return show(ctx, number)


def get(ctx: Context, number: str) -> Invoice:
    row = ctx.get(Invoice, number)
    if row is None:
        raise NotFound("invoice", number)
    return row


def _record(invoice: Invoice, lines: int) -> dict[str, Any]:
    return {
        "invoice": invoice.number,
        "kind": invoice.kind,
        "date": invoice.invoice_date,
        "customer": invoice.customer,
        "currency": invoice.currency,
        "total": invoice.total,
        "credits": invoice.credits,
        "lines": lines,
        "note": invoice.note,
        "created_at": invoice.created_at,
        "created_by": invoice.created_by,
    }


def line_record(invoice: Invoice, line: InvoiceLine, credited: Decimal | None = None) -> dict[str, Any]:
    return {
        "invoice": invoice.number,
        "line": line.line_no,
        "date": invoice.invoice_date,
        "customer": invoice.customer,
        "currency": invoice.currency,
        "kind": invoice.kind,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "amount": line.amount,
        "source_type": line.source_type,
        "source": line.source,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "credits": invoice.credits,
        **({"credited": credited} if credited is not None else {}),
    }


def _credited_amounts(ctx: Context, line_ids: Sequence[int]) -> dict[int, Decimal]:
    if not line_ids:
        return {}
    rows = ctx.execute(
        select(InvoiceLine.credited_line_id, func.sum(InvoiceLine.amount))
        .where(InvoiceLine.credited_line_id.in_(list(line_ids)))
        .group_by(InvoiceLine.credited_line_id)
    )
    return {line_id: -total for line_id, total in rows}


def show(ctx: Context, number: str) -> dict[str, Any]:
    invoice = get(ctx, number)
    lines = list(
        ctx.execute(
            select(InvoiceLine).where(InvoiceLine.invoice == number).order_by(InvoiceLine.line_no)
        ).scalars()
    )
    credited = _credited_amounts(ctx, [line.id for line in lines]) if invoice.kind == "invoice" else {}
    record = _record(invoice, len(lines))
    record["line_items"] = [
        line_record(invoice, line, credited.get(line.id, Decimal("0.00")) if invoice.kind == "invoice" else None)
        for line in lines
    ]
    credit_notes = (
        ctx.execute(select(Invoice.number).where(Invoice.credits == number).order_by(Invoice.number))
        .scalars()
        .all()
    )
    record["credit_notes"] = list(credit_notes)
    return record


def list_invoices(
    ctx: Context,
    *,
    customer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    query = select(Invoice)
    if customer:
        query = query.where(Invoice.customer == customer)
    if date_from:
        query = query.where(Invoice.invoice_date >= date_from)
    if date_to:
        query = query.where(Invoice.invoice_date <= date_to)
    if kind:
        query = query.where(Invoice.kind == kind)
    query = query.order_by(Invoice.number)
    if limit:
        query = query.limit(limit)
    invoices = list(ctx.execute(query).scalars())
    counts: dict[str, int] = defaultdict(int)
    if invoices:
        count_query = select(InvoiceLine.invoice, func.count()).group_by(InvoiceLine.invoice)
        if len(invoices) <= 900:
            count_query = count_query.where(InvoiceLine.invoice.in_([i.number for i in invoices]))
        counts.update(dict(ctx.execute(count_query).all()))
    return [_record(i, counts[i.number]) for i in invoices]


def export_lines(
    ctx: Context, *, date_from: date, date_to: date, customer: str | None = None
) -> list[dict[str, Any]]:
    """One row per invoice line in the period, ready for an accounting import."""
    if date_to < date_from:
        raise InvalidInput("to", date_to.isoformat(), "is before --from")
    query = (
        select(Invoice, InvoiceLine)
        .join(InvoiceLine, InvoiceLine.invoice == Invoice.number)
        .where(Invoice.invoice_date >= date_from, Invoice.invoice_date <= date_to)
        .order_by(Invoice.number, InvoiceLine.line_no)
    )
    if customer:
        query = query.where(Invoice.customer == customer)
    return [line_record(invoice, line) for invoice, line in ctx.execute(query)]


def credit(
    ctx: Context, number: str, *, line_nos: Sequence[int] = (), reopen: bool = False, note: str | None = None
) -> dict[str, Any]:
    """A credit note reversing lines of an invoice (all that are not yet credited, or the given ones).

    With ``reopen`` what the lines billed becomes billable again (order lines go back to created)."""
    invoice = get(ctx, number)
    if invoice.kind != "invoice":
        raise RuleViolation("credit-invoices-only", f"{number} is a credit note; credit notes are not credited")
    lines = list(
        ctx.execute(
            select(InvoiceLine).where(InvoiceLine.invoice == number).order_by(InvoiceLine.line_no)
        ).scalars()
    )
    by_no = {line.line_no: line for line in lines}
    for n in line_nos:
        if n not in by_no:
            raise NotFound("invoice line", f"{number}/{n}")
    chosen = [by_no[n] for n in dict.fromkeys(line_nos)] if line_nos else lines
    credited = _credited_amounts(ctx, [line.id for line in chosen])
    new_lines = []
    for line in chosen:
        remaining = line.amount - credited.get(line.id, Decimal("0.00"))
        if remaining == 0:
            if line_nos:
                raise RuleViolation("credit-once", f"line {line.line_no} of {number} is already credited")
            continue
        whole = remaining == line.amount
        new_lines.append(
            NewLine(
                description=f"Credit: {line.description}",
                quantity=-line.quantity if whole else Decimal(-1),
                unit_price=line.unit_price if whole else remaining,
                amount=-remaining,
                source_type=line.source_type,
                source=line.source,
                order_line_id=line.order_line_id,
                credited_line_id=line.id,
                subscription=line.subscription,
                period_start=line.period_start,
                period_end=line.period_end,
            )
        )
    if not new_lines:
        raise RuleViolation("credit-once", f"every line of {number} is already credited")
    note_text = note or f"Credit note for {number}"
    result = create_invoice(
        ctx,
        customer=invoice.customer,
        currency=invoice.currency,
        kind="credit",
        credits=number,
        note=note_text,
        lines=new_lines,
    )
    if reopen:
        reopen_sources(ctx, [line for line in chosen if line.id in {n.credited_line_id for n in new_lines}])
    return result


def reopen_sources(ctx: Context, lines: Sequence[InvoiceLine]) -> None:
    """Make what credited lines billed billable again: order lines go back to open, subscription
    periods can be invoiced again."""
    if any(line.subscription for line in lines):
        from custsvc.services import subscriptions

        subscriptions.reopen(ctx, [line for line in lines if line.subscription])
    order_line_ids = [line.order_line_id for line in lines if line.order_line_id is not None]
    if order_line_ids:
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.id.in_(order_line_ids), OrderLine.status == "posted")
            .values(status="created", updated_at=ctx.now, updated_by=ctx.actor)
        )
    ctx.flush()
