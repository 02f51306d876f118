"""Lines of a service order: add, cancel, revoke a cancellation, move to another order of the agreement."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.checks import check_text
from custsvc.domain.money import check_amount, parse_money, parse_quantity
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import Item, OrderLine, OrderObject, ServiceOrder, ServiceTask, Worker
from custsvc.services.orders.checks import check_objects, get, get_line, require_flag, stage_of, touch
from custsvc.services.orders.events import LineAdded, LineCanceled, LineRevoked, LinesMoved, LineUpdated
from custsvc.services.orders.lifecycle import transition
from custsvc.services.orders.reading import line_record


def _lookup(ctx: Context, model: Any, key: str | None, label: str) -> Any:
    if not key:
        return None
    row = ctx.get(model, key)
    if row is None:
        raise NotFound(label, key)
    return row


def _default_text(kind: str, item: Item | None, task: ServiceTask | None) -> str:
    if item is not None:
        return item.name
    if task is not None:
        return task.description
    return {"hour": "Work", "expense": "Expense", "fee": "Fee"}.get(kind, kind)


def _quantity(kind: str, quantity: str | None, task: ServiceTask | None) -> Decimal:
    if quantity is not None:
        return parse_quantity(quantity, "qty", allow_zero=False)
    if kind == "hour" and task is not None:
        return task.hours
    return Decimal(1)


def _price(kind: str, price: str | None, item: Item | None, task: ServiceTask | None) -> Decimal:
    if price is not None:
        return parse_money(price, "price")
    if item is not None:
        return item.price
    if task is not None:
        return task.price
    raise InvalidInput("price", "", f"{rules.article(kind)} {kind} line without an item or task needs --price")


def _check_amounts(
    ctx: Context, order: ServiceOrder, quantity: Decimal, price: Decimal, *, instead_of: int | None = None
) -> None:
    """The line's amount, and the order's total with it (``instead_of`` the line it replaces), must be
    amounts custsvc can keep and invoice."""
    amount = check_amount(rules.line_amount(quantity, price), "qty x price", f"{quantity} x {price}")
    query = select(OrderLine.quantity, OrderLine.price).where(
        OrderLine.order_number == order.number, OrderLine.status != "canceled"
    )
    if instead_of is not None:
        query = query.where(OrderLine.id != instead_of)
    total = sum((rules.line_amount(q, p) for q, p in ctx.execute(query)), amount)
    check_amount(total, f"{order.number}'s total with a line of", format(amount, "f"))


def next_line_no(ctx: Context, number: str) -> int:
    top = ctx.execute(select(func.max(OrderLine.line_no)).where(OrderLine.order_number == number)).scalar()
    return (top or 0) + 1


def _new_line(ctx: Context, order: ServiceOrder, kind: str, values: dict[str, Any]) -> OrderLine:
    """The line ``order line add`` asks for, checked and with its defaults, not yet written."""
    item = _lookup(ctx, Item, values["item"], "item")
    task = _lookup(ctx, ServiceTask, values["task"], "service task")
    _lookup(ctx, Worker, values["worker"], "worker")
    if kind == "item" and item is None:
        raise InvalidInput("item", "", "an item line needs --item")
    if values["obj"]:
        check_objects(ctx, order.customer, [values["obj"]])
    description = values["description"]
    quantity, price = _quantity(kind, values["quantity"], task), _price(kind, values["price"], item, task)
    _check_amounts(ctx, order, quantity, price)
    return OrderLine(
        order_number=order.number,
        line_no=next_line_no(ctx, order.number),
        type=kind,
        worker=values["worker"] or (order.technician if kind == "hour" else None),
        item=values["item"],
        task=values["task"],
        object=values["obj"],
        quantity=quantity,
        price=price,
        description=check_text(description, "description") if description else _default_text(kind, item, task),
        created_at=ctx.now,
        created_by=ctx.actor,
    )


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
    force: bool = False,
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changing lines", number)
    kind = type.strip().lower()
    if kind not in rules.LINE_TYPES:
        raise InvalidInput("type", type, "expected hour, expense, item or fee")
    values = dict(worker=worker, item=item, task=task, obj=obj, quantity=quantity, price=price)
    line = _new_line(ctx, order, kind, {**values, "description": description})
    with transition(ctx, LineAdded(order, line), force=force):
        if obj and not ctx.get(OrderObject, (number, obj)):
            ctx.add(OrderObject(order_number=number, object=obj))
        ctx.add(line)
        if order.signed_off_at is not None:
            # new work after the sign-off: the order needs signing again
            order.signed_off_at = order.signed_off_by = None
        touch(ctx, order)
    return line_record(line)


def _changes(ctx: Context, order: ServiceOrder, line: OrderLine, values: dict[str, Any]) -> dict[str, Any]:
    """The new values ``order line update`` asks for, checked (only those that differ)."""
    new: dict[str, Any] = {}
    if values["quantity"] is not None:
        new["quantity"] = parse_quantity(values["quantity"], "qty", allow_zero=False)
    if values["price"] is not None:
        new["price"] = parse_money(values["price"], "price")
    if values["description"] is not None:
        new["description"] = check_text(values["description"], "description")
    if values["worker"] is not None:
        new["worker"] = _lookup(ctx, Worker, values["worker"], "worker").worker if values["worker"] else None
    if values["obj"] is not None:
        if values["obj"]:
            check_objects(ctx, order.customer, [values["obj"]])
        new["object"] = values["obj"] or None
    return {k: v for k, v in new.items() if getattr(line, k) != v}


def update_line(
    ctx: Context,
    number: str,
    line_no: int,
    *,
    quantity: str | None = None,
    price: str | None = None,
    description: str | None = None,
    worker: str | None = None,
    obj: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Change an open line in place. A new quantity or price on a signed-off line takes its sign-off
    (and the order's) away: the work to sign for has changed."""
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changing lines", number)
    line = get_line(ctx, number, line_no)
    if line.status != "created":
        raise RuleViolation(
            "only-open-lines", f"line {line_no} of {number} is {line.status}; only created lines change"
        )
    values = dict(quantity=quantity, price=price, description=description, worker=worker, obj=obj)
    changes = _changes(ctx, order, line, values)
    if not changes:
        return {**line_record(line), "changed": []}
    if "quantity" in changes or "price" in changes:
        qty, unit = changes.get("quantity", line.quantity), changes.get("price", line.price)
        _check_amounts(ctx, order, qty, unit, instead_of=line.id)
    with transition(ctx, LineUpdated(order, line, {k: getattr(line, k) for k in changes}), force=force):
        for key, value in changes.items():
            setattr(line, key, value)
        if changes.get("object") and not ctx.get(OrderObject, (number, changes["object"])):
            ctx.add(OrderObject(order_number=number, object=changes["object"]))
        if ("quantity" in changes or "price" in changes) and line.signed_off_at is not None:
            line.signed_off_at = line.signed_off_by = None
            order.signed_off_at = order.signed_off_by = None
        line.updated_at, line.updated_by = ctx.now, ctx.actor
        touch(ctx, order)
    return {**line_record(line), "changed": sorted(changes)}


def _change_line_status(
    ctx: Context, number: str, line_no: int, *, before: str, after: str, rule: str, doing: str, force: bool
) -> dict[str, Any]:
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changing lines", number)
    line = get_line(ctx, number, line_no)
    if line.status != before:
        raise RuleViolation(rule, f"line {line_no} of {number} is {line.status}; only {before} lines can be {doing}")
    event = LineCanceled(order, line) if after == "canceled" else LineRevoked(order, line)
    with transition(ctx, event, force=force):
        line.status = after
        line.updated_at, line.updated_by = ctx.now, ctx.actor
        touch(ctx, order)
    return line_record(line)


def cancel_line(ctx: Context, number: str, line_no: int, *, force: bool = False) -> dict[str, Any]:
    return _change_line_status(
        ctx, number, line_no, before="created", after="canceled", rule="only-open-lines", doing="canceled", force=force
    )


def revoke_line(ctx: Context, number: str, line_no: int, *, force: bool = False) -> dict[str, Any]:
    """Undo a line's cancellation: it becomes a created line again."""
    return _change_line_status(
        ctx,
        number,
        line_no,
        before="canceled",
        after="created",
        rule="revoke-canceled-lines",
        doing="revoked",
        force=force,
    )


def _movable_lines(ctx: Context, src: ServiceOrder, dst: ServiceOrder, line_nos: Sequence[int]) -> list[OrderLine]:
    if src.agreement is None or src.agreement != dst.agreement:
        raise RuleViolation(
            "same-agreement",
            f"lines move only between orders of the same agreement ({src.number}: {src.agreement or 'none'}, "
            f"{dst.number}: {dst.agreement or 'none'})",
        )
    for order in (src, dst):
        require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changing lines", order.number)
    if not line_nos:
        raise InvalidInput("line", "", "give at least one --line")
    lines = [get_line(ctx, src.number, n) for n in dict.fromkeys(line_nos)]
    for line in lines:
        if line.status != "created":
            raise RuleViolation(
                "only-open-lines", f"line {line.line_no} of {src.number} is {line.status}; only created lines move"
            )
    return lines


def move_lines(ctx: Context, source: str, target: str, line_nos: Sequence[int]) -> dict[str, Any]:
    """Move created lines to another order of the same agreement."""
    if source == target:
        raise RuleViolation("different-orders", f"source and target are the same order {source!r}")
    first, second = sorted([source, target])
    orders = {first: get(ctx, first, lock=True), second: get(ctx, second, lock=True)}
    src, dst = orders[source], orders[target]
    lines = _movable_lines(ctx, src, dst, line_nos)
    next_no = next_line_no(ctx, target)
    pairs = [(line.line_no, next_no + offset) for offset, line in enumerate(lines)]
    have = set(ctx.execute(select(OrderObject.object).where(OrderObject.order_number == target)).scalars())
    with transition(ctx, LinesMoved(src, dst, pairs)):
        for line, (_old, new) in zip(lines, pairs, strict=True):
            line.order_number, line.line_no = target, new
            line.updated_at, line.updated_by = ctx.now, ctx.actor
            if line.object and line.object not in have:
                ctx.add(OrderObject(order_number=target, object=line.object))
                have.add(line.object)
        touch(ctx, src)
        touch(ctx, dst)
    moved = [{"from": f"{source}/{old}", "to": f"{target}/{new}"} for old, new in pairs]
    return {"source": source, "target": target, "moved": moved}
