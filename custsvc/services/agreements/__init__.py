"""Service agreements: header and recurring lines (``catalog``), and the generation of service
orders (``generation``)."""

from custsvc.services.agreements.catalog import (
    add_line,
    copy,
    create,
    get,
    line_record,
    list_agreements,
    record,
    set_suspended,
    show,
    status,
    stop_line,
)
from custsvc.services.agreements.generation import PlannedOrder, generate

__all__ = [
    "PlannedOrder",
    "add_line",
    "copy",
    "create",
    "generate",
    "get",
    "line_record",
    "list_agreements",
    "record",
    "set_suspended",
    "show",
    "status",
    "stop_line",
]
