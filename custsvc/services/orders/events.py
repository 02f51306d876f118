"""What happens to service orders, as events on the bus (see ``custsvc.events``).

Guards registered for an event may refuse it (before anything is written); listeners registered
for it react (after the change, in the same transaction). The SLA clock listens today; repairs,
BOMs and returns plug in the same way. Events carry the ORM rows as they stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class NewOrder:
    """What a capability needs to know of a new order without reading it back."""

    number: str
    customer: str
    agreement: str | None
    priority: str
    created_at: datetime
    #: the visit day of an order generated from an agreement ahead of time (else None)
    visit_date: date | None = None
    #: the SLA the user asked for (``order create --sla``), else the SLA capability chooses
    sla: str | None = None


@dataclass
class OrdersCreated:
    """One order made by hand, or many generated from agreements in one run."""

    orders: Sequence[NewOrder]


@dataclass
class StageMoved:
    order: Any  # ServiceOrder
    before: Any  # Stage
    after: Any  # Stage
    reason: str | None = None
    back: bool = False


@dataclass
class OrderCanceled:
    order: Any
    before: Any
    after: Any  # the canceling stage
    reason: str | None = None


@dataclass
class OrderSignedOff:
    order: Any
    #: the line numbers signed off now (empty: the whole order)
    lines: Sequence[int] = ()
    #: True when the order as a whole is signed off now
    complete: bool = False


@dataclass
class OrderDeleted:
    number: str
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrderPosted:
    """The order's open lines were posted (``lines``: every line posted now) onto ``invoice``."""

    order: Any
    lines: Sequence[Any] = ()
    invoice: str | None = None


@dataclass
class LineAdded:
    order: Any
    line: Any  # OrderLine


@dataclass
class LineCanceled:
    order: Any
    line: Any


@dataclass
class LineRevoked:
    order: Any
    line: Any


@dataclass
class LinesMoved:
    source: Any
    target: Any
    #: (old line number, new line number) per moved line
    moved: Sequence[tuple[int, int]] = ()


@dataclass
class LineUpdated:
    """An open line changed in place (``order line update``)."""

    order: Any
    line: Any
    #: the fields that changed, with their values before
    before: dict[str, Any] = field(default_factory=dict)
