"""Dates in the fixtures are relative to the day the demo is loaded: ``-9m+3d`` is nine months back,
then three days on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from custsvc.domain.timeparse import localize
from custsvc.errors import CustSvcError

if TYPE_CHECKING:  # pragma: no cover
    from custsvc.context import Context

#: who does what in the demo shop (workers-office.csv): the manager sets up, invoices and runs the
#: monthly jobs; the dispatcher takes calls and plans; technicians work and sign off
MANAGER, DISPATCHER = "M-01", "D-01"

_RELATIVE = re.compile(r"([+-]\d+)([dwm])")


def relative_day(text: str, today: date) -> date:
    """``-9m+3d``: nine months back, then three days on, from ``today``."""
    day = today
    spec = text.split()[0]
    if not _RELATIVE.fullmatch(spec) and not re.fullmatch(r"(?:[+-]\d+[dwm])+", spec):
        raise CustSvcError(f"fixture date {text!r} is not like -9m+3d")
    for amount, unit in _RELATIVE.findall(spec):
        n = int(amount)
        day = day + (relativedelta(months=n) if unit == "m" else timedelta(days=n * (7 if unit == "w" else 1)))
    return day


def relative_time(text: str, today: date, tz: Any) -> datetime:
    day = relative_day(text, today)
    parts = text.split()
    hour, minute = (int(x) for x in parts[1].split(":")) if len(parts) > 1 else (9, 0)
    return localize(datetime.combine(day, time(hour, minute)), tz).astimezone(UTC)


@dataclass
class Later:
    """What the replay does once the orders' work is done, in the order it happened: posting orders,
    and the subscriptions' changes and invoicing runs. Done in time order, invoice numbers rise with
    their dates, as in a real shop."""

    events: list[tuple[datetime, int, int, str, Callable[[], Any]]] = field(default_factory=list)

    def add(self, when: datetime, action: Callable[[], Any], actor: str = MANAGER, *, rank: int = 1) -> None:
        """``rank``: at the same moment, lower ranks go first (a subscription is made before a run)."""
        self.events.append((when, rank, len(self.events), actor, action))

    def run(self, ctx: Context) -> None:
        for when, _rank, _n, actor, action in sorted(self.events, key=lambda e: e[:3]):
            with ctx.at(when, actor=actor):
                action()
        self.events.clear()
