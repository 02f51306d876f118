"""The demo shop: realistic data from ``fixtures/``, loaded through the same import path users use."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session, SQLModel

import custsvc
from custsvc.errors import CustSvcError
from custsvc.files import read_rows
from custsvc.db import actor_of, now_of
from custsvc.domain import defaults
from custsvc.models import Customer, NumberSequence, ServiceObject, Stage, Worker, WorkerRole
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


def data_counts(session: Session) -> dict[str, int]:
    """Rows per table that holds shop data (empty tables left out)."""
    counts = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in SETUP or "created_at" not in table.c:
            continue
        count = session.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            counts[table.name] = count
    return counts


def wipe(session: Session) -> None:
    """Delete every row, children before parents, then put back what a new database starts with."""
    from custsvc.models import Team

    # team and worker refer to each other, and stages to their parents: cut those links first
    session.execute(Worker.__table__.update().values(team=None))  # type: ignore[attr-defined]
    session.execute(Stage.__table__.update().values(parent=None))  # type: ignore[attr-defined]
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name == "worker":
            session.execute(delete(Team))
        session.execute(delete(table))
    seed_defaults(session)
    session.flush()


def seed_defaults(session: Session) -> None:
    now, actor = now_of(session), actor_of(session)
    session.execute(insert(Stage), [{**row, "created_at": now, "created_by": actor} for row in defaults.stage_rows()])
    session.execute(
        insert(NumberSequence), [{"name": n, "prefix": p, "width": w, "next_value": 1} for n, p, w in defaults.SEQUENCES]
    )


def load(session: Session, *, force: bool = False) -> dict[str, Any]:
    existing = data_counts(session)
    if existing and not force:
        held = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in sorted(existing.items()))
        raise CustSvcError(f"the database already holds data ({held}); use --force to replace it with the demo data")
    if existing:
        wipe(session)
    folder = fixtures_dir()
    for what, name in FIXTURES:
        rows, _ = read_rows(folder / name)
        if what == "settings":
            for row in rows:
                settings.set_value(session, row["key"], row["value"])
        else:
            master.import_rows(session, what, rows)
    return overview(session)


def overview(session: Session) -> dict[str, Any]:
    tiers = Counter(session.execute(select(Customer.tier)).scalars())
    roles = Counter(session.execute(select(WorkerRole.role)).scalars())
    teams = Counter(
        session.execute(
            select(Worker.team).join(WorkerRole, WorkerRole.worker == Worker.worker).where(WorkerRole.role == "technician")
        ).scalars()
    )
    counts = {
        "customers": sum(tiers.values()),
        "service objects": session.execute(select(func.count()).select_from(ServiceObject)).scalar_one(),
        "items": session.execute(select(func.count()).select_from(master.KINDS["item"].model)).scalar_one(),
        "service tasks": session.execute(select(func.count()).select_from(master.KINDS["task"].model)).scalar_one(),
        "workers": session.execute(select(func.count()).select_from(Worker)).scalar_one(),
        "teams": session.execute(select(func.count()).select_from(master.KINDS["team"].model)).scalar_one(),
    }
    return {
        "counts": counts,
        "customers_by_tier": {str(k): v for k, v in sorted(tiers.items(), key=lambda kv: str(kv[0]))},
        "workers_by_role": dict(sorted(roles.items())),
        "technicians_by_team": {str(k): v for k, v in sorted(teams.items(), key=lambda kv: str(kv[0]))},
        "timezone": settings.get(session, "timezone"),
        "currency": settings.get(session, "currency"),
    }
