"""Return orders (RMA): created for a customer with a deadline for the goods, opened once they have
lines, canceled while still created, closed once every line is finished (or by hand with a reason,
which marks the lines still expected lost); one, and a filtered list.

A list is two statements whatever its length (per 900 return orders for the lines): the headers, then
the lines of all of them (``lines.records``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain import returns as rules
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.timeparse import day_start
from custsvc.errors import InvalidInput, NotFound, RuleViolation, choice
from custsvc.models import Customer, ReturnLine, ReturnOrder
from custsvc.services import sequences, settings

#: the header fields of a return order's record (``list`` adds line counts, ``show`` the lines)
FIELDS = [
    "rma", "customer", "reason", "status", "validity_days", "deadline", "overdue", "note", "lines", "open_lines",
    "created_at", "created_by", "closed_at", "close_reason",
]  # fmt: skip
MAX_VALIDITY = 3650


def get(ctx: Context, rma: str, lock: bool = False) -> ReturnOrder:
    key = check_key(rma, "return order")
    query = select(ReturnOrder).where(ReturnOrder.number == key)
    row = ctx.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound("return order", key)
    return row


def is_overdue(ctx: Context, row: ReturnOrder) -> bool:
    """Open, and the last day goods may arrive is past."""
    return row.status == "open" and ctx.today > row.deadline


def record(ctx: Context, row: ReturnOrder, found: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The header; with the lines ``found``, their counts (``lines``, ``open_lines``)."""
    found = found or []
    return {
        "rma": row.number,
        "customer": row.customer,
        "reason": row.reason,
        "status": row.status,
        "validity_days": row.validity_days,
        "deadline": row.deadline,
        "overdue": is_overdue(ctx, row),
        "note": row.note,
        "lines": len(found),
        "open_lines": sum(1 for line in found if line["status"] not in rules.LINE_DONE),
        "created_at": row.created_at,
        "created_by": row.created_by,
        "closed_at": row.closed_at,
        "close_reason": row.close_reason,
    }


def _validity(ctx: Context, validity: int | str | None) -> int:
    if validity is None:
        return int(settings.get(ctx, "return_validity_days"))
    text = str(validity).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_VALIDITY:
        raise InvalidInput("validity", validity, f"expected a number of days from 1 to {MAX_VALIDITY}")
    return int(text)


def _note(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    return check_text(value, field) or None


def create(
    ctx: Context,
    *,
    customer: str,
    reason: str | None = None,
    validity: int | str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A new return order for the customer, created today; the goods are due by the deadline."""
    account = check_key(customer, "customer")
    if ctx.get(Customer, account) is None:
        raise NotFound("customer", account)
    code = None
    if reason is not None and reason.strip():
        from custsvc.services.returns import setup

        code = setup.get_reason(ctx, reason).code
    days = _validity(ctx, validity)
    text = _note(note, "note")
    row = ReturnOrder(
        number=sequences.next_number(ctx, "return"),
        customer=account,
        reason=code,
        status="created",
        validity_days=days,
        deadline=rules.deadline(ctx.today, days),
        note=text,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return record(ctx, row)


def _touch(ctx: Context, row: ReturnOrder, status: str) -> None:
    row.status = status
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()


def open_(ctx: Context, rma: str) -> dict[str, Any]:
    """Goods are expected now: a created return order with lines opens."""
    row = get(ctx, rma, lock=True)
    if row.status != "created":
        raise RuleViolation("return-opens-once", f"{row.number} is {row.status}: only a created return order opens")
    count = ctx.execute(select(func.count()).select_from(ReturnLine).where(ReturnLine.rma == row.number)).scalar_one()
    if not count:
        raise RuleViolation("return-needs-lines", f"{row.number} has no lines: add lines first")
    _touch(ctx, row, "open")
    return show(ctx, row.number)


def cancel(ctx: Context, rma: str) -> dict[str, Any]:
    """A return order that was never opened is canceled (its lines take nothing of their invoice lines)."""
    row = get(ctx, rma, lock=True)
    if row.status != "created":
        raise RuleViolation(
            "return-cancel-while-created", f"{row.number} is {row.status}: only a created return order can be canceled"
        )
    _touch(ctx, row, "canceled")
    return show(ctx, row.number)


def _open_lines(ctx: Context, rma: str) -> list[ReturnLine]:
    query = select(ReturnLine).where(ReturnLine.rma == rma, ReturnLine.status.not_in(sorted(rules.LINE_DONE)))
    return list(ctx.execute(query.order_by(ReturnLine.line_no).with_for_update()).scalars())


def close(ctx: Context, rma: str, *, reason: str | None = None) -> dict[str, Any]:
    """Close an open return order: by itself once every line is finished; with ``reason`` the lines
    still open are marked lost first."""
    text = None
    if reason is not None:
        text = check_text(reason, "reason")
        if not text:
            raise InvalidInput("reason", reason, "must not be empty")
    row = get(ctx, rma, lock=True)
    if row.status != "open":
        raise RuleViolation(
            "return-closes-when-open", f"{row.number} is {row.status}: only an open return order closes"
        )
    pending = _open_lines(ctx, row.number)
    if pending and text is None:
        listed = ", ".join(f"{line.line_no} ({line.status})" for line in pending)
        raise RuleViolation(
            "return-lines-finished",
            f"{row.number} has open lines: {listed}; finish them, or close with --reason to mark them lost",
        )
    for line in pending:
        line.status = "lost"
        line.updated_at, line.updated_by = ctx.now, ctx.actor
    row.closed_at, row.close_reason = ctx.now, text
    _touch(ctx, row, "closed")
    return show(ctx, row.number)


def show(ctx: Context, rma: str) -> dict[str, Any]:
    """The return order with its lines."""
    from custsvc.services.returns import lines

    row = get(ctx, rma)
    found = lines.records(ctx, [row.number])[row.number]
    return {**record(ctx, row, found), "lines": found}


def _instant(ctx: Context, day: date) -> datetime:
    """Where the shop's local ``day`` begins, in UTC."""
    return day_start(day, ctx.tz)


def _day(ctx: Context, value: date | str | None, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return ctx.day(value, field)


def _filtered(ctx: Context, query: Any, day_from: date | None, day_to: date | None) -> Any:
    if day_from and day_to and day_to < day_from:
        raise InvalidInput("to", day_to.isoformat(), f"is before --from {day_from.isoformat()}")
    if day_from is not None:
        query = query.where(ReturnOrder.created_at >= _instant(ctx, day_from))
    if day_to is not None:
        query = query.where(ReturnOrder.created_at < _instant(ctx, day_to + timedelta(days=1)))
    return query


def list_returns(
    ctx: Context,
    *,
    status: str | None = None,
    customer: str | None = None,
    overdue: bool = False,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
) -> list[dict[str, Any]]:
    """Return orders by number; ``overdue``: open ones past their deadline; ``date_from`` / ``date_to``:
    created on those local days (inclusive)."""
    from custsvc.services.returns import lines

    query = select(ReturnOrder)
    if status is not None:
        query = query.where(ReturnOrder.status == choice(status, rules.STATUSES, "status"))
    if customer is not None:
        account = check_key(customer, "customer")
        if ctx.get(Customer, account) is None:
            raise NotFound("customer", account)
        query = query.where(ReturnOrder.customer == account)
    if overdue:
        query = query.where(ReturnOrder.status == "open", ReturnOrder.deadline < ctx.today)
    query = _filtered(ctx, query, _day(ctx, date_from, "from"), _day(ctx, date_to, "to"))
    rows = list(ctx.execute(query.order_by(ReturnOrder.number)).scalars())
    found = lines.records(ctx, [row.number for row in rows])
    return [record(ctx, row, found[row.number]) for row in rows]
