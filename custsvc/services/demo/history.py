"""Months of the demo shop's past, replayed through the services at the times they happened
(``Context.at``): agreements and their monthly generation runs, orders worked and invoiced."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.timeparse import localize, parse_duration
from custsvc.files import read_rows
from custsvc.services.demo.extras import load_dispatch, load_slas, load_subscriptions
from custsvc.services.demo.installed import change_under_order, load_installed_base
from custsvc.services.demo.repairs import load_repairs
from custsvc.services.demo.returns import load_returns
from custsvc.services.demo.timeline import DISPATCHER, Later, relative_day, relative_time


def _load_agreements(ctx: Context, folder: Path, today: date) -> None:
    from custsvc.services import agreements

    for spec in read_rows(folder / "agreements.json")[0]:
        with ctx.at(relative_time(spec["start"] + " 08:00", today, ctx.tz) - timedelta(days=14)):
            agreements.create(
                ctx,
                spec["agreement"],
                customer=spec["customer"],
                start=relative_day(spec["start"], today).isoformat(),
                end=relative_day(spec["end"], today).isoformat() if spec.get("end") else None,
                group=spec.get("group"),
                technician=spec.get("technician"),
                combine_rule=spec.get("combine", "agreement"),
                description=spec.get("description"),
                template=bool(spec.get("template")),
                sla=spec.get("sla"),
            )
            for line in spec["lines"]:
                agreements.add_line(
                    ctx,
                    spec["agreement"],
                    type=line["type"],
                    start=relative_day(line["start"], today).isoformat(),
                    obj=line.get("object"),
                    task=line.get("task"),
                    item=line.get("item"),
                    quantity=line.get("qty"),
                    price=line.get("price"),
                    every=line.get("every"),
                    window=line.get("window"),
                    description=line.get("description"),
                )


def _generate_months(ctx: Context, today: date) -> None:
    """Generation as a monthly cron job would have run it: a few days before each month."""
    from custsvc.services import agreements

    first = (today - relativedelta(months=3)).replace(day=1)
    while (
        run_at := localize(datetime.combine(first - timedelta(days=5), time(6, 0)), ctx.tz).astimezone(UTC)
    ) <= ctx.now:
        last = first + relativedelta(months=1) - timedelta(days=1)
        with ctx.at(run_at):
            agreements.generate(ctx, agreement=None, date_from=first, date_to=last)
        first = last + timedelta(days=1)


def _create_order(ctx: Context, spec: dict[str, Any]) -> str:
    from custsvc.services import orders

    order = orders.create(
        ctx,
        customer=spec["customer"],
        objects=spec.get("objects", []),
        priority=spec.get("priority", "normal"),
        technician=spec.get("technician"),
        description=spec.get("description"),
        sla=spec.get("sla"),
    )["order"]
    for line in spec.get("lines", []):
        orders.add_line(
            ctx,
            order,
            type=line["type"],
            worker=line.get("worker"),
            item=line.get("item"),
            task=line.get("task"),
            quantity=line.get("qty"),
            price=line.get("price"),
            description=line.get("description"),
        )
    return order


def _walk(ctx: Context, order: str, spec: dict[str, Any], created: datetime, number: int) -> datetime:
    """The order's stage path from the fixture: "stage@3h" is that long after creation; a trailing
    "<" moves back to an earlier stage. The dispatcher plans and cancels, the technician works.
    Returns when the last step happened."""
    from custsvc.services import orders

    step = created
    technician = spec.get("technician") or DISPATCHER
    for entry in spec.get("path", []):
        stage, _, after = entry.rstrip("<").partition("@")
        step = created + parse_duration(after) if after else step + timedelta(minutes=35 + 47 * (number % 3))
        if step > ctx.now:
            break
        who = DISPATCHER if stage in ("planned", "canceled") else technician
        with ctx.at(step, actor=who):
            if stage == "canceled":
                orders.cancel(ctx, order, reason=spec.get("reason"))
            else:
                orders.move(ctx, order, stage, back=entry.endswith("<"))
            for change in [c for c in spec.get("bom", []) if c["stage"] == stage]:
                spec["bom"].remove(change)  # made once, when the order first gets there
                change_under_order(ctx, order, spec["objects"], {k: v for k, v in change.items() if k != "stage"})
    return step


def _load_hand_made(ctx: Context, folder: Path, today: date, later: Later) -> None:
    from custsvc.services import orders

    for number, spec in enumerate(read_rows(folder / "orders.json")[0]):
        created = relative_time(spec["created"], today, ctx.tz)
        with ctx.at(created, actor=DISPATCHER):  # the dispatcher takes the call
            order = _create_order(ctx, spec)
        step = _walk(ctx, order, spec, created, number)
        if spec.get("sign_off"):
            with ctx.at(step + timedelta(minutes=20), actor=spec.get("technician") or DISPATCHER):
                orders.sign_off(ctx, order)
        if spec.get("post"):
            later.add(step + timedelta(days=1), lambda order=order: orders.post(ctx, order))


def load_orders(ctx: Context, folder: Path) -> None:
    """Reason codes, SLAs, agreements with months of generated orders, hand-made orders in every
    stage, the dispatch board, two years of repairs and subscriptions; then invoicing, in the order it
    happened; last, the return orders."""
    from custsvc.services import stages

    today, later = ctx.today, Later()
    for row in read_rows(folder / "reasons.csv")[0]:
        stages.add_reason(ctx, row["code"], row["description"])
    load_slas(ctx, folder, today, ctx.tz)
    load_installed_base(ctx, folder, today)
    _load_agreements(ctx, folder, today)
    _generate_months(ctx, today)
    _work_generated_orders(ctx, today, ctx.tz, later)
    _load_hand_made(ctx, folder, today, later)
    load_dispatch(ctx, folder, today, ctx.tz)
    load_repairs(ctx, folder, later)
    load_subscriptions(ctx, folder, today, ctx.tz, later)
    later.run(ctx)
    load_returns(ctx, later)  # they return invoiced items: after the invoicing


def _work_generated_orders(ctx: Context, today: date, tz: Any, later: Later) -> None:
    """Past visits were done (most of them invoiced), this week's are under way, later ones wait."""
    from custsvc.models import ServiceOrder
    from custsvc.services import orders

    generated = ctx.execute(
        select(ServiceOrder.number, ServiceOrder.service_date, ServiceOrder.technician)
        .where(ServiceOrder.agreement.is_not(None))
        .order_by(ServiceOrder.service_date, ServiceOrder.number)
    ).all()
    for index, (number, day, technician) in enumerate(generated):
        start = localize(datetime.combine(day, time(8, 30 + (index % 4) * 5)), tz).astimezone(UTC)
        if day > today + timedelta(days=7):
            continue
        if day > today:
            with ctx.at(start - timedelta(days=3), actor=DISPATCHER):
                orders.move(ctx, number, "planned")
            continue
        age = (today - day).days
        path = _path(index, age)
        worker = technician or DISPATCHER
        for offset, stage in enumerate(path):
            when = start - timedelta(days=2) if stage == "planned" else start + timedelta(minutes=50 * offset)
            with ctx.at(when, actor=DISPATCHER if stage == "planned" else worker):
                orders.move(ctx, number, stage)
        if path[-1] != "completed":
            continue
        with ctx.at(start + timedelta(hours=3), actor=worker):
            orders.sign_off(ctx, number)
        if age > 10:
            later.add(start + timedelta(days=2), lambda number=number: orders.post(ctx, number))


def _path(index: int, age: int) -> list[str]:
    """How far a generated visit ``age`` days old got: most are completed, a few wait for the customer."""
    if index % 11 == 5 and age <= 21:
        return ["planned", "in-progress", "waiting-for-customer"]
    if age > 3 or index % 3:
        return ["planned", "in-progress", "completed"]
    return ["planned", "in-progress"]
