"""SQLModel tables, one module per aggregate.  Importing this package registers them all."""

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
