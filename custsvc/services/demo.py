"""The demo shop: realistic data from ``fixtures/``, loaded through the same import path users use."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, insert, select
from sqlmodel import SQLModel

import custsvc
from custsvc.context import Context
from custsvc.domain import defaults
from custsvc.domain.timeparse import localize, parse_duration
from custsvc.errors import CustSvcError
from custsvc.files import read_rows
from custsvc.models import (
    Agreement,
    Customer,
    Invoice,
    NumberSequence,
    ServiceObject,
    ServiceOrder,
    Stage,
    Subscription,
    Worker,
    WorkerRole,
)
from custsvc.services import master, settings

#: (what, file) in load order: teams need their owner, technicians their team
FIXTURES: list[tuple[str, str]] = [
    ("settings", "settings.csv"),
    ("worker", "workers-office.csv"),
    ("team", "teams.csv"),
    ("worker", "workers.csv"),
    ("customer", "customers.csv"),
    ("item", "items.csv"),
    ("task", "tasks.csv"),
    ("object", "objects.csv"),
]
#: tables that hold set-up rather than shop data: a database with only these counts as empty
SETUP = {"alembic_version", "setting", "stage", "reason_code", "number_sequence"}


def fixtures_dir() -> Path:
    package = Path(custsvc.__file__).parent
    for candidate in (package / "fixtures", package.parent / "fixtures"):
        if (candidate / "customers.csv").exists():
            return candidate
    raise CustSvcError("the demo fixtures are missing from this installation")  # pragma: no cover


def data_counts(ctx: Context) -> dict[str, int]:
    """Rows per table that holds shop data (empty tables left out)."""
    counts = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in SETUP or "created_at" not in table.c:
            continue
        count = ctx.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            counts[table.name] = count
    return counts


def wipe(ctx: Context) -> None:
    """Delete every row, children before parents, then put back what a new database starts with."""
    from custsvc.models import Team

    # team and worker refer to each other, and stages to their parents: cut those links first
    ctx.execute(Worker.__table__.update().values(team=None))  # type: ignore[attr-defined]
    ctx.execute(Stage.__table__.update().values(parent=None))  # type: ignore[attr-defined]
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name == "worker":
            ctx.execute(delete(Team))
        ctx.execute(delete(table))
    seed_defaults(ctx)
    ctx.flush()


def seed_defaults(ctx: Context) -> None:
    now, actor = ctx.now, ctx.actor
    ctx.execute(insert(Stage), [{**row, "created_at": now, "created_by": actor} for row in defaults.stage_rows()])
    ctx.execute(
        insert(NumberSequence),
        [{"name": n, "prefix": p, "width": w, "next_value": 1} for n, p, w in defaults.SEQUENCES],
    )


def load(ctx: Context, *, force: bool = False) -> dict[str, Any]:
    existing = data_counts(ctx)
    if existing and not force:
        held = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in sorted(existing.items()))
        raise CustSvcError(f"the database already holds data ({held}); use --force to replace it with the demo data")
    if existing:
        wipe(ctx)
    folder = fixtures_dir()
    for what, name in FIXTURES:
        rows, _ = read_rows(folder / name)
        if what == "settings":
            for row in rows:
                settings.set_value(ctx, row["key"], row["value"])
            # from here on the demo shop's zone applies, also to a --now given without an offset
            ctx.set_zone(settings.timezone(ctx))
        else:
            master.import_rows(ctx, what, rows)
    load_orders(ctx, folder)
    return overview(ctx)


def stages_in_order(ctx: Context) -> list[Stage]:
    from custsvc.services import stages

    return stages.all_stages(ctx)


def overview(ctx: Context) -> dict[str, Any]:
    tiers = Counter(ctx.execute(select(Customer.tier)).scalars())
    roles = Counter(ctx.execute(select(WorkerRole.role)).scalars())
    teams = Counter(
        ctx.execute(
            select(Worker.team)
            .join(WorkerRole, WorkerRole.worker == Worker.worker)
            .where(WorkerRole.role == "technician")
        ).scalars()
    )
    counts = {
        "customers": sum(tiers.values()),
        "service objects": ctx.execute(select(func.count()).select_from(ServiceObject)).scalar_one(),
        "items": ctx.execute(select(func.count()).select_from(master.KINDS["item"].model)).scalar_one(),
        "service tasks": ctx.execute(select(func.count()).select_from(master.KINDS["task"].model)).scalar_one(),
        "workers": ctx.execute(select(func.count()).select_from(Worker)).scalar_one(),
        "teams": ctx.execute(select(func.count()).select_from(master.KINDS["team"].model)).scalar_one(),
        "agreements": ctx.execute(select(func.count()).select_from(Agreement)).scalar_one(),
        "service orders": ctx.execute(select(func.count()).select_from(ServiceOrder)).scalar_one(),
        "invoices": ctx.execute(select(func.count()).select_from(Invoice)).scalar_one(),
        "subscriptions": ctx.execute(select(func.count()).select_from(Subscription)).scalar_one(),
    }
    by_stage = dict(ctx.execute(select(ServiceOrder.stage, func.count()).group_by(ServiceOrder.stage)).all())
    return {
        "counts": counts,
        "customers_by_tier": {str(k): v for k, v in sorted(tiers.items(), key=lambda kv: str(kv[0]))},
        "workers_by_role": dict(sorted(roles.items())),
        "technicians_by_team": {str(k): v for k, v in sorted(teams.items(), key=lambda kv: str(kv[0]))},
        "orders_by_stage": {s.stage: by_stage[s.stage] for s in stages_in_order(ctx) if s.stage in by_stage},
        "timezone": settings.get(ctx, "timezone"),
        "currency": settings.get(ctx, "currency"),
    }


# --- service orders (agreements, generated and hand-made orders) ------------------------------

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


def load_orders(ctx: Context, folder: Path) -> None:
    from custsvc.services import agreements, orders, stages

    tz = ctx.tz
    now = ctx.now
    today = now.astimezone(tz).date()
    for row in read_rows(folder / "reasons.csv")[0]:
        stages.add_reason(ctx, row["code"], row["description"])
    load_slas(ctx, folder, today, tz)

    for spec in read_rows(folder / "agreements.json")[0]:
        created = relative_time(spec["start"] + " 08:00", today, tz) - timedelta(days=14)
        with ctx.at(created):
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

    # generation as a monthly cron job would have run it: a few days before each month
    first = (today - relativedelta(months=3)).replace(day=1)
    while (run_at := localize(datetime.combine(first - timedelta(days=5), time(6, 0)), tz).astimezone(UTC)) <= now:
        last = first + relativedelta(months=1) - timedelta(days=1)
        with ctx.at(run_at):
            agreements.generate(ctx, agreement=None, date_from=first, date_to=last)
        first = last + timedelta(days=1)
    _work_generated_orders(ctx, today, tz)

    for number, spec in enumerate(read_rows(folder / "orders.json")[0]):
        created = relative_time(spec["created"], today, tz)
        with ctx.at(created):
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
        step = created
        for entry in spec.get("path", []):
            # "stage@3h": that long after creation; a trailing "<" moves back to an earlier stage
            stage, _, after = entry.rstrip("<").partition("@")
            step = created + parse_duration(after) if after else step + timedelta(minutes=35 + 47 * (number % 3))
            if step > ctx.now:
                break
            with ctx.at(step):
                if stage == "canceled":
                    orders.cancel(ctx, order, reason=spec.get("reason"))
                else:
                    orders.move(ctx, order, stage, back=entry.endswith("<"))
        if spec.get("sign_off"):
            with ctx.at(step + timedelta(minutes=20)):
                orders.sign_off(ctx, order)
        if spec.get("post"):
            with ctx.at(step + timedelta(days=1)):
                orders.post(ctx, order)
    load_dispatch(ctx, folder, today, tz)
    load_subscriptions(ctx, folder, today, tz)


def load_subscriptions(ctx: Context, folder: Path, today: date, tz: Any) -> None:
    """Subscription groups, subscriptions in several states, and the monthly invoicing runs of the
    past months (one was missed and caught up by the next)."""
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
    runs = sorted(relative_day(r, today).replace(day=1) for r in spec["runs"])
    events: list[tuple[date, Any]] = []
    for sub in spec["subscriptions"]:
        start = relative_day(sub["start"], today)
        events.append(
            (
                min(start, today),
                lambda sub=sub, start=start: subscriptions.create(
                    ctx,
                    sub["subscription"],
                    customer=sub["customer"],
                    group=sub["group"],
                    fee=sub["fee"],
                    start=start,
                    description=sub.get("description"),
                ),
            )
        )
        for valid_from, fee in sub.get("price", []):
            day = relative_day(valid_from, today)
            events.append(
                (
                    min(day, today),
                    lambda sub=sub, fee=fee, day=day: subscriptions.set_price(ctx, sub["subscription"], fee, day),
                )
            )
        for first, last, reason in sub.get("reduce", []):
            a, b = relative_day(first, today), relative_day(last, today)
            events.append(
                (
                    a,
                    lambda sub=sub, a=a, b=b, reason=reason: subscriptions.reduce(
                        ctx, sub["subscription"], a, b, reason, credit=True
                    ),
                )
            )
        if sub.get("cancel"):
            day = relative_day(sub["cancel"], today)
            events.append(
                (day, lambda sub=sub, day=day: subscriptions.cancel(ctx, sub["subscription"], day, credit=True))
            )
    index = spec["index"]
    index_day = relative_day(index["from"], today).replace(day=1)
    events.append(
        (
            index_day - timedelta(days=20),
            lambda: subscriptions.set_index(
                ctx, None, index["group"], percent=index["percent"], value=None, valid_from=index_day
            ),
        )
    )
    for run in runs:
        events.append(
            (run, lambda run=run: subscriptions.invoice_run(ctx, run + relativedelta(months=1) - timedelta(days=1)))
        )
    # what happened, in the order it happened (creations before runs on the same day)
    for day, action in sorted(events, key=lambda e: e[0]):
        with ctx.at(localize(datetime.combine(day, time(7, 0)), tz).astimezone(UTC)):
            action()


def load_dispatch(ctx: Context, folder: Path, today: date, tz: Any) -> None:
    """Technicians' calendars and absences, and a partly dispatched board for today and tomorrow:
    the agreement visits and the older calls are on it, the newest calls wait in the queue."""
    from custsvc.models import ServiceOrder
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


def _work_generated_orders(ctx: Context, today: date, tz: Any) -> None:
    """Past visits were done (most of them invoiced), this week's are under way, later ones wait."""
    from custsvc.models import ServiceOrder
    from custsvc.services import orders

    generated = ctx.execute(
        select(ServiceOrder.number, ServiceOrder.service_date)
        .where(ServiceOrder.agreement.is_not(None))
        .order_by(ServiceOrder.service_date, ServiceOrder.number)
    ).all()
    for index, (number, day) in enumerate(generated):
        start = localize(datetime.combine(day, time(8, 30 + (index % 4) * 5)), tz).astimezone(UTC)
        if day > today + timedelta(days=7):
            continue
        if day > today:
            with ctx.at(start - timedelta(days=3)):
                orders.move(ctx, number, "planned")
            continue
        age = (today - day).days
        path = ["planned", "in-progress"]
        if age > 3 or index % 3:
            path.append("completed")
        if index % 11 == 5 and age <= 21:
            path = ["planned", "in-progress", "waiting-for-customer"]
        for offset, stage in enumerate(path):
            when = start - timedelta(days=2) if stage == "planned" else start + timedelta(minutes=50 * offset)
            with ctx.at(when):
                orders.move(ctx, number, stage)
        if path[-1] != "completed":
            continue
        with ctx.at(start + timedelta(hours=3)):
            orders.sign_off(ctx, number)
        if age > 10:
            with ctx.at(start + timedelta(days=2)):
                orders.post(ctx, number)
