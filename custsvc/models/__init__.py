"""SQLModel tables, one module per aggregate, loaded when first named.

``from custsvc.models import Customer`` imports the module that defines ``Customer`` and the modules
its foreign keys point into (a flush sorts tables by their foreign keys, so those tables must be
known), not all of them: building the table classes is most of a command's start-up. What needs
every table (migrations, the demo's copy, "what refers to this record") calls ``load_all()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from custsvc.models.agreements import Agreement, AgreementLine
    from custsvc.models.base import AUDIT_FIELDS, Audited
    from custsvc.models.bom import (
        BomTemplate,
        BomTemplateComponent,
        BomTemplateVersion,
        ObjectBom,
        ObjectBomChange,
        ObjectBomComponent,
    )
    from custsvc.models.dispatch import Absence, Assignment, RemovedAssignment
    from custsvc.models.invoices import Invoice, InvoiceLine
    from custsvc.models.master import (
        Customer,
        Item,
        ServiceObject,
        ServiceTask,
        Setting,
        Team,
        Worker,
        WorkerRole,
        WorkerSkill,
    )
    from custsvc.models.orders import (
        NumberSequence,
        OrderLine,
        OrderObject,
        OrderStageLog,
        ReasonCode,
        ServiceOrder,
        Stage,
    )
    from custsvc.models.repairs import RepairCode, RepairLine, RepairOrderLine, RepairPart, RepairStage
    from custsvc.models.returns import ReturnDisposition, ReturnLine, ReturnOrder, ReturnReason
    from custsvc.models.sla import Calendar, CalendarHoliday, OrderSla, Sla, SlaAssignment, SlaLog, SlaTarget
    from custsvc.models.stock import SerialUnit, StockMove
    from custsvc.models.subscriptions import (
        AccrualEntry,
        Subscription,
        SubscriptionBilling,
        SubscriptionGroup,
        SubscriptionIndex,
        SubscriptionPrice,
        SubscriptionReduction,
    )

#: the module defining each name
_HOMES = {
    name: module
    for module, names in {
        "agreements": ("Agreement", "AgreementLine"),
        "base": ("AUDIT_FIELDS", "Audited"),
        "bom": ("BomTemplate", "BomTemplateComponent", "BomTemplateVersion", "ObjectBom", "ObjectBomChange",
                "ObjectBomComponent"),
        "dispatch": ("Absence", "Assignment", "RemovedAssignment"),
        "invoices": ("Invoice", "InvoiceLine"),
        "master": ("Customer", "Item", "ServiceObject", "ServiceTask", "Setting", "Team", "Worker", "WorkerRole",
                   "WorkerSkill"),
        "orders": ("NumberSequence", "OrderLine", "OrderObject", "OrderStageLog", "ReasonCode", "ServiceOrder",
                   "Stage"),
        "repairs": ("RepairCode", "RepairLine", "RepairOrderLine", "RepairPart", "RepairStage"),
        "returns": ("ReturnDisposition", "ReturnLine", "ReturnOrder", "ReturnReason"),
        "sla": ("Calendar", "CalendarHoliday", "OrderSla", "Sla", "SlaAssignment", "SlaLog", "SlaTarget"),
        "stock": ("SerialUnit", "StockMove"),
        "subscriptions": ("AccrualEntry", "Subscription", "SubscriptionBilling", "SubscriptionGroup",
                          "SubscriptionIndex", "SubscriptionPrice", "SubscriptionReduction"),
    }.items()
    for name in names
}  # fmt: skip

#: the modules whose tables a module's foreign keys point into (a test keeps this complete)
REFERS_TO = {
    "agreements": ("master",),
    "bom": ("master",),
    "dispatch": ("master", "orders"),
    "invoices": ("master", "orders", "subscriptions"),
    "master": ("sla",),
    "orders": ("agreements", "master"),
    "repairs": ("master", "orders"),
    "returns": ("invoices", "master", "orders"),
    "sla": ("orders",),
    "stock": ("master",),
    "subscriptions": ("invoices", "master"),
}


def _load(module: str) -> None:
    todo, seen = [module], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        loaded = importlib.import_module(f"custsvc.models.{name}")
        globals().update({key: getattr(loaded, key) for key, home in _HOMES.items() if home == name})
        todo.extend(REFERS_TO.get(name, ()))


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'custsvc.models' has no attribute {name!r}")
    _load(home)
    return globals()[name]


def load_all() -> None:
    """Register every table on the metadata."""
    for module in sorted(set(_HOMES.values())):
        _load(module)


__all__ = [
    "RepairCode",
    "RepairLine",
    "RepairOrderLine",
    "RepairPart",
    "RepairStage",
    "ReturnDisposition",
    "ReturnLine",
    "ReturnOrder",
    "ReturnReason",
    "BomTemplate",
    "BomTemplateComponent",
    "BomTemplateVersion",
    "ObjectBom",
    "ObjectBomChange",
    "ObjectBomComponent",
    "SerialUnit",
    "StockMove",
    "AccrualEntry",
    "RemovedAssignment",
    "Subscription",
    "SubscriptionBilling",
    "SubscriptionGroup",
    "SubscriptionIndex",
    "SubscriptionPrice",
    "SubscriptionReduction",
    "Absence",
    "Assignment",
    "Calendar",
    "CalendarHoliday",
    "OrderSla",
    "Sla",
    "SlaAssignment",
    "SlaLog",
    "SlaTarget",
    "Agreement",
    "AgreementLine",
    "Invoice",
    "InvoiceLine",
    "NumberSequence",
    "OrderLine",
    "OrderObject",
    "OrderStageLog",
    "ReasonCode",
    "ServiceOrder",
    "Stage",
    "AUDIT_FIELDS",
    "Audited",
    "Customer",
    "Item",
    "ServiceObject",
    "ServiceTask",
    "Setting",
    "Team",
    "Worker",
    "WorkerRole",
    "WorkerSkill",
]
