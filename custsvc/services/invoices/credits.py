"""Credit notes: a credit note reverses lines of an invoice (each line at most once), written by the
one invoice writer; with ``reopen`` the capability each line came from makes it billable again."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.errors import NotFound, RuleViolation
from custsvc.models import InvoiceLine
from custsvc.services.invoices.reading import credited_amounts, get, show
from custsvc.services.invoices.writer import DraftInvoice, DraftLine, write_one


def _chosen(ctx: Context, number: str, line_nos: Sequence[int]) -> list[InvoiceLine]:
    """The lines to credit: the given ones (each must exist), else all."""
    query = select(InvoiceLine).where(InvoiceLine.invoice == number).order_by(InvoiceLine.line_no)
    lines = list(ctx.execute(query).scalars())
    by_no = {line.line_no: line for line in lines}
    for n in line_nos:
        if n not in by_no:
            raise NotFound("invoice line", f"{number}/{n}")
    return [by_no[n] for n in dict.fromkeys(line_nos)] if line_nos else lines


def _credit_line(line: InvoiceLine, remaining: Decimal) -> DraftLine:
    """The line that credits what is left of ``line``: the same source, negative."""
    whole = remaining == line.amount
    return DraftLine(
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


def credit(
    ctx: Context, number: str, *, line_nos: Sequence[int] = (), reopen: bool = False, note: str | None = None
) -> dict[str, Any]:
    """A credit note reversing lines of an invoice (all that are not yet credited, or the given ones).

    With ``reopen`` what the lines billed becomes billable again (order lines go back to created)."""
    note = check_text(note, "note") if note else None
    invoice = get(ctx, number)
    if invoice.kind != "invoice":
        raise RuleViolation("credit-invoices-only", f"{number} is a credit note; credit notes are not credited")
    chosen = _chosen(ctx, number, line_nos)
    credited = credited_amounts(ctx, [line.id for line in chosen])
    new_lines, credited_lines = [], []
    for line in chosen:
        remaining = line.amount - credited.get(line.id, Decimal("0.00"))
        if remaining == 0:
            if line_nos:
                raise _nothing_left(number, [line])
            continue
        new_lines.append(_credit_line(line, remaining))
        credited_lines.append(line)
    if not new_lines:
        raise _nothing_left(number, chosen)
    draft = DraftInvoice(
        customer=invoice.customer,
        currency=invoice.currency,
        kind="credit",
        credits=number,
        note=note or f"Credit note for {number}",
        lines=new_lines,
    )
    credit_note = write_one(ctx, draft)
    if reopen:
        reopen_sources(ctx, credited_lines)
    return show(ctx, credit_note)


def reopen_sources(ctx: Context, lines: Sequence[InvoiceLine]) -> None:
    """Make what credited lines billed billable again, by the capability each line came from
    (order lines go back to open, subscription periods can be invoiced again ...)."""
    by_kind: dict[str, list[InvoiceLine]] = {}
    for line in lines:
        by_kind.setdefault(line.source_type, []).append(line)
    for kind, group in by_kind.items():
        ctx.bus.reopen(ctx, kind, group)
    ctx.flush()


def _nothing_left(number: str, lines: Sequence[InvoiceLine]) -> RuleViolation:
    """Why nothing of these lines can be credited: credited already, or billed at zero (warranty)."""
    which = f"line {lines[0].line_no} of {number}" if len(lines) == 1 else f"every line of {number}"
    if all(line.amount == 0 for line in lines):
        return RuleViolation("credit-nothing", f"{which} is billed at zero (warranty): there is nothing to credit")
    return RuleViolation("credit-once", f"{which} is already credited")
