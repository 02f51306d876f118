"""What an order (or one of its lines) needs from a technician: skills, and how long the visit takes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.timeparse import parse_duration
from custsvc.errors import NotFound
from custsvc.models import (
    OrderLine,
    ServiceTask,
)
from custsvc.services import settings
from custsvc.services.batch import select_in


@dataclass
class Needs:
    skills: set[str]
    duration: timedelta
    tasks: list[str]


def _lines_of(ctx: Context, numbers: Sequence[str]) -> dict[str, list[tuple[OrderLine, ServiceTask | None]]]:
    """The open lines of many orders with their tasks, in one query per 900 orders."""
    out: dict[str, list[tuple[OrderLine, ServiceTask | None]]] = defaultdict(list)
    query = (
        select(OrderLine, ServiceTask)
        .outerjoin(ServiceTask, ServiceTask.task == OrderLine.task)
        .where(OrderLine.status == "created")
    )
    for line, task in select_in(ctx, query, OrderLine.order_number, sorted(set(numbers))):
        out[line.order_number].append((line, task))
    return out


def _needs(rows: Sequence[tuple[OrderLine, ServiceTask | None]], default: timedelta) -> Needs:
    by_task = {task.task: task for _line, task in rows if task is not None}
    skills = {task.skill for task in by_task.values() if task.skill}
    hours = sum((line.quantity for line, _task in rows if line.type == "hour"), start=0)
    if not hours:
        hours = sum((task.hours for task in by_task.values()), start=0)
    return Needs(skills, timedelta(hours=float(hours)) if hours else default, sorted(by_task))


def needs_of(ctx: Context, keys: Sequence[tuple[str, int | None]]) -> dict[tuple[str, int | None], Needs | None]:
    """``needs`` of many orders (line None) or single lines at once; None for a line no longer open."""
    lines = _lines_of(ctx, [number for number, _line in keys])
    default = parse_duration(settings.get(ctx, "visit_duration"))
    out: dict[tuple[str, int | None], Needs | None] = {}
    for number, line_no in keys:
        rows = (
            lines[number]
            if line_no is None
            else [(line, task) for line, task in lines[number] if line.line_no == line_no]
        )
        out[(number, line_no)] = _needs(rows, default) if rows or line_no is None else None
    return out


def needs(ctx: Context, number: str, line_no: int | None = None) -> Needs:
    """Skills the order's (or line's) tasks ask for, and how long the visit takes: the hours of its
    hour lines, else its tasks' default hours, else the ``visit_duration`` setting."""
    need = needs_of(ctx, [(number, line_no)])[(number, line_no)]
    if need is None:
        raise NotFound("open order line", f"{number}/{line_no}")
    return need
