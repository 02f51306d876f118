"""What subscriptions register on the bus: crediting subscription lines with ``--reopen`` makes the
credited periods invoiceable again (registered by ``custsvc.bootstrap``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custsvc.events import Bus


def _reopen(ctx: Any, lines: Sequence[Any]) -> None:
    from custsvc.services.subscriptions import credits

    credits.reopen(ctx, lines)


def register(bus: Bus) -> None:
    bus.on_reopen("subscription", _reopen)
