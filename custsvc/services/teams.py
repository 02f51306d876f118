"""Dispatch teams with their members."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.models import Worker
from custsvc.services import master

#: every field of a team as ``list_teams`` gives it: the master record, then its members
TEAM_FIELDS = (*master.kind_of("team").record_fields, "members")


def list_teams(ctx: Context, *, search: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    rows = master.list_records(ctx, "team", search=search, limit=limit)
    members: dict[str, list[str]] = defaultdict(list)
    for worker, team in ctx.execute(
        select(Worker.worker, Worker.team).where(Worker.team.is_not(None)).order_by(Worker.worker)
    ):
        members[team].append(worker)
    for row in rows:
        row["members"] = members.get(row["team"], [])
    return rows
