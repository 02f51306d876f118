"""Workers beyond plain master data: the acting worker, skills added or removed one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, insert, select

from custsvc.context import Context
from custsvc.domain.checks import check_tag
from custsvc.errors import CustSvcError, NotFound, RuleViolation
from custsvc.models import Worker, WorkerRole, WorkerSkill
from custsvc.services import master


def is_technician(ctx: Context, worker: str) -> bool:
    query = select(WorkerRole.worker).where(WorkerRole.worker == worker, WorkerRole.role == "technician")
    return ctx.execute(query).first() is not None


def require_technician(ctx: Context, worker: str) -> Worker:
    """The worker, who must exist and hold the technician role (preferred technicians, dispatch)."""
    row = ctx.get(Worker, worker)
    if row is None:
        raise NotFound("worker", worker, "technician")
    if not is_technician(ctx, worker):
        raise RuleViolation("technician-role", f"worker {worker!r} does not have the technician role")
    return row


def check_actor(ctx: Context, actor: str) -> None:
    """``--as`` must name a worker, once the shop has any (so the first one can be added)."""
    if ctx.get(Worker, actor) is not None:
        return
    if ctx.execute(select(exists().where(Worker.worker.is_not(None)))).scalar():
        raise CustSvcError(f"--as / CUSTSVC_USER: no worker {actor!r}; add the worker first or act as an existing one")


def change_skills(ctx: Context, worker: str, add: Sequence[str], remove: Sequence[str]) -> None:
    master.get_obj(ctx, "worker", worker)
    adding = [check_tag(s, "skill") for s in add]
    removing = [check_tag(s, "skill") for s in remove]
    if removing:
        ctx.execute(delete(WorkerSkill).where(WorkerSkill.worker == worker, WorkerSkill.skill.in_(removing)))
    have = set(ctx.execute(select(WorkerSkill.skill).where(WorkerSkill.worker == worker)).scalars())
    new = [s for s in dict.fromkeys(adding) if s not in have]
    if new:
        ctx.execute(insert(WorkerSkill), [{"worker": worker, "skill": s} for s in new])
    ctx.flush()


def update_worker(
    ctx: Context, worker: str, values: dict[str, Any], add_skills: Sequence[str], remove_skills: Sequence[str]
) -> dict[str, Any]:
    if values:
        master.update_record(ctx, "worker", worker, values)
    if add_skills or remove_skills:
        change_skills(ctx, worker, add_skills, remove_skills)
        from sqlalchemy import update

        ctx.execute(update(Worker).where(Worker.worker == worker).values(updated_at=ctx.now, updated_by=ctx.actor))
    return master.show(ctx, "worker", worker)
