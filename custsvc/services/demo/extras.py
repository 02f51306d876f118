"""The rest of the demo shop's past: calendars and SLAs, the dispatch board, subscriptions and their
monthly invoicing runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.timeparse import localize
from custsvc.files import read_rows
from custsvc.services import master, settings
from custsvc.services.demo.timeline import DISPATCHER, Later, relative_day, relative_time


def _subscription_events(ctx: Context, sub: dict[str, Any], today: date) -> list[tuple[date, Any]]:
    """What happened to one subscription, as (day, action): created, priced, reduced, canceled."""
    from custsvc.services import subscriptions

    key = sub["subscription"]
    start = relative_day(sub["start"], today)
    events: list[tuple[date, Any]] = [
        (
            min(start, today),
            lambda: subscriptions.create(
                ctx,
                key,
                customer=sub["customer"],
                group=sub["group"],
                fee=sub["fee"],
                start=start,
                description=sub.get("description"),
            ),
        )
    ]
    for valid_from, fee in sub.get("price", []):
        day = relative_day(valid_from, today)
        events.append((min(day, today), lambda fee=fee, day=day: subscriptions.set_price(ctx, key, fee, day)))
    for first, last, reason in sub.get("reduce", []):
        a, b = relative_day(first, today), relative_day(last, today)
        events.append((a, lambda a=a, b=b, reason=reason: subscriptions.reduce(ctx, key, a, b, reason, credit=True)))
    if sub.get("cancel"):
        day = relative_day(sub["cancel"], today)
        events.append((day, lambda: subscriptions.cancel(ctx, key, day, credit=True)))
    return events


def load_subscriptions(ctx: Context, folder: Path, today: date, tz: Any, later: Later) -> None:
    """Subscription groups, and (on ``later``, in time order with the orders' invoices) subscriptions
    in several states and the monthly invoicing runs of the past months (one was missed and caught up
    by the next)."""
    from custsvc.services import subscriptions

    spec = read_rows(folder / "subscriptions.json")[0][0]
    with ctx.at(relative_time("-15m 09:00", today, tz)):
        for group in spec["groups"]:
            subscriptions.add_group(
                ctx,
                group["group"],
                period=group["period"],
                align=group["align"],
                proration=group["proration"],
                accrue=group.get("accrue"),
                description=group.get("description"),
            )
    events = [event for sub in spec["subscriptions"] for event in _subscription_events(ctx, sub, today)]
    index = spec["index"]
    index_day = relative_day(index["from"], today).replace(day=1)

    def raise_index() -> None:
        subscriptions.set_index(ctx, None, index["group"], percent=index["percent"], value=None, valid_from=index_day)

    events.append((index_day - timedelta(days=20), raise_index))

    def seven(day: date) -> datetime:
        return localize(datetime.combine(day, time(7, 0)), tz).astimezone(UTC)

    for day, action in events:  # made, priced, reduced, canceled: before a run on the same day
        later.add(seven(day), action, rank=0)
    for run in sorted(relative_day(r, today).replace(day=1) for r in spec["runs"]):
        through = run + relativedelta(months=1) - timedelta(days=1)
        later.add(seven(run), lambda through=through: subscriptions.invoice_run(ctx, through))


def load_dispatch(ctx: Context, folder: Path, today: date, tz: Any) -> None:
    """Technicians' calendars and absences, and a partly dispatched board for today and tomorrow:
    the agreement visits and the older calls are on it, the newest calls wait in the queue."""
    from custsvc.services import dispatch

    spec = read_rows(folder / "dispatch.json")[0][0]
    settings.set_value(ctx, "calendar", spec["shop_calendar"])
    for worker, calendar in spec["worker_calendars"].items():
        master.update_record(ctx, "worker", worker, {"calendar": calendar})
    for absence in spec["absences"]:
        dispatch.add_absence(
            ctx,
            absence["worker"],
            relative_time(absence["from"], today, tz),
            relative_time(absence["to"], today, tz),
            absence.get("reason"),
        )
    days = int(spec["dispatch_days"])
    with ctx.at(ctx.now, actor=DISPATCHER):
        _dispatch_today(ctx, today, days)


def _dispatch_today(ctx: Context, today: date, days: int) -> None:
    from custsvc.models import ServiceOrder
    from custsvc.services import dispatch

    cutoff = ctx.now - timedelta(hours=4)  # calls newer than this wait in the queue
    rows = ctx.execute(
        select(ServiceOrder.number, ServiceOrder.agreement, ServiceOrder.service_date, ServiceOrder.created_at)
    ).all()
    chosen = {
        number
        for number, agreement, day, created in rows
        if (agreement is not None and day is not None and day <= today + timedelta(days=days))
        or (agreement is None and created < cutoff)
    }
    dispatch.suggest(ctx, today, days, apply=True, only=chosen)


def load_slas(ctx: Context, folder: Path, today: date, tz: Any) -> None:
    from custsvc.services import calendars, sla

    with ctx.at(relative_time("-11m 09:00", today, tz)):
        for spec in read_rows(folder / "calendars.json")[0]:
            calendars.add(
                ctx,
                spec["calendar"],
                timezone=spec["timezone"],
                hours=spec["hours"],
                country=spec.get("holidays_country"),
                subdivision=spec.get("holidays_subdivision"),
                description=spec.get("description"),
            )
        for spec in read_rows(folder / "slas.json")[0]:
            sla.add(
                ctx,
                spec["sla"],
                calendar=spec["calendar"],
                response=spec["response"],
                resolution=spec["resolution"],
                description=spec.get("description"),
            )
            for scope, key in spec.get("apply", []):
                sla.apply(ctx, spec["sla"], scope, key)
