"""What ``show`` adds under a master record: the sections other capabilities keep of it.

``show`` asks the bus for the contributions of kind ``"<kind>-detail"`` for the record's key; every
capability registers its section in its own ``hooks`` module (``bus.contribute("customer-detail",
("agreements",), fn)``), built for many keys at once (a bounded number of statements), so this
package imports none of them. Registered today (``custsvc.bootstrap.build_bus``):

* ``customer-detail``: ``objects`` (``services/master/hooks``), ``agreements``
  (``services/agreements/hooks``), ``open_orders`` (``services/orders/hooks``), ``subscriptions``
  (``services/subscriptions/hooks``) and ``invoiced_this_year`` (``services/invoices/hooks``);
* ``object-detail``: ``orders`` (``services/orders/hooks``) and ``bom`` (``services/bom/hooks``).

Repairs do not exist yet. When they do, their ``hooks.register`` contributes
``bus.contribute("object-detail", ("repairs",), fn)`` the same way: nothing here or in the ``show``
command changes. A contributed list of rows prints as a section of its own (its name
is the section's title); any other contributed value prints as a field of the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from custsvc.context import Context
from custsvc.models import AUDIT_FIELDS
from custsvc.services.master.kinds import kind_of


def details(ctx: Context, kind_name: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per key, every field other capabilities contribute to the shown record (one call each)."""
    return ctx.bus.contributions(ctx, f"{kind_name}-detail", keys)


def section_names(kind_name: str, record: Mapping[str, Any]) -> list[str]:
    """The fields of a shown record that are sections: the contributed lists (not the kind's own
    list fields, such as a worker's roles), in the record's order."""
    own = {*kind_of(kind_name).field_names, *AUDIT_FIELDS}
    return [name for name, value in record.items() if name not in own and isinstance(value, list)]
