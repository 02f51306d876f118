"""What service orders register on the bus (registered by ``custsvc.bootstrap``):

* crediting an order's invoice lines with ``--reopen`` puts the order lines back to open, so they
  can be posted again;
* ``customer show`` lists the customer's open orders (``open_condition``, the one definition of open);
* ``object show`` lists every order with the object on its header or on one of its lines.

The sections are order records (``reading.records``: set-based, with what other capabilities
contribute to every order, e.g. the SLA status and the assigned technician), cut to a few fields.
Repairs and BOMs will add their own ``object-detail`` sections in their hooks the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update

from custsvc.context import Context
from custsvc.events import Bus
from custsvc.models import OrderLine, OrderObject, ServiceOrder
from custsvc.services.batch import select_in

#: an open order under its customer: when, where it stands, how urgent, who goes
OPEN_ORDER_FIELDS = ("order", "service_date", "stage", "priority", "sla_status", "assigned")
#: an order under its service object
OBJECT_ORDER_FIELDS = ("order", "service_date", "stage", "customer", "total", "progress")


def reopen_order_lines(ctx: Context, lines: Sequence[Any]) -> None:
    ids = [line.order_line_id for line in lines if line.order_line_id is not None]
    if ids:
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.id.in_(ids), OrderLine.status == "posted")
            .values(status="created", updated_at=ctx.now, updated_by=ctx.actor)
        )


def _cut(record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {name: record.get(name) for name in fields}


def customer_open_orders(ctx: Context, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per customer, its open orders, the next service date first (orders without one last)."""
    from custsvc.services.orders.reading import open_condition, records

    query = select(ServiceOrder).where(open_condition())
    orders = [order for (order,) in select_in(ctx, query, ServiceOrder.customer, accounts)]
    found: dict[str, list[dict[str, Any]]] = {account: [] for account in accounts}
    for record in records(ctx, orders) if orders else []:
        found[record["customer"]].append(record)
    for rows in found.values():
        rows.sort(key=lambda r: (r["service_date"] is None, r["service_date"] or date.min, r["order"]))
    return {account: {"open_orders": [_cut(r, OPEN_ORDER_FIELDS) for r in rows]} for account, rows in found.items()}


def _orders_of_objects(ctx: Context, objects: Sequence[str]) -> dict[str, set[str]]:
    """Per object, the orders that have it on their header or on one of their lines."""
    out: dict[str, set[str]] = defaultdict(set)
    header = select(OrderObject.object, OrderObject.order_number)
    for obj, number in select_in(ctx, header, OrderObject.object, objects):
        out[obj].add(number)
    lines = select(OrderLine.object, OrderLine.order_number).distinct()
    for obj, number in select_in(ctx, lines, OrderLine.object, objects):
        out[obj].add(number)
    return out


def object_orders(ctx: Context, objects: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per service object, every order with it on the header or a line, the newest first."""
    from custsvc.services.orders.reading import records

    numbers = _orders_of_objects(ctx, objects)
    wanted = sorted({number for found in numbers.values() for number in found})
    orders = [order for (order,) in select_in(ctx, select(ServiceOrder), ServiceOrder.number, wanted)]
    orders.sort(key=lambda o: (o.created_at, o.number), reverse=True)
    by_number = {r["order"]: r for r in (records(ctx, orders) if orders else [])}
    newest_first = {number: at for at, number in enumerate(by_number)}
    return {
        obj: {
            "orders": [
                _cut(by_number[number], OBJECT_ORDER_FIELDS)
                for number in sorted(numbers.get(obj, ()), key=newest_first.__getitem__)
            ]
        }
        for obj in objects
    }


def register(bus: Bus) -> None:
    bus.on_reopen("order", reopen_order_lines)
    bus.contribute("customer-detail", ("open_orders",), customer_open_orders)
    bus.contribute("object-detail", ("orders",), object_orders)
