"""Workers beyond plain master data: the acting worker, skills added or removed one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlmodel import Session

from custsvc.errors import CustSvcError
from custsvc.models import Worker, WorkerSkill
from custsvc.services import master


def check_actor(session: Session, actor: str) -> None:
    """``--as`` must name a worker, once the shop has any (so the first one can be added)."""
    if session.get(Worker, actor) is not None:
        return
    if session.execute(select(exists().where(Worker.worker.is_not(None)))).scalar():
        raise CustSvcError(f"--as / CUSTSVC_USER: no worker {actor!r}; add the worker first or act as an existing one")


def change_skills(session: Session, worker: str, add: Sequence[str], remove: Sequence[str]) -> None:
    master.get_obj(session, "worker", worker)
    adding = [master.check_tag(s, "skill") for s in add]
    removing = [master.check_tag(s, "skill") for s in remove]
    if removing:
        session.execute(delete(WorkerSkill).where(WorkerSkill.worker == worker, WorkerSkill.skill.in_(removing)))
    have = set(session.execute(select(WorkerSkill.skill).where(WorkerSkill.worker == worker)).scalars())
    new = [s for s in dict.fromkeys(adding) if s not in have]
    if new:
        session.execute(insert(WorkerSkill), [{"worker": worker, "skill": s} for s in new])
    session.flush()


def update_worker(
    session: Session, worker: str, values: dict[str, Any], add_skills: Sequence[str], remove_skills: Sequence[str]
) -> dict[str, Any]:
    if values:
        master.update_record(session, "worker", worker, values)
    if add_skills or remove_skills:
        change_skills(session, worker, add_skills, remove_skills)
        from sqlalchemy import update

        from custsvc.db import actor_of, now_of

        session.execute(
            update(Worker)
            .where(Worker.worker == worker)
            .values(updated_at=now_of(session), updated_by=actor_of(session))
        )
    return master.show(session, "worker", worker)
