"""How the SLA capability plugs into the order lifecycle (registered by ``custsvc.bootstrap``):

* new orders get their SLA and a running clock;
* moving out of a stage marked requires-reason with a missed target needs a reason (a guard);
* stage moves, cancellation and sign-off respond, pause, resume, resolve, re-open and stop the clock;
* every order record carries its SLA, status, time left and resolution deadline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from custsvc.events import Bus, Problem
from custsvc.services.orders import events

ORDER_FIELDS = ("sla", "sla_status", "time_left", "time_left_seconds", "time_left_for", "resolution_due")


def _explicit_sla_usable(ctx: Any, event: events.OrdersCreated) -> Iterator[Problem]:
    from custsvc.services.sla.definitions import get

    for code in sorted({order.sla for order in event.orders if order.sla}):
        if get(ctx, code).suspended:
            yield Problem("sla-not-suspended", f"SLA {code!r} is suspended")


def _missed_target_needs_reason(ctx: Any, event: events.StageMoved) -> Iterator[Problem]:
    from custsvc.services.sla import clock

    message = clock.missed_target(ctx, event.order, event.before, event.reason)
    if message:
        yield Problem("missed-target-needs-reason", message)


def _start(ctx: Any, event: events.OrdersCreated) -> None:
    from custsvc.services.sla import clock

    clock.start_clocks(ctx, event.orders)


def _moved(ctx: Any, event: events.StageMoved | events.OrderCanceled) -> None:
    from custsvc.services.sla import clock

    clock.on_stage_change(ctx, event.order, event.before, event.after, event.reason)


def _signed_off(ctx: Any, event: events.OrderSignedOff) -> None:
    from custsvc.services.sla import clock

    if event.order.signed_off_at is not None:
        clock.on_sign_off(ctx, event.order.number)


def _order_fields(ctx: Any, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    from custsvc.services.sla.status import summaries

    return summaries(ctx, numbers)


def register(bus: Bus) -> None:
    bus.guard(events.OrdersCreated, _explicit_sla_usable)
    bus.guard(events.StageMoved, _missed_target_needs_reason)
    bus.listen(events.OrdersCreated, _start)
    bus.listen(events.StageMoved, _moved)
    bus.listen(events.OrderCanceled, _moved)
    bus.listen(events.OrderSignedOff, _signed_off)
    bus.contribute("order", ORDER_FIELDS, _order_fields)
