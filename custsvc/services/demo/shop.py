"""The demo shop: realistic data from ``fixtures/``, loaded through the same services users' commands call."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import SQLModel

import custsvc
from custsvc.context import Context
from custsvc.domain import defaults
from custsvc.errors import CustSvcError
from custsvc.files import read_rows
from custsvc.models import (
    Agreement,
    Customer,
    Invoice,
    NumberSequence,
    RepairStage,
    ReturnDisposition,
    ReturnOrder,
    ReturnReason,
    ServiceObject,
    ServiceOrder,
    Stage,
    Subscription,
    Worker,
    WorkerRole,
)
from custsvc.services import master, settings
from custsvc.services.demo.history import load_orders
from custsvc.services.demo.repairs import summary as repair_summary
from custsvc.services.demo.timeline import MANAGER, relative_time

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
SETUP = {
    "alembic_version", "setting", "stage", "reason_code", "number_sequence", "repair_stage", "return_reason",
    "return_disposition",
}  # fmt: skip


def fixtures_dir() -> Path:
    package = Path(custsvc.__file__).parent
    for candidate in (package / "fixtures", package.parent / "fixtures"):
        if (candidate / "customers.csv").exists():
            return candidate
    raise CustSvcError("the demo fixtures are missing from this installation")  # pragma: no cover


def data_counts(ctx: Context) -> dict[str, int]:
    """Rows per table that holds shop data (empty tables left out)."""
    from custsvc.models import load_all

    load_all()
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
    from custsvc.models import Team, load_all

    load_all()
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
        insert(RepairStage), [{**row, "created_at": now, "created_by": actor} for row in defaults.repair_stage_rows()]
    )
    ctx.execute(
        insert(ReturnReason),
        [{"code": c, "description": d, "created_at": now, "created_by": actor} for c, d in defaults.RETURN_REASONS],
    )
    ctx.execute(
        insert(ReturnDisposition),
        [
            {"code": c, "action": a, "description": d, "created_at": now, "created_by": actor}
            for c, a, d in defaults.RETURN_DISPOSITIONS
        ],
    )
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
    with ctx.at(ctx.now, actor=MANAGER):  # the demo shop's manager sets it up (not the login name)
        return _load(ctx)


def _load(ctx: Context) -> dict[str, Any]:
    folder = fixtures_dir()
    for what, name in FIXTURES:
        rows, _ = read_rows(folder / name)
        if what == "settings":
            for row in rows:
                settings.set_value(ctx, row["key"], row["value"])
            # from here on the demo shop's zone applies, also to a --now given without an offset
            ctx.set_zone(settings.timezone(ctx))
        else:  # the shop's master data is older than its history (15 months)
            with ctx.at(relative_time("-15m 09:00", ctx.today, ctx.tz)):
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
        "return orders": ctx.execute(select(func.count()).select_from(ReturnOrder)).scalar_one(),
    }
    repairs = repair_summary(ctx)
    counts["repairs"] = repairs["repairs"]
    by_stage = dict(ctx.execute(select(ServiceOrder.stage, func.count()).group_by(ServiceOrder.stage)).all())
    return {
        "counts": counts,
        "customers_by_tier": {str(k): v for k, v in sorted(tiers.items(), key=lambda kv: str(kv[0]))},
        "workers_by_role": dict(sorted(roles.items())),
        "technicians_by_team": {str(k): v for k, v in sorted(teams.items(), key=lambda kv: str(kv[0]))},
        "repairs": repairs,
        "orders_by_stage": {s.stage: by_stage[s.stage] for s in stages_in_order(ctx) if s.stage in by_stage},
        "timezone": settings.get(ctx, "timezone"),
        "currency": settings.get(ctx, "currency"),
    }
