"""What master data registers on the bus (registered by ``custsvc.bootstrap``): ``customer show``
lists the customer's service objects (see ``detail``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from custsvc.events import Bus
from custsvc.models import ServiceObject
from custsvc.services.batch import select_in
from custsvc.services.master.records import records

#: the fields of an object in the customer's section (the customer is the one shown)
OBJECT_FIELDS = ("object", "item", "serial", "description", "group")


def customer_objects(ctx: Any, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per customer, its service objects by key: one statement per 900 customers."""
    found: dict[str, list[dict[str, Any]]] = {account: [] for account in accounts}
    query = select(ServiceObject).order_by(ServiceObject.object)
    objs = [obj for (obj,) in select_in(ctx, query, ServiceObject.customer, accounts)]
    for record in records(ctx, "object", objs):
        found[record["customer"]].append({name: record[name] for name in OBJECT_FIELDS})
    return {account: {"objects": rows} for account, rows in found.items()}


def register(bus: Bus) -> None:
    bus.contribute("customer-detail", ("objects",), customer_objects)
