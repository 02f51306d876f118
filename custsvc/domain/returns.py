"""Returns (RMA) as pure rules: the seven actions a disposition maps to, the deadline, and how much of
an invoice line is still returnable."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

#: what processing an inspected line does, per action (README "Returns")
ACTIONS = ("credit", "credit-only", "scrap", "replace-credit", "replace-scrap", "return-to-customer", "repair")
#: the actions that work on goods that came back (the others need no arrival)
NEEDS_GOODS = frozenset(ACTIONS) - {"credit-only"}
#: the actions that credit the customer
CREDITS = frozenset({"credit", "credit-only", "scrap", "replace-credit", "replace-scrap"})
#: the actions that make a replacement order
REPLACES = frozenset({"replace-credit", "replace-scrap"})

STATUSES = ("created", "open", "closed", "canceled")
LINE_STATUSES = ("expected", "arrived", "inspected", "processed", "in-repair", "ship-back", "lost")
#: a line in one of these is finished (``ship-back``: repaired and shipped back to the customer): the
#: return order closes by itself once every line is
LINE_DONE = frozenset({"processed", "ship-back", "lost"})

DEFAULT_VALIDITY_DAYS = 90


def deadline(created_on: date, validity_days: int) -> date:
    """The last day goods may arrive: created 1 May with 90 days -> 30 July."""
    return created_on + timedelta(days=validity_days)


def returnable(invoiced: Decimal, taken: Iterable[Decimal]) -> Decimal:
    """What of an invoice line may still come back: invoiced minus what other return lines take."""
    return invoiced - sum(taken, Decimal(0))
