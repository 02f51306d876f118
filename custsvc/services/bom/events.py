"""What happens to an object's own BOM, as events on the bus (see ``custsvc.events``).

A BOM change made under a service order (``--order SO``) goes through the order lifecycle seam
(``services/orders/lifecycle.transition``) with ``ObjectBomChanging``: guards registered for it
(``services/bom/hooks``) may refuse it before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ObjectBomChanging:
    """A change of ``object_row``'s BOM (``replace``, ``add``, ``remove``, ``set-qty``, ``serial``)
    made under ``order``."""

    order: Any  # ServiceOrder
    object_row: Any  # ServiceObject
    change: str
    position: str | None = None
