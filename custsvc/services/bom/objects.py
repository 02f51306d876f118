"""Each service object's own BOM, as maintained: what every reading and every change shares.

An object's BOM is copied from a template version when it is attached (its version 1); every later
change writes one history line (``object_bom_change``) and yields the next version. A component row
is valid from the version that put it there until the one that replaced or removed it
(``to_version``, None while current), so the BOM as of version N is one indexed range query
(``as_of``), and as of a time it is the version of the newest change made by then.

A change reads the BOM's version first in a reader of its own (outside the write lock), then claims
the next version with ``UPDATE object_bom SET version = N + 1 WHERE version = N``: when another
process changed the BOM meanwhile no row matches and the change is refused (``Conflict``, exit 3);
the unique (object, version) of the history backs this up. Reading modules: ``objects_read``;
changes: ``objects_attach``, ``objects_change``, ``objects_io``; parts moved: ``units``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from custsvc.context import Context
from custsvc.domain.bom import check_position
from custsvc.errors import Conflict, NotFound
from custsvc.models import ObjectBom, ObjectBomChange, ObjectBomComponent, ServiceObject, ServiceOrder

#: every field of ``bom history`` (the header of an empty CSV)
HISTORY_FIELDS = ("version", "at", "change", "position", "old", "new", "reason", "order", "order_line", "actor")
#: what a change command reports
CHANGE_FIELDS = (
    "object", "version", "change", "position", "old", "new", "reason", "order", "order_line", "at", "actor", "changed",
)  # fmt: skip


def no_bom(ctx: Context, obj: str) -> NotFound:
    """The error for an object without a BOM (or no such object at all)."""
    if ctx.get(ServiceObject, obj) is None:
        return NotFound("service object", obj)
    return NotFound("BOM of service object", obj, "attach one with custsvc bom attach")


def get_bom(ctx: Context, obj: str) -> ObjectBom:
    row = ctx.get(ObjectBom, obj)
    if row is None:
        raise no_bom(ctx, obj)
    return row


def as_of(obj: str, version: int) -> Any:
    """The condition for ``obj``'s component rows valid at ``version``."""
    return (
        (ObjectBomComponent.object == obj)
        & (ObjectBomComponent.from_version <= version)
        & or_(ObjectBomComponent.to_version.is_(None), ObjectBomComponent.to_version > version)  # type: ignore[union-attr]
    )


def current_rows(ctx: Context, obj: str) -> dict[str, ObjectBomComponent]:
    """The object's components now, by position."""
    query = select(ObjectBomComponent).where(
        ObjectBomComponent.object == obj,
        ObjectBomComponent.to_version.is_(None),  # type: ignore[union-attr]
    )
    return {row.position: row for row in ctx.execute(query).scalars()}


def describe(item: str, qty: Decimal, serial: str | None) -> str:
    """A component as a history line names it: ``PUMP-CIRC``, ``2 x GASKET``, ``PUMP-25 (SN-1)``."""
    text = item if qty == 1 else f"{format(qty, 'f')} x {item}"
    return f"{text} ({serial})" if serial else text


def describe_row(row: ObjectBomComponent) -> str:
    return describe(row.item, row.quantity, row.serial)


@dataclass
class Editing:
    """One change of one object's BOM in the making: the version it started from, the rows as they
    are now, the object and the order it is made under."""

    bom: ObjectBom
    obj: ServiceObject
    #: the version read before anything was written (the change makes ``version + 1``)
    version: int
    rows: dict[str, ObjectBomComponent]
    order: ServiceOrder | None = None
    claimed: bool = field(default=False)

    @property
    def key(self) -> str:
        return self.obj.object

    @property
    def next_version(self) -> int:
        return self.version + 1

    def at(self, position: str) -> ObjectBomComponent:
        """The component at ``position`` now."""
        row = self.rows.get(check_position(position))
        if row is None:
            raise NotFound("position", position, f"in the BOM of {self.key}")
        return row


def begin(ctx: Context, obj: str, order: str | None = None) -> Editing:
    """Start a change: the BOM's version as it stands (read outside the write lock), then the rows."""
    with ctx.reading() as reader:
        version = reader.execute(select(ObjectBom.version).where(ObjectBom.object == obj)).scalar_one_or_none()
        if version is None:
            raise no_bom(reader, obj)
    bom = get_bom(ctx, obj)
    order_row = None
    if order is not None:
        from custsvc.services.orders import get as get_order

        order_row = get_order(ctx, order)
    return Editing(
        bom=bom, obj=ctx.get(ServiceObject, obj), version=version, rows=current_rows(ctx, obj), order=order_row
    )


def _changed_meanwhile(editing: Editing) -> Conflict:
    return Conflict(
        f"the BOM of {editing.key} (at version {editing.version} when read) was changed by another process "
        "meanwhile; run it again"
    )


def claim(ctx: Context, editing: Editing) -> int:
    """Take the next version for this change, unless another process took it meanwhile (``Conflict``)."""
    result = ctx.execute(
        update(ObjectBom)
        .where(ObjectBom.object == editing.key, ObjectBom.version == editing.version)
        .values(version=editing.next_version, updated_at=ctx.now, updated_by=ctx.actor)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _changed_meanwhile(editing)
    ctx.session.expire(editing.bom)
    editing.claimed = True
    return editing.next_version


@contextmanager
def guarded(ctx: Context, editing: Editing, change: str, position: str | None) -> Iterator[None]:
    """Under an order, the change goes through the lifecycle seam (its guards may refuse it)."""
    if editing.order is None:
        yield
        return
    from custsvc.services.bom.events import ObjectBomChanging
    from custsvc.services.orders.lifecycle import transition

    with transition(ctx, ObjectBomChanging(editing.order, editing.obj, change, position)):
        yield


def end_row(editing: Editing, row: ObjectBomComponent) -> None:
    """The component leaves the BOM with the version being made."""
    row.to_version = editing.next_version


def new_row(
    ctx: Context, editing: Editing, position: str, item: str, qty: Decimal, serial: str | None
) -> ObjectBomComponent:
    row = ObjectBomComponent(
        object=editing.key,
        position=position,
        item=item,
        quantity=qty,
        serial=serial,
        from_version=editing.next_version,
    )
    ctx.add(row)
    return row


def record_change(
    ctx: Context,
    editing: Editing,
    change: str,
    position: str | None,
    *,
    old: str | None = None,
    new: str | None = None,
    reason: str | None = None,
    order_line_id: int | None = None,
) -> dict[str, Any]:
    """The history line of the version being made (claimed first), written; its record."""
    if not editing.claimed:
        claim(ctx, editing)
    line = ObjectBomChange(
        object=editing.key,
        version=editing.next_version,
        change=change,
        position=position,
        old=old,
        new=new,
        reason=reason,
        order_number=editing.order.number if editing.order is not None else None,
        order_line_id=order_line_id,
        at=ctx.now,
        actor=ctx.actor,
    )
    ctx.add(line)
    try:
        ctx.flush()
    except IntegrityError as exc:
        if "object_bom_change" not in str(exc.orig):
            raise
        # the unique (object, version): another process made this version
        raise _changed_meanwhile(editing) from exc
    return change_record(line, changed=True)


def change_record(line: ObjectBomChange, *, changed: bool, order_line: int | None = None) -> dict[str, Any]:
    return {
        "object": line.object,
        "version": line.version,
        "change": line.change,
        "position": line.position,
        "old": line.old,
        "new": line.new,
        "reason": line.reason,
        "order": line.order_number,
        "order_line": order_line if order_line is not None else line.order_line_id,
        "at": line.at,
        "actor": line.actor,
        "changed": changed,
    }


def unchanged(editing: Editing, position: str | None, note: str) -> dict[str, Any]:
    """What a change that changes nothing reports (a repeated command): the version as it is."""
    return {
        "object": editing.key,
        "version": editing.version,
        "change": None,
        "position": position,
        "old": None,
        "new": None,
        "reason": None,
        "order": editing.order.number if editing.order is not None else None,
        "order_line": None,
        "at": None,
        "actor": None,
        "changed": False,
        "note": note,
    }


def last_change(ctx: Context, obj: str, version: int) -> ObjectBomChange | None:
    return ctx.execute(
        select(ObjectBomChange).where(ObjectBomChange.object == obj, ObjectBomChange.version == version)
    ).scalar_one_or_none()
