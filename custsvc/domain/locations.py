"""Where a part can be: the shelf and a few named places, or installed in a service object.

``adjustment`` is not a place: it is where a stock count's differences come from and go to, so that
every movement still has two ends and on-hand stays the sum of the ledger."""

from __future__ import annotations

from custsvc.errors import InvalidInput

SHELF = "stock"
PLACES = ("stock", "quarantine", "scrap", "vendor", "customer")
ADJUSTMENT = "adjustment"
#: places outside the shop: they give and take without limit, so what they "hold" means nothing
OUTSIDE = ("vendor", "customer", ADJUSTMENT)
OBJECT_PREFIX = "object:"


def object_location(obj: str) -> str:
    return f"{OBJECT_PREFIX}{obj}"


def object_of(location: str) -> str | None:
    return location[len(OBJECT_PREFIX) :] if location.startswith(OBJECT_PREFIX) else None


def parse_location(text: str, field: str) -> str:
    """A location as typed: one of the places, or ``object:OBJ`` (the object is checked by the caller)."""
    value = str(text).strip()
    lowered = value.lower()
    if lowered in PLACES:
        return lowered
    if lowered.startswith(OBJECT_PREFIX) and value[len(OBJECT_PREFIX) :].strip():
        return object_location(value[len(OBJECT_PREFIX) :].strip())
    raise InvalidInput(field, text, "expected stock, quarantine, scrap, vendor, customer or object:OBJECT")
