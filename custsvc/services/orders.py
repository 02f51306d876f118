"""Service orders: create, lines, stage moves, sign-off, cancel, delete, move lines, post."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.timeparse import parse_datetime
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Agreement,
    Customer,
    Item,
    OrderLine,
    OrderObject,
    OrderStageLog,
    ServiceObject,
    ServiceOrder,
    ServiceTask,
    Stage,
    Worker,
    WorkerRole,
)
from custsvc.services import invoices, sequences, settings, stages
from custsvc.services.master import check_text


def get(ctx: Context, number: str, *, lock: bool = False) -> ServiceOrder:
    query = select(ServiceOrder).where(ServiceOrder.number == number)
    if lock:
        query = query.with_for_update()
    order = ctx.execute(query).scalar_one_or_none()
    if order is None:
        raise NotFound("service order", number)
    return order


def _stage(ctx: Context, order: ServiceOrder) -> Stage:
    return stages.get(ctx, order.stage)


def _require(stage: Stage, flag: str, rule: str, doing: str, number: str) -> None:
    if not getattr(stage, flag):
        raise RuleViolation(rule, f"{number} is in stage {stage.stage!r}, which does not allow {doing}")


def _check_priority(value: str) -> str:
    text = value.strip().lower()
    if text not in rules.PRIORITIES:
        raise InvalidInput("priority", value, "expected high, normal or low")
    return text


def _check_technician(ctx: Context, worker: str) -> str:
    if ctx.get(Worker, worker) is None:
        raise NotFound("worker", worker, "technician")
    is_technician = ctx.execute(
        select(WorkerRole.worker).where(WorkerRole.worker == worker, WorkerRole.role == "technician")
    ).first()
    if not is_technician:
        raise RuleViolation("technician-role", f"worker {worker!r} does not have the technician role")
    return worker


def _check_objects(ctx: Context, customer: str, objects: Sequence[str]) -> list[str]:
    result = []
    for obj in dict.fromkeys(objects):
        row = ctx.get(ServiceObject, obj)
        if row is None:
            raise NotFound("service object", obj)
        if row.customer != customer:
            raise RuleViolation(
                "object-of-customer", f"service object {obj!r} belongs to {row.customer}, not {customer}"
            )
        result.append(obj)
    return result


def _log(
    ctx: Context, number: str, from_stage: str | None, to_stage: str, reason: str | None, note: str | None = None
) -> None:
    ctx.add(
        OrderStageLog(
            order_number=number,
            from_stage=from_stage,
            to_stage=to_stage,
            at=ctx.now,
            actor=ctx.actor,
            reason=reason,
            note=note,
        )
    )


def _touch(ctx: Context, order: ServiceOrder) -> None:
    order.updated_at, order.updated_by = ctx.now, ctx.actor


# --- create and update ------------------------------------------------------------------------


def create(
    ctx: Context,
    *,
    customer: str,
    objects: Sequence[str] = (),
    priority: str = "normal",
    agreement: str | None = None,
    technician: str | None = None,
    description: str | None = None,
    address: str | None = None,
    preferred_at: str | None = None,
    requires_sign_off: bool | None = None,
    sla: str | None = None,
) -> dict[str, Any]:
    from custsvc.services import sla as slas

    cust = ctx.get(Customer, customer)
    if cust is None:
        raise NotFound("customer", customer)
    if agreement is not None:
        agr = ctx.get(Agreement, agreement)
        if agr is None:
            raise NotFound("agreement", agreement)
        if agr.customer != customer:
            raise RuleViolation(
                "agreement-of-customer", f"agreement {agreement!r} belongs to {agr.customer}, not {customer}"
            )
        if agr.template:
            raise RuleViolation("templates-make-no-orders", f"agreement {agreement!r} is a template")
    now, tz = ctx.now, ctx.tz
    preferred = parse_datetime(preferred_at, "preferred-at", tz=tz, now=now) if preferred_at else None
    if requires_sign_off is None:
        requires_sign_off = settings.get(ctx, "sign_off_required") == "yes"
    number = sequences.next_number(ctx, "order")
    order = ServiceOrder(
        number=number,
        customer=customer,
        agreement=agreement,
        priority=_check_priority(priority),
        stage=stages.initial(ctx).stage,
        technician=_check_technician(ctx, technician) if technician else None,
        description=check_text(description, "description") if description else None,
        address=check_text(address, "address") if address else cust.address,
        preferred_at=preferred,
        service_date=(preferred or now).astimezone(tz).date(),
        requires_sign_off=requires_sign_off,
        created_at=now,
        created_by=ctx.actor,
    )
    ctx.add(order)
    ctx.flush()
    for obj in _check_objects(ctx, customer, objects):
        ctx.add(OrderObject(order_number=number, object=obj))
    ctx.flush()
    slas.attach(ctx, order, sla)
    return show(ctx, number)


def update_order(
    ctx: Context,
    number: str,
    *,
    priority: str | None = None,
    technician: str | None = None,
    description: str | None = None,
    address: str | None = None,
    preferred_at: str | None = None,
    add_objects: Sequence[str] = (),
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    _require(_stage(ctx, order), "can_modify", "stage-allows-modify", "changes", number)
    if priority is not None:
        order.priority = _check_priority(priority)
    if technician is not None:
        order.technician = _check_technician(ctx, technician) if technician else None
    if description is not None:
        order.description = check_text(description, "description") or None
    if address is not None:
        order.address = check_text(address, "address") or None
    if preferred_at is not None:
        if preferred_at:
            order.preferred_at = parse_datetime(preferred_at, "preferred-at", tz=ctx.tz, now=ctx.now)
            order.service_date = order.preferred_at.astimezone(ctx.tz).date()
        else:
            order.preferred_at = None
    have = set(ctx.execute(select(OrderObject.object).where(OrderObject.order_number == number)).scalars())
    for obj in _check_objects(ctx, order.customer, add_objects):
        if obj not in have:
            ctx.add(OrderObject(order_number=number, object=obj))
    _touch(ctx, order)
    ctx.flush()
    return show(ctx, number)


# --- lines ------------------------------------------------------------------------------------


def add_line(
    ctx: Context,
    number: str,
    *,
    type: str,
    worker: str | None = None,
    item: str | None = None,
    task: str | None = None,
    obj: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    _require(_stage(ctx, order), "can_modify", "stage-allows-modify", "changing lines", number)
    kind = type.strip().lower()
    if kind not in rules.LINE_TYPES:
        raise InvalidInput("type", type, "expected hour, expense, item or fee")
    item_row = ctx.get(Item, item) if item else None
    if item and item_row is None:
        raise NotFound("item", item)
    task_row = ctx.get(ServiceTask, task) if task else None
    if task and task_row is None:
        raise NotFound("service task", task)
    if worker and ctx.get(Worker, worker) is None:
        raise NotFound("worker", worker)
    if kind == "item" and item_row is None:
        raise InvalidInput("item", "", "an item line needs --item")
    if kind == "hour" and not worker:
        worker = order.technician
    if obj:
        _check_objects(ctx, order.customer, [obj])
        if not ctx.get(OrderObject, (number, obj)):
            ctx.add(OrderObject(order_number=number, object=obj))

    if quantity is not None:
        qty = parse_quantity(quantity, "qty", allow_zero=False)
    elif kind == "hour" and task_row is not None:
        qty = task_row.hours
    else:
        qty = Decimal(1)
    if price is not None:
        unit_price = parse_money(price, "price")
    elif item_row is not None:
        unit_price = item_row.price
    elif task_row is not None:
        unit_price = task_row.price
    else:
        raise InvalidInput("price", "", f"a {kind} line without an item or task needs --price")
    text = check_text(description, "description") if description else _default_text(kind, item_row, task_row)
    line_no = (
        ctx.execute(select(func.max(OrderLine.line_no)).where(OrderLine.order_number == number)).scalar() or 0
    ) + 1
    line = OrderLine(
        order_number=number,
        line_no=line_no,
        type=kind,
        worker=worker,
        item=item,
        task=task,
        object=obj,
        quantity=qty,
        price=unit_price,
        description=text,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(line)
    if order.signed_off_at is not None:
        # new work after the sign-off: the order needs signing again
        order.signed_off_at = order.signed_off_by = None
    _touch(ctx, order)
    ctx.flush()
    return line_record(line)


def _default_text(kind: str, item: Item | None, task: ServiceTask | None) -> str:
    if item is not None:
        return item.name
    if task is not None:
        return task.description
    return {"hour": "Work", "expense": "Expense", "fee": "Fee"}.get(kind, kind)


def _line(ctx: Context, number: str, line_no: int) -> OrderLine:
    line = ctx.execute(
        select(OrderLine).where(OrderLine.order_number == number, OrderLine.line_no == line_no)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound("order line", f"{number}/{line_no}")
    return line


def _change_line_status(
    ctx: Context, number: str, line_no: int, *, before: str, after: str, rule: str, doing: str
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    _require(_stage(ctx, order), "can_modify", "stage-allows-modify", "changing lines", number)
    line = _line(ctx, number, line_no)
    if line.status != before:
        raise RuleViolation(rule, f"line {line_no} of {number} is {line.status}; only {before} lines can be {doing}")
    line.status = after
    line.updated_at, line.updated_by = ctx.now, ctx.actor
    _touch(ctx, order)
    ctx.flush()
    return line_record(line)


def cancel_line(ctx: Context, number: str, line_no: int) -> dict[str, Any]:
    return _change_line_status(
        ctx, number, line_no, before="created", after="canceled", rule="only-open-lines", doing="canceled"
    )


def revoke_line(ctx: Context, number: str, line_no: int) -> dict[str, Any]:
    """Undo a line's cancellation: it becomes a created line again."""
    return _change_line_status(
        ctx, number, line_no, before="canceled", after="created", rule="revoke-canceled-lines", doing="revoked"
    )


def move_lines(ctx: Context, source: str, target: str, line_nos: Sequence[int]) -> dict[str, Any]:
    """Move created lines to another order of the same agreement."""
    if source == target:
        raise RuleViolation("different-orders", "source and target are the same order")
    first, second = sorted([source, target])
    orders = {first: get(ctx, first, lock=True), second: get(ctx, second, lock=True)}
    src, dst = orders[source], orders[target]
    if src.agreement is None or src.agreement != dst.agreement:
        raise RuleViolation(
            "same-agreement",
            f"lines move only between orders of the same agreement ({source}: {src.agreement or 'none'}, {target}: {dst.agreement or 'none'})",
        )
    for order in (src, dst):
        _require(_stage(ctx, order), "can_modify", "stage-allows-modify", "changing lines", order.number)
    if not line_nos:
        raise InvalidInput("line", "", "give at least one --line")
    lines = [_line(ctx, source, n) for n in dict.fromkeys(line_nos)]
    for line in lines:
        if line.status != "created":
            raise RuleViolation(
                "only-open-lines", f"line {line.line_no} of {source} is {line.status}; only created lines move"
            )
    next_no = (
        ctx.execute(select(func.max(OrderLine.line_no)).where(OrderLine.order_number == target)).scalar() or 0
    ) + 1
    moved = []
    have = set(ctx.execute(select(OrderObject.object).where(OrderObject.order_number == target)).scalars())
    for offset, line in enumerate(lines):
        moved.append({"from": f"{source}/{line.line_no}", "to": f"{target}/{next_no + offset}"})
        line.order_number, line.line_no = target, next_no + offset
        line.updated_at, line.updated_by = ctx.now, ctx.actor
        if line.object and line.object not in have:
            ctx.add(OrderObject(order_number=target, object=line.object))
            have.add(line.object)
    _touch(ctx, src)
    _touch(ctx, dst)
    ctx.flush()
    return {"source": source, "target": target, "moved": moved}


# --- stages -----------------------------------------------------------------------------------


def move(
    ctx: Context, number: str, stage: str, *, reason: str | None = None, back: bool = False, note: str | None = None
) -> dict[str, Any]:
    """Move an order to a child of its stage (or, with ``back``, to an earlier stage on its path)."""
    order = get(ctx, number, lock=True)
    current = _stage(ctx, order)
    target = stages.get(ctx, stage)
    if target.stage == current.stage:
        raise RuleViolation("move-to-child-stage", f"{number} is already in stage {stage!r}")
    if back:
        if target.stage not in stages.ancestors(ctx, current):
            raise RuleViolation("back-to-earlier-stage", f"{stage!r} is not an earlier stage of {current.stage!r}")
    elif target.parent != current.stage:
        hint = " (it is an earlier stage: add --back)" if target.stage in stages.ancestors(ctx, current) else ""
        children = [s.stage for s in stages.all_stages(ctx) if s.parent == current.stage]
        raise RuleViolation(
            "move-to-child-stage",
            f"{number} can move from {current.stage!r} only to {', '.join(map(repr, children)) or 'no further stage'}, not {stage!r}{hint}",
        )
    if target.cancels:
        return cancel(ctx, number, reason=reason, note=note, _target=target)
    if target.requires_reason and not reason:
        raise RuleViolation("stage-requires-reason", f"moving to {stage!r} needs a reason code (--reason)")
    if reason:
        stages.reason(ctx, reason)
    from custsvc.services import sla as slas

    slas.check_missed_target(ctx, order, current, reason)
    _log(ctx, number, current.stage, target.stage, reason, note)
    order.stage = target.stage
    _touch(ctx, order)
    ctx.flush()
    slas.on_stage_change(ctx, order, current, target, reason, initial=stages.initial(ctx).stage)
    return show(ctx, number)


def cancel(
    ctx: Context, number: str, *, reason: str | None, note: str | None = None, _target: Stage | None = None
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    current = _stage(ctx, order)
    _require(current, "can_cancel", "stage-allows-cancel", "canceling", number)
    target = _target or stages.cancel_stage(ctx)
    if not reason:
        raise RuleViolation("stage-requires-reason", "canceling an order needs a reason code (--reason)")
    stages.reason(ctx, reason)
    posted = ctx.execute(
        select(func.count())
        .select_from(OrderLine)
        .where(OrderLine.order_number == number, OrderLine.status == "posted")
    ).scalar_one()
    if posted:
        raise RuleViolation("posted-lines-stay", f"{number} has {posted} posted line(s); credit the invoice instead")
    ctx.execute(
        update(OrderLine)
        .where(OrderLine.order_number == number, OrderLine.status == "created")
        .values(status="canceled", updated_at=ctx.now, updated_by=ctx.actor)
    )
    _log(ctx, number, current.stage, target.stage, reason, note)
    order.stage = target.stage
    _touch(ctx, order)
    ctx.flush()
    from custsvc.services import sla as slas

    slas.on_stage_change(ctx, order, current, target, reason, initial=stages.initial(ctx).stage)
    return show(ctx, number)


def delete_order(ctx: Context, number: str) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    _require(_stage(ctx, order), "can_delete", "stage-allows-delete", "deleting", number)
    posted = ctx.execute(
        select(func.count())
        .select_from(OrderLine)
        .where(OrderLine.order_number == number, OrderLine.status == "posted")
    ).scalar_one()
    if posted:
        raise RuleViolation("posted-lines-stay", f"{number} has posted lines and cannot be deleted")
    record = show(ctx, number)
    from custsvc.models import OrderSla, SlaLog

    for model in (SlaLog, OrderSla, OrderStageLog, OrderObject, OrderLine):
        ctx.execute(delete(model).where(model.order_number == number))  # type: ignore[attr-defined]
    ctx.delete(order)
    ctx.flush()
    return record


def sign_off(ctx: Context, number: str, line_nos: Sequence[int] = ()) -> dict[str, Any]:
    """Mark the work complete: the whole order, or single lines."""
    order = get(ctx, number, lock=True)
    if _stage(ctx, order).cancels:
        raise RuleViolation("not-canceled", f"{number} is canceled")
    now, actor = ctx.now, ctx.actor
    if line_nos:
        for n in dict.fromkeys(line_nos):
            line = _line(ctx, number, n)
            if line.status == "canceled":
                raise RuleViolation("only-open-lines", f"line {n} of {number} is canceled")
            if line.signed_off_at is None:
                line.signed_off_at, line.signed_off_by = now, actor
        ctx.flush()
        unsigned = ctx.execute(
            select(func.count())
            .select_from(OrderLine)
            .where(OrderLine.order_number == number, OrderLine.status != "canceled", OrderLine.signed_off_at.is_(None))
        ).scalar_one()
        if unsigned == 0 and order.signed_off_at is None:
            order.signed_off_at, order.signed_off_by = now, actor
    else:
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.order_number == number, OrderLine.status != "canceled", OrderLine.signed_off_at.is_(None))
            .values(signed_off_at=now, signed_off_by=actor)
        )
        if order.signed_off_at is None:
            order.signed_off_at, order.signed_off_by = now, actor
    _touch(ctx, order)
    ctx.flush()
    if order.signed_off_at is not None:
        from custsvc.services import sla as slas

        slas.on_sign_off(ctx, number)
    ctx.expire_all()
    return show(ctx, number)


# --- posting ----------------------------------------------------------------------------------


def post(ctx: Context, number: str) -> dict[str, Any]:
    """Post the order's open lines into one invoice for the customer."""
    order = get(ctx, number, lock=True)
    _require(_stage(ctx, order), "can_post", "stage-allows-post", "posting", number)
    lines = list(
        ctx.execute(
            select(OrderLine)
            .where(OrderLine.order_number == number, OrderLine.status == "created")
            .order_by(OrderLine.line_no)
        ).scalars()
    )
    if not lines:
        raise RuleViolation("lines-to-post", f"{number} has no open lines to post")
    if order.requires_sign_off:
        unsigned = [str(line.line_no) for line in lines if line.signed_off_at is None]
        if unsigned:
            raise RuleViolation(
                "signed-off-before-post",
                f"{number} must be signed off before posting (unsigned lines: {', '.join(unsigned)})",
            )
    invoice = invoices.create_invoice(
        ctx,
        customer=order.customer,
        lines=[
            invoices.NewLine(
                description=line.description or line.type,
                quantity=line.quantity,
                unit_price=line.price,
                source_type="order",
                source=number,
                order_line_id=line.id,
            )
            for line in lines
        ],
    )
    ctx.execute(
        update(OrderLine)
        .where(OrderLine.id.in_([line.id for line in lines]))
        .values(status="posted", updated_at=ctx.now, updated_by=ctx.actor)
    )
    _touch(ctx, order)
    ctx.flush()
    return invoice


# --- reading ----------------------------------------------------------------------------------


def line_record(line: OrderLine) -> dict[str, Any]:
    return {
        "order": line.order_number,
        "line": line.line_no,
        "type": line.type,
        "description": line.description,
        "worker": line.worker,
        "item": line.item,
        "task": line.task,
        "object": line.object,
        "quantity": line.quantity,
        "price": line.price,
        "amount": rules.line_amount(line.quantity, line.price),
        "status": line.status,
        "signed_off_at": line.signed_off_at,
        "signed_off_by": line.signed_off_by,
        "agreement_line": line.agreement_line_id,
        "visit_date": line.visit_date,
        "created_at": line.created_at,
        "created_by": line.created_by,
    }


def _summaries(ctx: Context, numbers: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Per order: line statuses, total of the lines not canceled, open total, objects."""
    query = select(OrderLine.order_number, OrderLine.status, OrderLine.quantity, OrderLine.price)
    objects_query = select(OrderObject.order_number, OrderObject.object).order_by(OrderObject.object)
    if numbers is not None and len(numbers) <= 900:
        query = query.where(OrderLine.order_number.in_(list(numbers)))
        objects_query = objects_query.where(OrderObject.order_number.in_(list(numbers)))
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"statuses": [], "total": Decimal("0.00"), "open": Decimal("0.00"), "objects": []}
    )
    for number, status, qty, price in ctx.execute(query):
        summary = out[number]
        summary["statuses"].append(status)
        if status != "canceled":
            amount = rules.line_amount(qty, price)
            summary["total"] += amount
            if status == "created":
                summary["open"] += amount
    for number, obj in ctx.execute(objects_query):
        out[number]["objects"].append(obj)
    return out


def _record(
    order: ServiceOrder, summary: dict[str, Any], canceled_stages: set[str], sla: dict[str, Any] | None = None
) -> dict[str, Any]:
    sla = sla or {}
    return {
        "order": order.number,
        "customer": order.customer,
        "agreement": order.agreement,
        "priority": order.priority,
        "stage": order.stage,
        "progress": rules.progress(summary["statuses"], canceled=order.stage in canceled_stages),
        "technician": order.technician,
        "service_date": order.service_date,
        "preferred_at": order.preferred_at,
        "description": order.description,
        "address": order.address,
        "objects": summary["objects"],
        "lines": len(summary["statuses"]),
        "total": summary["total"],
        "open_total": summary["open"],
        "sla": sla.get("sla"),
        "sla_status": sla.get("sla_status"),
        "time_left": sla.get("time_left"),
        "resolution_due": sla.get("resolution_due"),
        "requires_sign_off": order.requires_sign_off,
        "signed_off_at": order.signed_off_at,
        "signed_off_by": order.signed_off_by,
        "created_at": order.created_at,
        "created_by": order.created_by,
        "updated_at": order.updated_at,
        "updated_by": order.updated_by,
    }


def _canceled_stages(ctx: Context) -> set[str]:
    return set(ctx.execute(select(Stage.stage).where(Stage.cancels.is_(True))).scalars())


def list_orders(
    ctx: Context,
    *,
    stage: str | None = None,
    customer: str | None = None,
    agreement: str | None = None,
    technician: str | None = None,
    open_only: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    query = select(ServiceOrder)
    if stage:
        stages.get(ctx, stage)
        query = query.where(ServiceOrder.stage == stage)
    if customer:
        query = query.where(ServiceOrder.customer == customer)
    if agreement:
        query = query.where(ServiceOrder.agreement == agreement)
    if technician:
        query = query.where(ServiceOrder.technician == technician)
    if date_from:
        query = query.where(ServiceOrder.service_date >= date_from)
    if date_to:
        query = query.where(ServiceOrder.service_date <= date_to)
    canceled = _canceled_stages(ctx)
    if open_only:
        query = query.where(ServiceOrder.stage.not_in(canceled)).where(
            ~select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number).exists()
            | select(OrderLine.id)
            .where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "created")
            .exists()
        )
    query = query.order_by(ServiceOrder.number)
    if limit:
        query = query.limit(limit)
    orders = list(ctx.execute(query).scalars())
    numbers = [o.number for o in orders]
    summaries = _summaries(ctx, numbers)
    from custsvc.services import sla as slas

    clocks = slas.summaries(ctx, numbers)
    return [_record(o, summaries[o.number], canceled, clocks.get(o.number)) for o in orders]


def show(ctx: Context, number: str) -> dict[str, Any]:
    from custsvc.services import sla as slas

    order = get(ctx, number)
    record = _record(
        order,
        _summaries(ctx, [number])[number],
        _canceled_stages(ctx),
        slas.summaries(ctx, [number]).get(number),
    )
    lines = ctx.execute(
        select(OrderLine).where(OrderLine.order_number == number).order_by(OrderLine.line_no)
    ).scalars()
    record["line_items"] = [line_record(line) for line in lines]
    history = [
        {
            "at": order.created_at,
            "from_stage": None,
            "to_stage": stages.initial(ctx).stage,
            "actor": order.created_by,
            "reason": None,
            "note": "created",
        }
    ]
    for entry in ctx.execute(
        select(OrderStageLog).where(OrderStageLog.order_number == number).order_by(OrderStageLog.id)
    ).scalars():
        history.append(
            {
                "at": entry.at,
                "from_stage": entry.from_stage,
                "to_stage": entry.to_stage,
                "actor": entry.actor,
                "reason": entry.reason,
                "note": entry.note,
            }
        )
    record["history"] = history
    return record


def parse_when(ctx: Context, text: str, field: str) -> datetime:
    return parse_datetime(text, field, tz=ctx.tz, now=ctx.now)
