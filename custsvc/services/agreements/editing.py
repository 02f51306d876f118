"""Fixing agreements after they were made: the header (``update``, ``remove``) and its lines
(``update_line``, ``remove_line``).

What generation made stays true: an end never falls before a visit already generated, the combine rule
stays once orders were generated, and a line that generated visits keeps its start (the anchor of its
interval) and its interval. Lines are checked exactly as ``agreement line add`` checks them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, or_, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.checks import check_tag, check_text
from custsvc.domain.money import check_amount, parse_money, parse_quantity
from custsvc.errors import InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import Agreement, AgreementLine, OrderLine, ServiceOrder, SlaAssignment
from custsvc.services.agreements.catalog import (
    check_line_references,
    get,
    line_dates,
    line_record,
    lines_of,
    schedule_of,
    show,
)
from custsvc.services.workers import require_technician
from custsvc.values import counted, word

INTERVAL = ("every_count", "every_unit", "rrule")
WINDOW = ("window_kind", "window_days")


def generated(ctx: Context, agreement: str, line_id: int | None = None) -> tuple[int, int, date | None]:
    """(orders, order lines, latest visit date) generated from the agreement, or from one of its lines."""
    query = (
        select(
            func.count(func.distinct(OrderLine.order_number)), func.count(OrderLine.id), func.max(OrderLine.visit_date)
        )
        .join(AgreementLine, AgreementLine.id == OrderLine.agreement_line_id)
        .where(AgreementLine.agreement == agreement)
    )
    if line_id is not None:
        query = query.where(AgreementLine.id == line_id)
    orders, lines, latest = ctx.execute(query).one()
    return orders, lines, latest


def _new_end(ctx: Context, row: Agreement, text: str) -> date | None:
    if not text.strip():
        return None
    last = ctx.day(text, "end")
    if last < row.start:
        raise InvalidInput("end", text, f"is before the start {row.start.isoformat()}")
    latest = generated(ctx, row.agreement)[2]
    if latest is not None and last < latest:
        raise RuleViolation(
            "end-after-generated-visits",
            f"end {last.isoformat()} is before the latest visit already generated for {row.agreement}, "
            f"on {latest.isoformat()}",
        )
    return last


def _new_combine(ctx: Context, row: Agreement, text: str) -> str:
    rule = text.strip().lower()
    if rule not in rules.COMBINE_RULES:
        raise InvalidInput("combine", text, "expected agreement, task, worker or object")
    if rule != row.combine:
        orders = generated(ctx, row.agreement)[0]
        if orders:
            raise RuleViolation(
                "combine-fixed-once-generated",
                f"combine {rule!r}: {row.agreement} has generated {counted(orders, 'order')} "
                f"combined by {row.combine!r}, "
                "so its combine rule cannot change",
            )
    return rule


def _header_changes(
    ctx: Context, row: Agreement, description: str | None, end: str | None, technician: str | None, group: str | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if description is not None:
        changes["description"] = check_text(description, "description") or None
    if end is not None:
        changes["end"] = _new_end(ctx, row, end)
    if technician is not None:
        changes["technician"] = require_technician(ctx, technician.strip()).worker if technician.strip() else None
    if group is not None:
        changes["agreement_group"] = check_tag(group, "group") if group.strip() else None
    return changes


def _set_sla(ctx: Context, agreement: str, sla: str) -> None:
    """``--sla S`` applies S to the agreement (``sla apply S --agreement``); ``--sla ""`` removes its SLA."""
    from custsvc.services import sla as slas

    if sla.strip():
        slas.apply(ctx, sla.strip(), "agreement", agreement)
    elif ctx.get(SlaAssignment, ("agreement", agreement)) is not None:
        slas.unapply(ctx, "agreement", agreement)


def update(
    ctx: Context,
    agreement: str,
    *,
    description: str | None = None,
    end: str | None = None,
    technician: str | None = None,
    group: str | None = None,
    combine_rule: str | None = None,
    sla: str | None = None,
) -> dict[str, Any]:
    """Change what is given of an agreement's (or a template's) header; ``""`` clears an optional field."""
    if all(v is None for v in (description, end, technician, group, combine_rule, sla)):
        raise Usage("nothing to change: give --description, --end, --technician, --group, --combine or --sla")
    row = get(ctx, agreement, lock=True)
    changes = _header_changes(ctx, row, description, end, technician, group)
    if combine_rule is not None:
        changes["combine"] = _new_combine(ctx, row, combine_rule)
    if sla is not None and sla.strip():
        from custsvc.services import sla as slas

        slas.get(ctx, sla.strip())
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    if sla is not None:
        _set_sla(ctx, agreement, sla)
    out = show(ctx, agreement)
    out["warnings"] = [
        f"line {line['line']} starts on {line['start'].isoformat()}, after the end {row.end.isoformat()}: "
        "it generates nothing"
        for line in out["line_items"]
        if row.end is not None and line["start"] > row.end and not line["stopped"]
    ]
    return out


def remove(ctx: Context, agreement: str) -> dict[str, Any]:
    """Remove an agreement and its lines, when no service order refers to it."""
    get(ctx, agreement, lock=True)
    from_lines = (
        select(OrderLine.order_number)
        .join(AgreementLine, AgreementLine.id == OrderLine.agreement_line_id)
        .where(AgreementLine.agreement == agreement)
    )
    orders = ctx.execute(
        select(func.count())
        .select_from(ServiceOrder)
        .where(or_(ServiceOrder.agreement == agreement, ServiceOrder.number.in_(from_lines)))
    ).scalar_one()
    if orders:
        raise RuleViolation(
            "agreement-without-orders",
            f"{counted(orders, 'service order')} {word(orders, 'refers', 'refer')} to agreement {agreement}, "
            "so it cannot be removed "
            f"(end it instead: custsvc agreement update {agreement} --end DATE)",
        )
    count = len(lines_of(ctx, agreement))
    ctx.execute(delete(AgreementLine).where(AgreementLine.agreement == agreement))
    ctx.execute(delete(SlaAssignment).where(SlaAssignment.scope == "agreement", SlaAssignment.key == agreement))
    ctx.execute(delete(Agreement).where(Agreement.agreement == agreement))
    ctx.flush()
    return {"agreement": agreement, "removed": True, "lines": count}


# --- lines ------------------------------------------------------------------------------------------


def _line(ctx: Context, agreement: str, line_no: int) -> AgreementLine:
    line = ctx.execute(
        select(AgreementLine).where(AgreementLine.agreement == agreement, AgreementLine.line_no == line_no)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound("agreement line", f"{agreement}/{line_no}")
    return line


def _stop_and_add(line: AgreementLine, latest: date) -> str:
    return (
        f"line {line.line_no} of {line.agreement} has generated visits (the latest on {latest.isoformat()}); "
        f"stop it (custsvc agreement line stop {line.agreement} {line.line_no}) and add a new line instead"
    )


def _schedule_changes(
    line: AgreementLine, every: str | None, rrule: str | None, window: str | None, latest: date | None
) -> dict[str, Any]:
    """``--every`` or ``--rrule`` replaces the interval (``""``: a one-time visit); ``--window`` the window."""
    schedule = schedule_of(every or None, rrule or None, window or None)
    changes: dict[str, Any] = {}
    if every is not None or rrule is not None:
        changes.update({name: schedule[name] for name in INTERVAL})
        if latest is not None and any(getattr(line, name) != changes[name] for name in INTERVAL):
            field, value = ("every", every) if every is not None else ("rrule", rrule)
            raise RuleViolation("interval-fixed-once-generated", f"{field} {value!r}: " + _stop_and_add(line, latest))
    if window is not None:
        changes.update({name: schedule[name] for name in WINDOW})
    return changes


def _date_changes(
    ctx: Context, agr: Agreement, line: AgreementLine, start: str | None, end: str | None, latest: date | None
) -> dict[str, Any]:
    if start is None and end is None:
        return {}
    old_end = line.end.isoformat() if line.end else None
    first, last = line_dates(
        ctx, agr, start if start is not None else line.start.isoformat(), (end if end is not None else old_end) or None
    )
    if latest is not None and first != line.start:
        raise RuleViolation(
            "start-fixed-once-generated",
            f"start {first.isoformat()}: the start {line.start.isoformat()} is the anchor of the interval; "
            + _stop_and_add(line, latest),
        )
    if latest is not None and last is not None and last < latest:
        raise RuleViolation(
            "end-after-generated-visits",
            f"end {last.isoformat()} is before the latest visit already generated for line {line.line_no} "
            f"of {line.agreement}, on {latest.isoformat()}",
        )
    return {"start": first, "end": last}


def _value_changes(ctx: Context, agr: Agreement, line: AgreementLine, given: dict[str, str | None]) -> dict[str, Any]:
    """References, quantity, price and text, checked as ``line add`` checks them (``""`` clears)."""
    refs = {
        name: (given[name] or None) if given[name] is not None else getattr(line, name)
        for name in ("object", "task", "worker", "item")
    }
    quantity, price = given["quantity"], given["price"]
    qty = line.quantity if quantity is None else parse_quantity(quantity, "qty", allow_zero=False) if quantity else None
    unit_price = line.price if price is None else parse_money(price, "price") if price else None
    # an object kept as it was is not checked again (a stopped line's object may have moved on)
    checked = dict(refs, object=refs["object"] if given["object"] else None)
    check_line_references(ctx, agr, line.type, checked, None if unit_price is None else str(unit_price))
    if qty is not None and unit_price is not None:
        check_amount(rules.line_amount(qty, unit_price), "qty x price", f"{qty} x {unit_price}")
    changes: dict[str, Any] = {**refs, "quantity": qty, "price": unit_price}
    if given["description"] is not None:
        changes["description"] = check_text(given["description"], "description") or None
    return changes


def update_line(
    ctx: Context,
    agreement: str,
    line_no: int,
    *,
    start: str | None = None,
    end: str | None = None,
    obj: str | None = None,
    task: str | None = None,
    worker: str | None = None,
    item: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    every: str | None = None,
    rrule: str | None = None,
    window: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Change what is given of a line (None: unchanged; ``""`` clears an optional field)."""
    given = {"object": obj, "task": task, "worker": worker, "item": item, "quantity": quantity, "price": price}
    given["description"] = description
    if all(v is None for v in (start, end, every, rrule, window, *given.values())):
        raise Usage("nothing to change: give at least one option (see --help)")
    agr = get(ctx, agreement, lock=True)
    line = _line(ctx, agreement, line_no)
    latest = generated(ctx, agreement, line.id)[2]
    changes = _schedule_changes(line, every, rrule, window, latest)
    changes.update(_date_changes(ctx, agr, line, start, end, latest))
    changes.update(_value_changes(ctx, agr, line, given))
    for name, value in changes.items():
        setattr(line, name, value)
    line.updated_at, line.updated_by = ctx.now, ctx.actor
    agr.updated_at, agr.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return line_record(line)


def remove_line(ctx: Context, agreement: str, line_no: int) -> dict[str, Any]:
    """Remove a line that generated no order lines (else it can only be stopped)."""
    agr = get(ctx, agreement, lock=True)
    line = _line(ctx, agreement, line_no)
    made = generated(ctx, agreement, line.id)[1]
    if made:
        raise RuleViolation(
            "line-without-order-lines",
            f"line {line_no} of {agreement} generated {counted(made, 'order line')}, so it cannot be removed "
            f"(stop it instead: custsvc agreement line stop {agreement} {line_no})",
        )
    ctx.delete(line)
    agr.updated_at, agr.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return {"agreement": agreement, "line": line_no, "removed": True}
