"""Service-order rules that need no database: line types, priorities, amounts and progress."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from custsvc.domain.money import round_money

LINE_TYPES = ("hour", "expense", "item", "fee")
PRIORITIES = ("high", "normal", "low")
LINE_STATUSES = ("created", "canceled", "posted")
COMBINE_RULES = ("agreement", "task", "worker", "object")

IN_PROCESS = "in-process"
POSTED = "posted"
CANCELED = "canceled"


def article(word: str) -> str:
    """``a`` or ``an`` before ``word`` (an hour line, an item line, a fee line)."""
    return "an" if word[:1].lower() in "aeiou" or word.lower().startswith("hour") else "a"


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """Quantity x unit price, rounded half-up to cents."""
    return round_money(quantity * price)


def line_amount_cents(quantity_milli: int, price_cents: int) -> int:
    """``line_amount`` in the stored units (thousandths times cents), in integers: the same cents,
    for lists that add up many lines."""
    product = quantity_milli * price_cents  # thousandths of a cent
    cents = (abs(product) + 500) // 1000  # half away from zero, as ROUND_HALF_UP does
    return cents if product >= 0 else -cents


def progress(statuses: Iterable[str], *, canceled: bool = False) -> str:
    """An order is in process while any line is created (or it has none), canceled when every line
    is canceled (or the order was canceled), posted when every line is posted or posted and canceled."""
    seen = list(statuses)
    if canceled:
        return CANCELED
    if not seen or "created" in seen:
        return IN_PROCESS
    if all(s == "canceled" for s in seen):
        return CANCELED
    return POSTED


def group_key(rule: str, *, agreement: str, task: str | None, worker: str | None, obj: str | None) -> str:
    """The combine rule's key: lines of one agreement with the same key and date share an order."""
    value = {"agreement": agreement, "task": task, "worker": worker, "object": obj}[rule]
    return f"{rule}:{value or '-'}"
