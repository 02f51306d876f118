"""``order list``: which orders, in which order. Everything stored is filtered and sorted in SQL;
what other capabilities compute (the SLA status, time left) is filtered and sorted on the records,
which are built set-based whatever their number."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.models import Assignment, Customer, OrderLine, OrderObject, ServiceOrder
from custsvc.services import stages
from custsvc.services.batch import IN_CHUNK
from custsvc.services.orders.reading import canceled_stages, open_condition, records

#: what ``--sort`` takes; the computed ones sort the records, the others the query
SORTS = ("order", "date", "customer", "priority", "stage", "total", "time-left", "created")
PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}
#: the SLA statuses an order can have; ``none`` for an order without an SLA
SLA_STATUSES = ("on-track", "at-risk", "breached", "paused", "met", "canceled", "none")


@dataclass(frozen=True)
class OrderFilter:
    stage: str | None = None
    customer: str | None = None
    agreement: str | None = None
    #: orders assigned to this technician (``preferred``: whose preferred technician it is)
    technician: str | None = None
    preferred: bool = False
    obj: str | None = None
    priority: str | None = None
    sla_status: str | None = None
    search: str | None = None
    open_only: bool = False
    date_from: date | None = None
    date_to: date | None = None


def _assigned_to(technician: str) -> Any:
    return (
        select(Assignment.id)
        .where(Assignment.order_number == ServiceOrder.number, Assignment.technician == technician)
        .exists()
    )


def _has_object(obj: str) -> Any:
    header = select(OrderObject.object).where(
        OrderObject.order_number == ServiceOrder.number, OrderObject.object == obj
    )
    line = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number, OrderLine.object == obj)
    return header.exists() | line.exists()


def _matches(text: str) -> Any:
    """The order's number, description, address, customer account or customer name holds ``text``
    (any case); a portable ``LIKE`` with the wildcards in ``text`` taken literally."""
    needle = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(column: Any) -> Any:
        return func.lower(column).like(needle, escape="\\")

    named = select(Customer.account).where(Customer.account == ServiceOrder.customer, like(Customer.name))
    return or_(
        like(ServiceOrder.number),
        like(ServiceOrder.description),
        like(ServiceOrder.address),
        like(ServiceOrder.customer),
        named.exists(),
    )


def _conditions(f: OrderFilter) -> list[Any]:
    technician = ServiceOrder.technician == f.technician if f.preferred else None
    given: list[tuple[Any, Callable[[], Any]]] = [
        (f.stage, lambda: ServiceOrder.stage == f.stage),
        (f.customer, lambda: ServiceOrder.customer == f.customer),
        (f.agreement, lambda: ServiceOrder.agreement == f.agreement),
        (f.technician, lambda: technician if f.preferred else _assigned_to(f.technician)),  # type: ignore[arg-type]
        (f.obj, lambda: _has_object(f.obj)),  # type: ignore[arg-type]
        (f.priority, lambda: ServiceOrder.priority == f.priority),
        (f.search, lambda: _matches(f.search)),  # type: ignore[arg-type]
        (f.date_from, lambda: ServiceOrder.service_date >= f.date_from),
        (f.date_to, lambda: ServiceOrder.service_date <= f.date_to),
        (f.open_only, open_condition),
    ]
    return [condition() for value, condition in given if value]


_COLUMNS = {
    "order": (ServiceOrder.number,),
    "date": (ServiceOrder.service_date, ServiceOrder.number),
    "customer": (ServiceOrder.customer, ServiceOrder.number),
    "stage": (ServiceOrder.stage, ServiceOrder.number),
    "created": (ServiceOrder.created_at, ServiceOrder.number),
}


def _record_key(sort: str) -> Callable[[dict[str, Any]], Any]:
    if sort == "priority":
        return lambda r: (PRIORITY_ORDER.get(r["priority"], 9), r["order"])
    if sort == "total":
        return lambda r: (r["total"], r["order"])
    # time left: the most urgent first (the most overdue), orders without a clock running last
    return lambda r: (r.get("time_left_seconds") is None, r.get("time_left_seconds") or 0, r["order"])


def list_orders(ctx: Context, **options: Any) -> list[dict[str, Any]]:
    """Orders matching the filters (see ``iter_orders``), as a list."""
    return list(iter_orders(ctx, **options))


#: orders turned into records at a time when a list streams: one ``IN`` list per question asked of
#: other tables (see ``services.batch``)
CHUNK = IN_CHUNK


def iter_orders(
    ctx: Context,
    *,
    sort: str = "order",
    reverse: bool = False,
    limit: int | None = None,
    **filters: Any,
) -> Iterator[dict[str, Any]]:
    """Orders matching ``filters`` (see ``OrderFilter``), sorted by ``sort`` (one of ``SORTS``).

    Sorted by a stored column, the orders stream: read from one query as it runs and made into
    records ``CHUNK`` at a time (a few statements per chunk), so memory stays flat whatever their
    number. A sort or filter on what other capabilities compute (time left, SLA status) needs every
    record first."""
    if filters.get("search"):
        filters["search"] = check_text(filters["search"], "search")
    f = OrderFilter(**filters)
    if f.stage:
        stages.get(ctx, f.stage)
    in_sql = sort in _COLUMNS and f.sla_status is None
    columns = _COLUMNS.get(sort, _COLUMNS["order"])
    conditions = _conditions(f)
    query = select(*ServiceOrder.__table__.columns).where(*conditions)  # type: ignore[attr-defined]
    query = query.order_by(*(c.desc() if reverse and in_sql else c for c in columns))
    if limit and in_sql:
        query = query.limit(limit)
    # an unfiltered list by number reads what other tables keep of each stretch by key range
    by_number = columns is _COLUMNS["order"] and not conditions
    run = ("descending" if reverse and in_sql else "ascending") if by_number else None
    found = _streamed(ctx, query, run)
    if in_sql:
        return found
    return iter(_computed(list(found), f.sla_status, sort, reverse, limit))


def _streamed(ctx: Context, query: Any, run: str | None) -> Iterator[dict[str, Any]]:
    canceled = canceled_stages(ctx)
    result = ctx.connection().execute(query.execution_options(yield_per=CHUNK))
    for part in result.partitions(CHUNK):
        yield from records(ctx, part, canceled=canceled, run=run)


def _computed(
    found: list[dict[str, Any]], sla_status: str | None, sort: str, reverse: bool, limit: int | None
) -> list[dict[str, Any]]:
    if sla_status:
        wanted = None if sla_status == "none" else sla_status
        found = [r for r in found if r.get("sla_status") == wanted]
    if sort not in _COLUMNS:
        found.sort(key=_record_key(sort))
    if reverse:
        found.reverse()
    return found[:limit] if limit else found
