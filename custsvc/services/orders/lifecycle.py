"""The one place an order's transitions go through: registered guards are asked first (all their
problems reported together, ``--force`` overriding those that allow it), the change is made, then
registered listeners are told. ``services/orders`` imports no capability that reacts to orders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from custsvc.context import Context
from custsvc.events import Problem


@contextmanager
def transition(ctx: Context, event: Any, *, force: bool = False) -> Iterator[list[Problem]]:
    """``with transition(ctx, event):`` make the change in the block.

    Guards may refuse before the block runs (``Refused``, every problem); the block gets the
    problems ``force`` overrode; listeners hear of the event when the block has finished."""
    overridden = ctx.bus.check(ctx, event, force=force)
    yield overridden
    ctx.flush()
    ctx.bus.publish(ctx, event)


@contextmanager
def transitions(ctx: Context, events: Sequence[Any], *, force: bool = False) -> Iterator[list[Problem]]:
    """Several transitions made as one change (posting many orders in one run): every guard of every
    event is asked first and all their problems are reported together."""
    overridden = ctx.bus.check_all(ctx, events, force=force)
    yield overridden
    ctx.flush()
    ctx.bus.publish_all(ctx, events)
