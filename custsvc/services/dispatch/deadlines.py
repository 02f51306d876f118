"""SLA resolution deadlines as dispatch sees them: a visit that ends after its order's deadline is
*late*. ``dispatch assign`` / ``move`` warn about it (or refuse it with ``--strict``), and the board
marks its bar. The deadline comes from the record fields the SLA capability contributes to orders
(``resolution_due``); without an SLA (or with its clock paused) an order has none and is never late."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from custsvc.context import Context
from custsvc.errors import RuleViolation

#: the rule that refuses a late visit with --strict
RULE = "sla-resolution-deadline"


def resolution_due(ctx: Context, numbers: Sequence[str]) -> dict[str, datetime | None]:
    """Each order's SLA resolution deadline (None: none), for many orders in one call per contributor."""
    clocks = ctx.bus.contributions(ctx, "order", sorted(set(numbers)))
    return {number: clock.get("resolution_due") for number, clock in clocks.items()}


def ends_late(end: datetime, due: datetime | None) -> bool:
    return due is not None and end > due


def late_message(number: str, end: datetime, due: datetime, tz: tzinfo) -> str:
    """``SO-1 ends 2026-03-10 16:00, after its SLA resolution deadline 2026-03-10 15:10 (Europe/Riga)``."""
    ends, deadline = end.astimezone(tz), due.astimezone(tz)
    return (
        f"{number} ends {ends:%Y-%m-%d %H:%M}, after its SLA resolution deadline "
        f"{deadline:%Y-%m-%d %H:%M} ({getattr(tz, 'key', None) or deadline.tzname()})"
    )


def refuse_late(ctx: Context, number: str, end: datetime) -> None:
    """``--strict``: refuse a visit that ends after the order's resolution deadline."""
    due = resolution_due(ctx, [number])[number]
    if due is not None and ends_late(end, due):
        raise RuleViolation(RULE, f"refused: {late_message(number, end, due, ctx.tz)} (--strict)")
