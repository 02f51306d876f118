"""Service agreements: the header (customer, validity, technician, combine rule, SLA), recurring lines,
copies and templates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.checks import check_key, check_tag, check_text
from custsvc.domain.money import check_amount, parse_money, parse_quantity
from custsvc.domain.recurrence import (
    Window,
    parse_every,
    parse_rrule,
    parse_window,
)
from custsvc.errors import BadUsage, Duplicate, InvalidInput, NotFound, RuleViolation, choice
from custsvc.models import (
    Agreement,
    AgreementLine,
    Customer,
    Item,
    ServiceTask,
    Worker,
)
from custsvc.services.orders.checks import check_objects
from custsvc.services.workers import require_technician


def get(ctx: Context, agreement: str, *, lock: bool = False) -> Agreement:
    query = select(Agreement).where(Agreement.agreement == agreement)
    if lock:
        query = query.with_for_update()
    row = ctx.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound("agreement", agreement)
    return row


STATUSES = ("active", "future", "expired", "suspended", "template")


def status(agreement: Agreement, today: date) -> str:
    if agreement.template:
        return "template"
    if agreement.suspended:
        return "suspended"
    if agreement.end is not None and agreement.end < today:
        return "expired"
    if agreement.start > today:
        return "future"
    return "active"


def _slas(ctx: Context) -> dict[str, str]:
    """Each agreement's SLA (``sla apply --agreement``)."""
    from custsvc.models import SlaAssignment

    return dict(
        ctx.execute(select(SlaAssignment.key, SlaAssignment.sla).where(SlaAssignment.scope == "agreement")).all()
    )


#: every field of an agreement as ``record`` gives it (and ``agreement list --format csv`` heads an empty list with)
AGREEMENT_FIELDS = (
    "agreement", "customer", "group", "description", "start", "end", "technician", "combine", "sla", "status",
    "suspended", "template", "lines", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


def record(
    ctx: Context, agreement: Agreement, lines: int | None = None, slas: dict[str, str] | None = None
) -> dict[str, Any]:
    sla = (slas if slas is not None else _slas(ctx)).get(agreement.agreement)
    return {
        "agreement": agreement.agreement,
        "customer": agreement.customer,
        "group": agreement.agreement_group,
        "description": agreement.description,
        "start": agreement.start,
        "end": agreement.end,
        "technician": agreement.technician,
        "combine": agreement.combine,
        "sla": sla,
        "status": status(agreement, ctx.today),
        "suspended": agreement.suspended,
        "template": agreement.template,
        "lines": lines,
        "created_at": agreement.created_at,
        "created_by": agreement.created_by,
        "updated_at": agreement.updated_at,
        "updated_by": agreement.updated_by,
    }


def line_record(line: AgreementLine) -> dict[str, Any]:
    every = f"{line.every_count} {line.every_unit}{'s' if line.every_count != 1 else ''}" if line.every_count else None
    window = None
    if line.window_kind:
        window = str(Window(line.window_kind, line.window_days or 0))
    return {
        "agreement": line.agreement,
        "line": line.line_no,
        "type": line.type,
        "description": line.description,
        "object": line.object,
        "task": line.task,
        "worker": line.worker,
        "item": line.item,
        "quantity": line.quantity,
        "price": line.price,
        "every": every,
        "rrule": line.rrule,
        "schedule": every and f"every {every}" or (f"RRULE {line.rrule}" if line.rrule else "once"),
        "window": window,
        "start": line.start,
        "end": line.end,
        "stopped": line.stopped,
        "created_at": line.created_at,
        "created_by": line.created_by,
        "updated_at": line.updated_at,
        "updated_by": line.updated_by,
    }


def create(
    ctx: Context,
    agreement: str,
    *,
    customer: str,
    start: str,
    end: str | None = None,
    group: str | None = None,
    technician: str | None = None,
    combine_rule: str = "agreement",
    description: str | None = None,
    template: bool = False,
    sla: str | None = None,
) -> dict[str, Any]:
    key = check_key(agreement, "agreement")
    if ctx.get(Agreement, key) is not None:
        raise Duplicate("agreement", key)
    if ctx.get(Customer, customer) is None:
        raise NotFound("customer", customer)
    if technician:
        require_technician(ctx, technician)
    rule = combine_rule.strip().lower()
    if rule not in rules.COMBINE_RULES:
        raise InvalidInput("combine", combine_rule, "expected agreement, task, worker or object")
    first = ctx.day(start, "start")
    last = ctx.day(end, "end") if end else None
    if last is not None and last < first:
        raise InvalidInput("end", end, f"is before the start {first.isoformat()}")
    row = Agreement(
        agreement=key,
        customer=customer,
        agreement_group=check_tag(group, "group") if group else None,
        description=check_text(description, "description") if description else None,
        start=first,
        end=last,
        technician=technician or None,
        combine=rule,
        template=template,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    if sla:
        from custsvc.services import sla as slas

        slas.apply(ctx, sla, "agreement", key)
    return show(ctx, key)


def lines_of(ctx: Context, agreement: str) -> list[AgreementLine]:
    return list(
        ctx.execute(
            select(AgreementLine).where(AgreementLine.agreement == agreement).order_by(AgreementLine.line_no)
        ).scalars()
    )


def show(ctx: Context, agreement: str) -> dict[str, Any]:
    row = get(ctx, agreement)
    lines = lines_of(ctx, agreement)
    out = record(ctx, row, len(lines))
    out["line_items"] = [line_record(line) for line in lines]
    return out


def list_agreements(
    ctx: Context, *, customer: str | None = None, status_filter: str | None = None, group: str | None = None
) -> list[dict[str, Any]]:
    query = select(Agreement).order_by(Agreement.agreement)
    if customer:
        query = query.where(Agreement.customer == customer)
    if group:
        query = query.where(Agreement.agreement_group == group.lower())
    counts = dict(ctx.execute(select(AgreementLine.agreement, func.count()).group_by(AgreementLine.agreement)).all())
    slas = _slas(ctx)
    rows = [record(ctx, a, counts.get(a.agreement, 0), slas) for a in ctx.execute(query).scalars()]
    if status_filter:
        wanted = choice(status_filter, STATUSES, "status")
        rows = [r for r in rows if r["status"] == wanted]
    return rows


def set_suspended(ctx: Context, agreement: str, suspended: bool) -> dict[str, Any]:
    row = get(ctx, agreement, lock=True)
    if row.template:
        raise RuleViolation("templates-make-no-orders", f"{agreement} is a template; templates are never active")
    row.suspended = suspended
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return show(ctx, agreement)


#: what a template's description starts with ("Template: yearly boiler service", "template - ..."), dropped
#: from the description of a copy that is no template
TEMPLATE_PREFIX = re.compile(r"^\s*template(?:\s*:|\s+[-\u2013\u2014]+)\s*", re.IGNORECASE)
COPIED = ("type", "task", "worker", "item", "quantity", "price", "description", "every_count", "every_unit", "rrule")
COPIED += ("window_kind", "window_days", "stopped")


def copy(
    ctx: Context,
    source: str,
    new: str,
    *,
    as_template: bool = False,
    customer: str | None = None,
    start: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Copy an agreement with its lines (e.g. a template into a real agreement, or the reverse).
    Line dates shift with the start; objects of another customer are left empty (with a warning).
    A template's copy that is no template drops the "Template:" of its description (unless given)."""
    src = get(ctx, source)
    if description is None:
        description = src.description
        if src.template and not as_template and description:
            description = TEMPLATE_PREFIX.sub("", description)
    target_customer = customer or src.customer
    new_start = ctx.day(start, "start") if start else src.start
    shift = new_start - src.start
    created = create(
        ctx,
        new,
        customer=target_customer,
        start=new_start.isoformat(),
        end=(src.end + shift).isoformat() if src.end else None,
        group=src.agreement_group,
        technician=src.technician,
        combine_rule=src.combine,
        description=description,
        template=as_template,
        sla=record(ctx, src)["sla"],
    )
    warnings: list[str] = []
    rows = []
    for line in lines_of(ctx, source):
        obj = line.object
        if obj and target_customer != src.customer:
            warnings.append(f"line {line.line_no}: object {obj} belongs to {src.customer}; left empty on {new}")
            obj = None
        row = {name: getattr(line, name) for name in COPIED}
        row.update(agreement=created["agreement"], line_no=line.line_no, object=obj, created_at=ctx.now)
        row.update(start=line.start + shift, end=line.end + shift if line.end else None, created_by=ctx.actor)
        rows.append(row)
    if rows:
        ctx.execute(insert(AgreementLine), rows)
        ctx.flush()
    out = show(ctx, created["agreement"])
    out["warnings"] = warnings
    return out


def schedule_of(every: str | None, rrule: str | None, window: str | None) -> dict[str, Any]:
    """The interval (``--every`` or ``--rrule``, or neither: once) and window columns of a line."""
    if every and rrule:
        raise BadUsage("rrule", rrule, "give either --every or --rrule, not both")
    interval = parse_every(every, "every") if every else None
    win = parse_window(window, "window") if window else None
    return {
        "every_count": interval.count if interval else None,
        "every_unit": interval.unit if interval else None,
        "rrule": parse_rrule(rrule, "rrule") if rrule else None,
        "window_kind": win.kind if win else None,
        "window_days": win.days if win and win.kind == "days" else None,
    }


def line_dates(ctx: Context, agr: Agreement, start: str, end: str | None) -> tuple[date, date | None]:
    first = ctx.day(start, "start")
    last = ctx.day(end, "end") if end else None
    if last is not None and last < first:
        raise InvalidInput("end", end, f"is before the start {first.isoformat()}")
    if agr.end is not None and first > agr.end:
        raise InvalidInput("start", start, f"is after the agreement's end {agr.end.isoformat()}")
    return first, last


def check_line_references(
    ctx: Context, agr: Agreement, kind: str, refs: dict[str, str | None], price: str | None
) -> None:
    if refs["object"]:
        check_objects(ctx, agr.customer, [refs["object"]])
    for name, model, label in (
        ("task", ServiceTask, "service task"),
        ("worker", Worker, "worker"),
        ("item", Item, "item"),
    ):
        if refs[name] and ctx.get(model, refs[name]) is None:
            raise NotFound(label, refs[name])
    if kind == "item" and not refs["item"]:
        raise InvalidInput("item", "", "an item line needs --item")
    if price is None and refs["item"] is None and refs["task"] is None:
        raise InvalidInput("price", "", f"a {kind} line without an item or task needs --price")


def add_line(
    ctx: Context,
    agreement: str,
    *,
    type: str,
    start: str,
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
    agr = get(ctx, agreement, lock=True)
    kind = type.strip().lower()
    if kind not in rules.LINE_TYPES:
        raise InvalidInput("type", type, "expected hour, expense, item or fee")
    schedule = schedule_of(every, rrule, window)
    first, last = line_dates(ctx, agr, start, end)
    refs = {"object": obj, "task": task, "worker": worker, "item": item}
    check_line_references(ctx, agr, kind, refs, price)
    qty = parse_quantity(quantity, "qty", allow_zero=False) if quantity is not None else None
    unit_price = parse_money(price, "price") if price is not None else None
    if qty is not None and unit_price is not None:
        check_amount(rules.line_amount(qty, unit_price), "qty x price", f"{qty} x {unit_price}")
    top = ctx.execute(select(func.max(AgreementLine.line_no)).where(AgreementLine.agreement == agreement)).scalar()
    line = AgreementLine(
        agreement=agreement,
        line_no=(top or 0) + 1,
        type=kind,
        **refs,
        quantity=qty,
        price=unit_price,
        description=check_text(description, "description") if description else None,
        **schedule,
        start=first,
        end=last,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(line)
    agr.updated_at, agr.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return line_record(line)


def stop_line(ctx: Context, agreement: str, line_no: int) -> dict[str, Any]:
    get(ctx, agreement, lock=True)
    line = ctx.execute(
        select(AgreementLine).where(AgreementLine.agreement == agreement, AgreementLine.line_no == line_no)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound("agreement line", f"{agreement}/{line_no}")
    line.stopped = True
    line.updated_at, line.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return line_record(line)
