"""Checking master-data rows: every field of a row, references to other records, and rules across
fields or rows (a serial number is unique per item)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import compress
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import CHECKS, check_column
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, RuleViolation
from custsvc.models import Item, ServiceObject
from custsvc.scratch import Claims
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


#: a field a row does not carry (an update leaves it as it is)
ABSENT: Any = object()


def _absent(spec: Spec, partial: bool) -> Any:
    """What a field a row does not carry becomes: nothing in an update, else its default."""
    if partial:
        return ABSENT
    if spec.required:
        raise InvalidInput(spec.shown, "", "is required")
    return [] if spec.many else spec.default


def _unknown(kind: Kind, raw: Mapping[str, Any]) -> InvalidInput:
    unknown = [k for k in raw if k not in kind.known]
    return InvalidInput("field", unknown[0], f"{label(kind.name)} fields are " + ", ".join(kind.field_names))


def clean_values(kind: Kind, raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check the given fields.  ``partial`` (an update): absent fields stay as they are, and a
    blank value clears an optional field.  Raises the first problem as ``InvalidInput``."""
    if not kind.known.issuperset(raw):
        raise _unknown(kind, raw)
    clean: dict[str, Any] = {}
    for spec in kind.specs:
        value = _clean_field(spec, raw[spec.name], partial) if spec.name in raw else _absent(spec, partial)
        if value is not ABSENT:
            clean[spec.name] = value
    return clean


def clean_rows(
    kind: Kind, rows: Sequence[Mapping[str, Any]], *, partial: bool
) -> tuple[list[dict[str, Any] | None], dict[int, CustSvcError]]:
    """``clean_values`` of many rows, one field of all rows at a time: for each row the same clean
    values, or the same first problem. Returns the clean rows (None for a row with a problem) and
    the problems by position in ``rows``."""
    problems: dict[int, CustSvcError] = {
        i: _unknown(kind, raw) for i, raw in enumerate(rows) if not kind.known.issuperset(raw)
    }
    names, columns, gaps = _clean_columns(kind, rows, partial, problems)
    cleaned: list[dict[str, Any] | None] = (
        [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        if columns
        else [{} for _row in rows]
    )
    if gaps:
        cleaned = [{k: v for k, v in c.items() if v is not ABSENT} for c in cleaned]  # type: ignore[union-attr]
    for i in problems:
        cleaned[i] = None
    return cleaned, problems


def _clean_columns(
    kind: Kind, rows: Sequence[Mapping[str, Any]], partial: bool, problems: dict[int, CustSvcError]
) -> tuple[list[str], list[list[Any]], bool]:
    """Each field's clean values over all rows (the first problem of a row goes to ``problems``):
    the field names, their columns, and whether some rows of an update lack a field others carry."""
    names: list[str] = []
    columns: list[list[Any]] = []
    gaps = False
    for spec in kind.specs:
        values, absent = _column(rows, spec.name)
        if partial and absent == len(rows):
            continue  # no row carries it
        if absent == len(rows):
            clean, errors = _all_absent(spec, len(rows))
        else:
            clean, errors = _clean_column(spec, values, partial)
        for i, exc in errors.items():
            problems.setdefault(i, exc)
        names.append(spec.name)
        columns.append(clean)
        gaps = gaps or (partial and absent > 0)
    return names, columns, gaps


def _column(rows: Sequence[Mapping[str, Any]], name: str) -> tuple[list[Any], int]:
    """The values of one field of every row (``ABSENT`` where a row does not carry it), and how many are absent."""
    try:
        return list(map(itemgetter(name), rows)), 0
    except KeyError:
        values = [raw.get(name, ABSENT) for raw in rows]
        return values, values.count(ABSENT)


def _all_absent(spec: Spec, count: int) -> tuple[list[Any], dict[int, CustSvcError]]:
    """A field no row carries (not an update): its default in every row, or a problem in every row."""
    if spec.required:
        return [None] * count, {i: InvalidInput(spec.shown, "", "is required") for i in range(count)}
    if spec.many:
        return [[] for _i in range(count)], {}
    return [spec.default] * count, {}


def _clean_column(spec: Spec, values: list[Any], partial: bool) -> tuple[list[Any], dict[int, CustSvcError]]:
    """One field of every row: (clean values, problems by position). Text, as in every CSV, is
    checked a column at a time (``check_column``); anything else, or a column with a value that is
    refused, one value at a time for the messages."""
    if not spec.many and set(map(type, values)) == {str}:
        stripped = list(map(str.strip, values))
        filled = all(stripped)
        if filled or not spec.required:
            texts = values if filled else list(compress(values, stripped))
            checked = check_column(spec.check, texts, spec.shown)
            if checked is not None and filled:
                return checked, {}
            if checked is not None:
                found, empty = iter(checked), None if partial else spec.default
                return [next(found) if text else empty for text in stripped], {}
    return _clean_each(spec, values, partial)


def _clean_each(spec: Spec, values: list[Any], partial: bool) -> tuple[list[Any], dict[int, CustSvcError]]:
    clean: list[Any] = []
    errors: dict[int, CustSvcError] = {}
    for i, value in enumerate(values):
        try:
            clean.append(_absent(spec, partial) if value is ABSENT else _clean_field(spec, value, partial))
        except CustSvcError as exc:
            errors[i] = exc
            clean.append(None)
    return clean, errors


def existing_keys(ctx: Context, kind: Kind, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are stored: one statement per 900 keys (one in all for an empty table)."""
    column = kind.table.c[kind.table_columns[kind.key]]
    wanted = sorted(set(keys))
    ctx.flush()  # what the session holds is read too (the statements go to its connection)
    if not wanted or ctx.connection().execute(select(column).limit(1)).first() is None:
        return set()
    return {key for (key,) in select_in(ctx, select(column), column, wanted, core=True)}


def stored_records(ctx: Context, kind: Kind, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored values of the records of ``keys`` that exist, by key, in the form ``clean_values``
    gives them (a ``many`` field as a set): one statement per 900 keys and table."""
    table, columns = kind.table, kind.table_columns
    names = list(columns)
    at = names.index(kind.key)
    query = select(*(table.c[column] for column in columns.values()))
    ctx.flush()
    rows = select_in(ctx, query, table.c[columns[kind.key]], keys, core=True)
    stored = {row[at]: dict(zip(names, row, strict=True)) for row in rows}
    for name, (model, column) in kind.children.items():
        for record in stored.values():
            record[name] = set()
        owner = getattr(model, kind.key)
        for key, value in select_in(ctx, select(owner, getattr(model, column)), owner, list(stored), core=True):
            stored[key][name].add(value)
    return stored


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


def check_rules(
    ctx: Context,
    kind: Kind,
    rows: Sequence[Mapping[str, Any]],
    changed: Sequence[Mapping[str, Any]] | None = None,
    serials: Claims | None = None,
) -> None:
    """Rules across fields or rows that single-value checks cannot see. ``changed``: the rows that
    change stored records (default: all), for the rules about what a stored record may become;
    ``serials``: the serial numbers earlier batches of the same import claimed."""
    changed = rows if changed is None else changed
    if kind.name == "object":
        _check_unique_serials(ctx, rows, Claims() if serials is None else serials)
        _check_owner_changes(ctx, changed)
    if kind.name == "item":
        _check_serialized_changes(ctx, changed)


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


def _check_unique_serials(ctx: Context, rows: Sequence[Mapping[str, Any]], claims: Claims) -> None:
    """A serial number is unique per item (objects without an item are not compared)."""
    given = [row for row in rows if row.get("item") and row.get("serial")]
    pairs = [(f"{row['item']}\x1f{row['serial']}", row["object"]) for row in given]
    for i, earlier in claims.claim(pairs).items():
        row = given[i]
        raise Duplicate(
            "serial number", f"{row['item']}/{row['serial']}", f"is given to both {earlier} and {row['object']}"
        )
    claimed = {(row["item"], row["serial"]): row["object"] for row in given}
    items = sorted({item for item, _serial in claimed})
    query = select(ServiceObject.item, ServiceObject.serial, ServiceObject.object).where(
        ServiceObject.serial.is_not(None)
    )
    for item, serial, owner in select_in(ctx, query, ServiceObject.item, items):
        holder = claimed.get((item, serial))
        if holder is not None and holder != owner:
            raise Duplicate("serial number", f"{item}/{serial}", f"already belongs to {owner}")


def _whole(kind: Kind, clean: Mapping[str, Any]) -> bool:
    """Whether the rules see all they look at in the row itself (only objects' rules look at several fields)."""
    return kind.name != "object" or all(n in clean for n in kind.field_names)


def merged(ctx: Context, kind: Kind, clean: Mapping[str, Any]) -> Mapping[str, Any]:
    """An update's values laid over the stored record, for rules that look at several fields."""
    if _whole(kind, clean):
        return clean
    stored = ctx.get(kind.model, clean[kind.key])
    if stored is None:
        return clean
    base = {s.name: getattr(stored, s.attribute) for s in kind.specs if not s.many}
    return {**base, **clean}


def merged_with(kind: Kind, clean: Mapping[str, Any], stored: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``merged`` with the stored record read already (``stored_records``; None: a new record)."""
    if stored is None or _whole(kind, clean):
        return clean
    return {**{n: v for n, v in stored.items() if n not in kind.children}, **clean}
