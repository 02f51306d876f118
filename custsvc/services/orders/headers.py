"""Creating service orders and changing their header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.errors import NotFound, RuleViolation
from custsvc.models import (
    Agreement,
    Customer,
    OrderObject,
    ServiceOrder,
)
from custsvc.services import sequences, settings, stages
from custsvc.services.orders.checks import check_objects, check_priority, get, require_flag, stage_of, touch
from custsvc.services.orders.events import NewOrder, OrdersCreated
from custsvc.services.orders.lifecycle import transition
from custsvc.services.orders.reading import show
from custsvc.services.workers import require_technician


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
    preferred = ctx.moment(preferred_at, "preferred-at") if preferred_at else None
    if requires_sign_off is None:
        requires_sign_off = settings.get(ctx, "sign_off_required") == "yes"
    priority = check_priority(priority)
    technician_key = require_technician(ctx, technician).worker if technician else None
    object_keys = check_objects(ctx, customer, objects)
    number = sequences.next_number(ctx, "order")
    event = OrdersCreated([NewOrder(number, customer, agreement, priority, now, sla=sla)])
    with transition(ctx, event):
        ctx.add(
            ServiceOrder(
                number=number,
                customer=customer,
                agreement=agreement,
                priority=priority,
                stage=stages.initial(ctx).stage,
                technician=technician_key,
                description=check_text(description, "description") if description else None,
                address=check_text(address, "address") if address else cust.address,
                preferred_at=preferred,
                service_date=(preferred or now).astimezone(tz).date(),
                requires_sign_off=requires_sign_off,
                created_at=now,
                created_by=ctx.actor,
            )
        )
        ctx.flush()
        for obj in object_keys:
            ctx.add(OrderObject(order_number=number, object=obj))
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
    require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changes", number)
    if priority is not None:
        order.priority = check_priority(priority)
    if technician is not None:
        order.technician = require_technician(ctx, technician).worker if technician else None
    if description is not None:
        order.description = check_text(description, "description") or None
    if address is not None:
        order.address = check_text(address, "address") or None
    if preferred_at is not None:
        if preferred_at:
            order.preferred_at = ctx.moment(preferred_at, "preferred-at")
            order.service_date = order.preferred_at.astimezone(ctx.tz).date()
        else:
            order.preferred_at = None
    have = set(ctx.execute(select(OrderObject.object).where(OrderObject.order_number == number)).scalars())
    for obj in check_objects(ctx, order.customer, add_objects):
        if obj not in have:
            ctx.add(OrderObject(order_number=number, object=obj))
    touch(ctx, order)
    ctx.flush()
    return show(ctx, number)
