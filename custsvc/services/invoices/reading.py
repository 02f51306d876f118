"""Invoices and credit notes as records: one with its lines, lists, and the export for accounting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.errors import InvalidInput, NotFound, choice
from custsvc.models import Invoice, InvoiceLine
from custsvc.services.batch import select_in


def get(ctx: Context, number: str) -> Invoice:
    row = ctx.get(Invoice, number)
    if row is None:
        raise NotFound("invoice", number)
    return row


#: every field of an invoice as ``_record`` gives it (``invoice list``)
INVOICE_FIELDS = (
    "invoice", "kind", "date", "customer", "currency", "total", "credits", "lines", "note", "created_at", "created_by",
)  # fmt: skip
#: every field of an invoice line as ``line_record`` gives it (``invoice export``; ``show`` adds ``credited``)
LINE_FIELDS = (
    "invoice", "line", "date", "customer", "currency", "kind", "description", "quantity", "unit_price", "amount",
    "warranty_value", "source_type", "source", "period_start", "period_end", "credits",
)  # fmt: skip


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
        "warranty_value": line.warranty_value,
        "source_type": line.source_type,
        "source": line.source,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "credits": invoice.credits,
        **({"credited": credited} if credited is not None else {}),
    }


def credited_amounts(ctx: Context, line_ids: Sequence[int]) -> dict[int, Decimal]:
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
        ctx.execute(select(InvoiceLine).where(InvoiceLine.invoice == number).order_by(InvoiceLine.line_no)).scalars()
    )
    credited = credited_amounts(ctx, [line.id for line in lines]) if invoice.kind == "invoice" else {}
    record = _record(invoice, len(lines))
    record["line_items"] = [
        line_record(invoice, line, credited.get(line.id, Decimal("0.00")) if invoice.kind == "invoice" else None)
        for line in lines
    ]
    credit_notes = (
        ctx.execute(select(Invoice.number).where(Invoice.credits == number).order_by(Invoice.number)).scalars().all()
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
        kind = choice(kind, ("invoice", "credit"), "kind")
        query = query.where(Invoice.kind == kind)
    query = query.order_by(Invoice.number)
    if limit:
        query = query.limit(limit)
    invoices = list(ctx.execute(query).scalars())
    counts: dict[str, int] = defaultdict(int)
    count_query = select(InvoiceLine.invoice, func.count()).group_by(InvoiceLine.invoice)
    counts.update(dict(select_in(ctx, count_query, InvoiceLine.invoice, [i.number for i in invoices])))
    return [_record(i, counts[i.number]) for i in invoices]


def export_lines(ctx: Context, *, date_from: date, date_to: date, customer: str | None = None) -> list[dict[str, Any]]:
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
