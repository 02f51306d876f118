"""Checking master-data rows: every field of a row, references to other records, and rules across
fields or rows (a serial number is unique per item)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import CHECKS
from custsvc.errors import Duplicate, InvalidInput, RuleViolation
from custsvc.models import AUDIT_FIELDS, Item, ServiceObject
from custsvc.services.batch import select_in
from custsvc.services.master.kinds import KINDS, Kind, Spec, label
from custsvc.values import counted, word


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def split_values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def _scalar(spec: Spec, value: Any) -> Any:
    """A value from a JSON file must be what the field holds: text (a whole number is fine as text),
    or a number for amounts and quantities; never a list, an object or true/false."""
    if isinstance(value, bool) and spec.check == "bool":
        return value
    if isinstance(value, (bool, list, dict, tuple, set)):
        what = "true or false" if isinstance(value, bool) else type(value).__name__
        raise InvalidInput(spec.shown, value, f"expected {'a number' if spec.check in NUMERIC else 'text'}, not {what}")
    if isinstance(value, int):
        return value if spec.check in NUMERIC else str(value)
    if isinstance(value, (float, Decimal)) and spec.check not in NUMERIC:
        raise InvalidInput(spec.shown, value, "expected text, not a number")
    return value


NUMERIC = ("money", "qty")


def _clean_list(spec: Spec, value: Any) -> list[Any]:
    """A list field (roles, skills): each part checked, repeats dropped."""
    values: list[Any] = []
    for part in split_values(value):
        checked = CHECKS[spec.check](_scalar(spec, part), spec.shown)
        if checked not in values:
            values.append(checked)
    if spec.required and not values:
        raise InvalidInput(spec.shown, "", "give at least one")
    return values


def _clean_field(spec: Spec, value: Any, partial: bool) -> Any:
    if spec.many:
        return _clean_list(spec, value)
    if blank(value):
        if spec.required:
            raise InvalidInput(spec.shown, "" if value is None else value, "is required")
        return spec.default if not partial else None
    return CHECKS[spec.check](_scalar(spec, value), spec.shown)


def clean_values(kind: Kind, raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check the given fields.  ``partial`` (an update): absent fields stay as they are, and a
    blank value clears an optional field.  Raises the first problem as ``InvalidInput``."""
    unknown = [k for k in raw if k not in kind.field_names and k not in AUDIT_FIELDS]
    if unknown:
        raise InvalidInput("field", unknown[0], f"{label(kind.name)} fields are " + ", ".join(kind.field_names))
    clean: dict[str, Any] = {}
    for spec in kind.specs:
        if spec.name in raw:
            clean[spec.name] = _clean_field(spec, raw[spec.name], partial)
        elif not partial:
            if spec.required:
                raise InvalidInput(spec.shown, "", "is required")
            clean[spec.name] = [] if spec.many else spec.default
    return clean


def existing_keys(ctx: Context, kind: Kind, keys: Iterable[str]) -> set[str]:
    column = kind.column(kind.key)
    return {key for (key,) in select_in(ctx, select(column), column, sorted(set(keys)))}


def missing_references(ctx: Context, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """For each ref field, the referenced keys that do not exist."""
    missing: dict[tuple[str, str], set[str]] = {}
    for spec in kind.specs:
        if spec.check != "ref" or spec.ref is None:
            continue
        wanted = {r[spec.name] for r in rows if r.get(spec.name)}
        if not wanted:
            continue
        found = existing_keys(ctx, KINDS[spec.ref], wanted)
        missing[(spec.name, spec.ref)] = wanted - found
    return missing


def check_rules(ctx: Context, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rules across fields or rows that single-value checks cannot see."""
    if kind.name == "object":
        _check_unique_serials(ctx, rows)
        _check_owner_changes(ctx, rows)
    if kind.name == "item":
        _check_serialized_changes(ctx, rows)


def _check_serialized_changes(ctx: Context, rows: Sequence[Mapping[str, Any]]) -> None:
    """An item on the ledger keeps whether its units have serial numbers: the movements written
    so far would not fit the other way."""
    wanted = {row["item"]: row["serialized"] for row in rows if row.get("serialized") is not None}
    query = select(Item.item, Item.serialized)
    changing = sorted(i for i, now in select_in(ctx, query, Item.item, sorted(wanted)) if bool(now) != wanted[i])
    if not changing:
        return
    from custsvc.models import StockMove  # the ledger's tables only when a change must be weighed

    query = select(StockMove.item, func.count()).group_by(StockMove.item)
    for item, count in sorted(select_in(ctx, query, StockMove.item, changing)):
        what = "serialized" if wanted[item] else "not serialized"
        raise RuleViolation(
            "serialized-fixed-once-stocked",
            f"item {item!r} cannot become {what}: the stock ledger has {counted(count, 'movement')} of it",
        )


def _check_owner_changes(ctx: Context, rows: Sequence[Mapping[str, Any]]) -> None:
    """A service object does not move to another customer while the old customer's agreements (lines
    not stopped) or open orders use it: they would go on with another customer's object."""
    wanted = {row["object"]: row["customer"] for row in rows if row.get("customer")}
    query = select(ServiceObject.object, ServiceObject.customer)
    moving = {
        obj: old for obj, old in select_in(ctx, query, ServiceObject.object, sorted(wanted)) if old != wanted[obj]
    }
    for obj, old in sorted(moving.items()):
        users = _users_of(ctx, obj, old)
        if users:
            raise RuleViolation(
                "object-in-use",
                f"service object {obj!r} is used by {old}'s {'; '.join(users)}; "
                f"it cannot move to {wanted[obj]} while they use it",
            )


def _users_of(ctx: Context, obj: str, customer: str) -> list[str]:
    # agreements' and orders' tables only when an object changes hands (a customer list need not build them)
    from custsvc.models import Agreement, AgreementLine, OrderObject, ServiceOrder
    from custsvc.services.orders.reading import open_condition

    query = (
        select(Agreement.agreement)
        .join(AgreementLine, AgreementLine.agreement == Agreement.agreement)
        .where(AgreementLine.object == obj, AgreementLine.stopped.is_(False), Agreement.customer == customer)
        .distinct()
        .order_by(Agreement.agreement)
    )
    agreements = list(ctx.execute(query).scalars())
    query = (
        select(ServiceOrder.number)
        .join(OrderObject, OrderObject.order_number == ServiceOrder.number)
        .where(OrderObject.object == obj, ServiceOrder.customer == customer, open_condition())
        .order_by(ServiceOrder.number)
    )
    open_orders = list(ctx.execute(query).scalars())
    users = []
    if agreements:
        users.append(f"{word(len(agreements), 'agreement')} {', '.join(agreements)}")
    if open_orders:
        users.append(f"{word(len(open_orders), 'open order')} {', '.join(open_orders)}")
    return users


def _check_unique_serials(ctx: Context, rows: Sequence[Mapping[str, Any]]) -> None:
    """A serial number is unique per item (objects without an item are not compared)."""
    claimed: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.get("item") and row.get("serial"):
            pair = (row["item"], row["serial"])
            if pair in claimed and claimed[pair] != row["object"]:
                raise Duplicate(
                    "serial number", f"{pair[0]}/{pair[1]}", f"is given to both {claimed[pair]} and {row['object']}"
                )
            claimed[pair] = row["object"]
    items = sorted({item for item, _serial in claimed})
    query = select(ServiceObject.item, ServiceObject.serial, ServiceObject.object).where(
        ServiceObject.serial.is_not(None)
    )
    for item, serial, owner in select_in(ctx, query, ServiceObject.item, items):
        holder = claimed.get((item, serial))
        if holder is not None and holder != owner:
            raise Duplicate("serial number", f"{item}/{serial}", f"already belongs to {owner}")


def merged(ctx: Context, kind: Kind, clean: Mapping[str, Any]) -> Mapping[str, Any]:
    """An update's values laid over the stored record, for rules that look at several fields."""
    if kind.name != "object" or all(n in clean for n in kind.field_names):
        return clean
    stored = ctx.get(kind.model, clean[kind.key])
    if stored is None:
        return clean
    base = {s.name: getattr(stored, s.attribute) for s in kind.specs if not s.many}
    return {**base, **clean}
