"""SQLModel tables, one module per aggregate.  Importing this package registers them all."""

from custsvc.models.base import AUDIT_FIELDS, Audited
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

__all__ = [
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
