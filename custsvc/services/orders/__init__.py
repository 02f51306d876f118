"""Service orders: create, lines, stage moves, sign-off, cancel, delete, move lines, post.

Every transition goes through ``lifecycle.transition``: capabilities that react to orders (SLA,
repairs, BOMs, returns) register guards and listeners for the ``events`` on the bus; this package
imports none of them.
"""

from custsvc.services.orders.checks import get
from custsvc.services.orders.headers import create, update_order
from custsvc.services.orders.lines import add_line, cancel_line, move_lines, revoke_line, update_line
from custsvc.services.orders.listing import SLA_STATUSES, SORTS, iter_orders, list_orders
from custsvc.services.orders.posting import post, post_signed_off
from custsvc.services.orders.reading import line_record, open_condition, records, show
from custsvc.services.orders.workflow import cancel, delete_order, move, sign_off

__all__ = [
    "SLA_STATUSES",
    "SORTS",
    "add_line",
    "cancel",
    "cancel_line",
    "create",
    "delete_order",
    "get",
    "line_record",
    "iter_orders",
    "list_orders",
    "move",
    "move_lines",
    "open_condition",
    "post",
    "post_signed_off",
    "records",
    "revoke_line",
    "show",
    "sign_off",
    "update_line",
    "update_order",
]
