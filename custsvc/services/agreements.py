"""Service agreements: header, recurring lines, and the generation of service orders.

Generation is idempotent because every generated order line carries its agreement line and the
anchored visit date, and the database refuses a second line with the same pair.  It reads what
exists, adds only what is missing, and writes in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.recurrence import (
    Interval,
    Slot,
    Visit,
    Window,
    combine,
    occurrences,
    parse_every,
    parse_rrule,
    parse_window,
)
from custsvc.domain.timeparse import parse_date
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Agreement,
    AgreementLine,
    Customer,
    Item,
    OrderLine,
    OrderObject,
    ServiceObject,
    ServiceOrder,
    ServiceTask,
    Stage,
    Worker,
)
from custsvc.services import sequences, settings, stages
from custsvc.services.master import check_key, check_tag, check_text

IN_CHUNK = 900



def parse_day(ctx: Context, text: str, field: str) -> date:
    return parse_date(text, field, today=ctx.today)


def get(ctx: Context, agreement: str, *, lock: bool = False) -> Agreement:
    query = select(Agreement).where(Agreement.agreement == agreement)
    if lock:
        query = query.with_for_update()
    row = ctx.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound("agreement", agreement)
    return row


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
    }


# --- agreements -------------------------------------------------------------------------------


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
    if technician and ctx.get(Worker, technician) is None:
        raise NotFound("worker", technician, "technician")
    rule = combine_rule.strip().lower()
    if rule not in rules.COMBINE_RULES:
        raise InvalidInput("combine", combine_rule, "expected agreement, task, worker or object")
    first = parse_day(ctx, start, "start")
    last = parse_day(ctx, end, "end") if end else None
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


def _lines(ctx: Context, agreement: str) -> list[AgreementLine]:
    return list(
        ctx.execute(
            select(AgreementLine).where(AgreementLine.agreement == agreement).order_by(AgreementLine.line_no)
        ).scalars()
    )


def show(ctx: Context, agreement: str) -> dict[str, Any]:
    row = get(ctx, agreement)
    lines = _lines(ctx, agreement)
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
    counts = dict(
        ctx.execute(select(AgreementLine.agreement, func.count()).group_by(AgreementLine.agreement)).all()
    )
    slas = _slas(ctx)
    rows = [record(ctx, a, counts.get(a.agreement, 0), slas) for a in ctx.execute(query).scalars()]
    if status_filter:
        rows = [r for r in rows if r["status"] == status_filter]
    return rows


def set_suspended(ctx: Context, agreement: str, suspended: bool) -> dict[str, Any]:
    row = get(ctx, agreement, lock=True)
    if row.template:
        raise RuleViolation("templates-make-no-orders", f"{agreement} is a template; templates are never active")
    row.suspended = suspended
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return show(ctx, agreement)


def copy(
    ctx: Context,
    source: str,
    new: str,
    *,
    as_template: bool = False,
    customer: str | None = None,
    start: str | None = None,
) -> dict[str, Any]:
    """Copy an agreement with its lines (e.g. a template into a real agreement, or the reverse)."""
    src = get(ctx, source)
    target_customer = customer or src.customer
    new_start = parse_day(ctx, start, "start") if start else src.start
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
        description=src.description,
        template=as_template,
        sla=record(ctx, src)["sla"],
    )
    warnings: list[str] = []
    rows = []
    for line in _lines(ctx, source):
        obj = line.object
        if obj and target_customer != src.customer:
            warnings.append(f"line {line.line_no}: object {obj} belongs to {src.customer}; left empty on {new}")
            obj = None
        rows.append(
            {
                "agreement": created["agreement"],
                "line_no": line.line_no,
                "type": line.type,
                "object": obj,
                "task": line.task,
                "worker": line.worker,
                "item": line.item,
                "quantity": line.quantity,
                "price": line.price,
                "description": line.description,
                "every_count": line.every_count,
                "every_unit": line.every_unit,
                "rrule": line.rrule,
                "window_kind": line.window_kind,
                "window_days": line.window_days,
                "start": line.start + shift,
                "end": line.end + shift if line.end else None,
                "stopped": line.stopped,
                "created_at": ctx.now,
                "created_by": ctx.actor,
            }
        )
    if rows:
        ctx.execute(insert(AgreementLine), rows)
        ctx.flush()
    out = show(ctx, created["agreement"])
    out["warnings"] = warnings
    return out


# --- lines ------------------------------------------------------------------------------------


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
    if every and rrule:
        raise InvalidInput("rrule", rrule, "give either --every or --rrule, not both")
    interval = parse_every(every, "every") if every else None
    rule = parse_rrule(rrule, "rrule") if rrule else None
    win = parse_window(window, "window") if window else None
    first = parse_day(ctx, start, "start")
    last = parse_day(ctx, end, "end") if end else None
    if last is not None and last < first:
        raise InvalidInput("end", end, f"is before the start {first.isoformat()}")
    if agr.end is not None and first > agr.end:
        raise InvalidInput("start", start, f"is after the agreement's end {agr.end.isoformat()}")
    if obj:
        row = ctx.get(ServiceObject, obj)
        if row is None:
            raise NotFound("service object", obj)
        if row.customer != agr.customer:
            raise RuleViolation(
                "object-of-customer", f"service object {obj!r} belongs to {row.customer}, not {agr.customer}"
            )
    if task and ctx.get(ServiceTask, task) is None:
        raise NotFound("service task", task)
    if worker and ctx.get(Worker, worker) is None:
        raise NotFound("worker", worker)
    item_row = ctx.get(Item, item) if item else None
    if item and item_row is None:
        raise NotFound("item", item)
    if kind == "item" and not item:
        raise InvalidInput("item", "", "an item line needs --item")
    if price is None and item is None and task is None:
        raise InvalidInput("price", "", f"a {kind} line without an item or task needs --price")
    line_no = (
        ctx.execute(select(func.max(AgreementLine.line_no)).where(AgreementLine.agreement == agreement)).scalar()
        or 0
    ) + 1
    line = AgreementLine(
        agreement=agreement,
        line_no=line_no,
        type=kind,
        object=obj,
        task=task,
        worker=worker,
        item=item,
        quantity=parse_quantity(quantity, "qty", allow_zero=False) if quantity is not None else None,
        price=parse_money(price, "price") if price is not None else None,
        description=check_text(description, "description") if description else None,
        every_count=interval.count if interval else None,
        every_unit=interval.unit if interval else None,
        rrule=rule,
        window_kind=win.kind if win else None,
        window_days=win.days if win and win.kind == "days" else None,
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


# --- generation -------------------------------------------------------------------------------


@dataclass
class PlannedOrder:
    number: str | None
    agreement: str
    customer: str
    day: date
    key: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    existing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.number,
            "agreement": self.agreement,
            "customer": self.customer,
            "date": self.day,
            "existing": self.existing,
            "lines": [
                {
                    k: line[k]
                    for k in (
                        "line",
                        "agreement_line",
                        "visit_date",
                        "type",
                        "description",
                        "object",
                        "task",
                        "worker",
                        "item",
                        "quantity",
                        "price",
                    )
                }
                for line in self.lines
            ],
        }


def _interval(line: AgreementLine) -> Interval | None:
    return Interval(line.every_count, line.every_unit) if line.every_count and line.every_unit else None


def _window(line: AgreementLine) -> Window | None:
    return Window(line.window_kind, line.window_days or 0) if line.window_kind else None


def generate(ctx: Context, *, agreement: str | None, date_from: date, date_to: date) -> dict[str, Any]:
    """Create the service orders that agreements call for in ``[date_from, date_to]``.

    Returns the orders created (and lines added to existing orders) and warnings.
    """
    if date_to < date_from:
        raise InvalidInput("to", date_to.isoformat(), f"is before --from {date_from.isoformat()}")
    query = select(Agreement).where(
        Agreement.template.is_(False),
        Agreement.suspended.is_(False),
        Agreement.start <= date_to,
        (Agreement.end.is_(None)) | (Agreement.end >= date_from),
    )
    if agreement:
        head = get(ctx, agreement)
        if head.template or head.suspended:
            what = "a template" if head.template else "suspended"
            return {
                "orders": [],
                "warnings": [f"agreement {agreement} is {what}; it generates nothing"],
                "created_orders": 0,
                "created_lines": 0,
            }
        query = query.where(Agreement.agreement == agreement)
    # lock the agreements: two runs at once queue here (PostgreSQL; SQLite's write lock already queues them)
    agreements = {
        a.agreement: a for a in ctx.execute(query.order_by(Agreement.agreement).with_for_update()).scalars()
    }
    if not agreements:
        return {"orders": [], "warnings": [], "created_orders": 0, "created_lines": 0}

    line_query = select(AgreementLine).where(AgreementLine.stopped.is_(False), AgreementLine.start <= date_to)
    if agreement:
        line_query = line_query.where(AgreementLine.agreement == agreement)
    lines = [line for line in ctx.execute(line_query).scalars() if line.agreement in agreements]
    line_ids = {line.id for line in lines}

    done: set[tuple[int, date]] = set()
    existing_query = select(OrderLine.agreement_line_id, OrderLine.visit_date).where(
        OrderLine.agreement_line_id.is_not(None), OrderLine.visit_date >= date_from, OrderLine.visit_date <= date_to
    )
    if agreement and len(line_ids) <= IN_CHUNK:
        existing_query = existing_query.where(OrderLine.agreement_line_id.in_(list(line_ids)))
    for line_id, visit in ctx.execute(existing_query):
        if line_id in line_ids:
            done.add((line_id, visit))

    visits: list[Visit] = []
    widest = 0
    for line in lines:
        agr = agreements[line.agreement]
        lo = max(date_from, agr.start, line.start)
        hi = min([date_to, *(d for d in (agr.end, line.end) if d is not None)])
        if hi < lo:
            continue
        window = _window(line)
        key = rules.group_key(
            agr.combine, agreement=agr.agreement, task=line.task, worker=line.worker or agr.technician, obj=line.object
        )
        for day in occurrences(line.start, lo, hi, every=_interval(line), rrule=line.rrule):
            if (line.id, day) in done:  # type: ignore[operator]
                continue
            if window is None:
                visits.append(Visit(line, (agr.agreement, key), day, day, day))
                continue
            w_lo, w_hi = window.bounds(day)
            widest = max(widest, (day - w_lo).days, (w_hi - day).days)
            visits.append(Visit(line, (agr.agreement, key), day, max(w_lo, lo), min(w_hi, hi)))
    if not visits:
        return {"orders": [], "warnings": [], "created_orders": 0, "created_lines": 0}

    joinable = _joinable_orders(
        ctx, list(agreements), date_from - timedelta(days=widest), date_to + timedelta(days=widest)
    )
    slots = combine(visits, joinable)
    return _write(ctx, agreements, slots)


def _joinable_orders(ctx: Context, agreement_ids: Sequence[str], lo: date, hi: date) -> list[tuple[Any, date, str]]:
    """Generated orders still open to new lines: (group key, date, order number)."""
    modifiable = select(Stage.stage).where(Stage.can_modify.is_(True), Stage.cancels.is_(False))
    query = select(
        ServiceOrder.agreement, ServiceOrder.group_key, ServiceOrder.service_date, ServiceOrder.number
    ).where(
        ServiceOrder.group_key.is_not(None),
        ServiceOrder.service_date >= lo,
        ServiceOrder.service_date <= hi,
        ServiceOrder.stage.in_(modifiable),
        ~select(OrderLine.id)
        .where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "posted")
        .exists(),
    )
    wanted = set(agreement_ids)
    return [((agr, key), day, number) for agr, key, day, number in ctx.execute(query) if agr in wanted]


def _write(ctx: Context, agreements: dict[str, Agreement], slots: list[Slot]) -> dict[str, Any]:
    now, actor = ctx.now, ctx.actor
    items = {i.item: i for i in ctx.execute(select(Item)).scalars()}
    tasks = {t.task: t for t in ctx.execute(select(ServiceTask)).scalars()}
    customers = {
        c.account: c
        for c in ctx.execute(
            select(Customer).where(Customer.account.in_({a.customer for a in agreements.values()}))
        ).scalars()
    }
    new_slots = [s for s in slots if s.existing is None]
    numbers = iter(sequences.take(ctx, "order", len(new_slots)))
    initial = stages.initial(ctx).stage
    requires_sign_off = settings.get(ctx, "sign_off_required") == "yes"
    workdays_text = settings.get(ctx, "workdays")
    workdays = set(settings.parse_weekdays(workdays_text))

    next_line_no: dict[str, int] = {}
    existing_numbers = [s.existing for s in slots if s.existing is not None]
    for start in range(0, len(existing_numbers), IN_CHUNK):
        chunk = existing_numbers[start : start + IN_CHUNK]
        for number, top in ctx.execute(
            select(OrderLine.order_number, func.max(OrderLine.line_no))
            .where(OrderLine.order_number.in_(chunk))
            .group_by(OrderLine.order_number)
        ):
            next_line_no[number] = top
    existing_objects: set[tuple[str, str]] = set()
    for start in range(0, len(existing_numbers), IN_CHUNK):
        chunk = existing_numbers[start : start + IN_CHUNK]
        existing_objects.update(
            (n, o)
            for n, o in ctx.execute(
                select(OrderObject.order_number, OrderObject.object).where(OrderObject.order_number.in_(chunk))
            )
        )

    order_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    object_rows: list[dict[str, Any]] = []
    planned: list[PlannedOrder] = []
    warnings: list[str] = []
    for slot in slots:
        agreement_id, key = slot.key  # type: ignore[misc]
        agr = agreements[agreement_id]
        number = slot.existing or next(numbers)
        plan = PlannedOrder(number, agr.agreement, agr.customer, slot.day, key, existing=slot.existing is not None)
        if slot.existing is None:
            workers = {v.ref.worker for v in slot.visits if v.ref.worker}
            technician = agr.technician or (next(iter(workers)) if len(workers) == 1 else None)
            order_rows.append(
                {
                    "number": number,
                    "customer": agr.customer,
                    "agreement": agr.agreement,
                    "priority": "normal",
                    "stage": initial,
                    "technician": technician,
                    "description": agr.description or f"Agreement {agr.agreement}",
                    "address": customers[agr.customer].address if agr.customer in customers else None,
                    "preferred_at": None,
                    "service_date": slot.day,
                    "group_key": key,
                    "requires_sign_off": requires_sign_off,
                    "signed_off_at": None,
                    "signed_off_by": None,
                    "created_at": now,
                    "created_by": actor,
                    "updated_at": None,
                    "updated_by": None,
                }
            )
            if slot.day.weekday() not in workdays:
                warnings.append(f"{number} falls on {slot.day:%a %Y-%m-%d}, a closed day (workdays: {workdays_text})")
        line_no = next_line_no.get(number, 0)
        for visit in sorted(slot.visits, key=lambda v: (v.day, v.ref.line_no)):
            line: AgreementLine = visit.ref
            line_no += 1
            task = tasks.get(line.task) if line.task else None
            item = items.get(line.item) if line.item else None
            qty = line.quantity or (task.hours if task is not None and line.type == "hour" else Decimal(1))
            price = (
                line.price
                if line.price is not None
                else (item.price if item else task.price if task else Decimal("0.00"))
            )
            text = line.description or (item.name if item else task.description if task else line.type)
            row = {
                "order_number": number,
                "line_no": line_no,
                "type": line.type,
                "worker": line.worker or (agr.technician if line.type == "hour" else None),
                "item": line.item,
                "task": line.task,
                "object": line.object,
                "quantity": qty,
                "price": price,
                "description": text,
                "status": "created",
                "signed_off_at": None,
                "signed_off_by": None,
                "agreement_line_id": line.id,
                "visit_date": visit.day,
                "created_at": now,
                "created_by": actor,
                "updated_at": None,
                "updated_by": None,
            }
            line_rows.append(row)
            plan.lines.append({**row, "line": line_no, "agreement_line": f"{agr.agreement}/{line.line_no}"})
            if line.object and (number, line.object) not in existing_objects:
                existing_objects.add((number, line.object))
                object_rows.append({"order_number": number, "object": line.object})
        next_line_no[number] = line_no
        planned.append(plan)

    connection = ctx.connection()
    if order_rows:
        connection.execute(insert(ServiceOrder.__table__), order_rows)  # type: ignore[attr-defined]
    if object_rows:
        connection.execute(insert(OrderObject.__table__), object_rows)  # type: ignore[attr-defined]
    if line_rows:
        connection.execute(insert(OrderLine.__table__), [_line_columns(r) for r in line_rows])  # type: ignore[attr-defined]
    if order_rows:
        from custsvc.services import sla

        sla.attach_generated(ctx, order_rows)
    return {
        "orders": [p.as_dict() for p in planned],
        "warnings": warnings,
        "created_orders": len(order_rows),
        "created_lines": len(line_rows),
    }


def _line_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Order-line values keyed by table column (quantity and price live in milli / cents columns)."""
    out = dict(row)
    out["quantity_milli"] = out.pop("quantity")
    out["price_cents"] = out.pop("price")
    return out
