"""Service subscriptions: groups and subscriptions (``catalog``), prices and indexes (``pricing``),
the invoicing run (``billing``), credits of billed time (``credits``), ``explain`` and ``accruals``."""

from custsvc.services.subscriptions.accruals import accruals
from custsvc.services.subscriptions.billing import invoice_run
from custsvc.services.subscriptions.catalog import (
    ONE_DAY,
    add_group,
    create,
    get,
    get_group,
    group_record,
    last_day,
    list_groups,
    policy_of,
    record,
    show,
    status,
)
from custsvc.services.subscriptions.credits import cancel, reduce, reopen
from custsvc.services.subscriptions.explain import explain
from custsvc.services.subscriptions.listing import list_subscriptions
from custsvc.services.subscriptions.pricing import set_index, set_price

__all__ = [
    "ONE_DAY",
    "accruals",
    "add_group",
    "cancel",
    "create",
    "explain",
    "get",
    "get_group",
    "group_record",
    "invoice_run",
    "last_day",
    "list_groups",
    "list_subscriptions",
    "policy_of",
    "record",
    "reduce",
    "reopen",
    "set_index",
    "set_price",
    "show",
    "status",
]
