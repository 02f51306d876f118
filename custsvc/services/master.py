"""Master data (customers, service objects, items, tasks, workers, teams): add, update, show,
list, remove, and bulk import, all through one validation path.

Each kind is described once (its fields and how each is checked); ``add`` is an import of one
row, so a value the command line refuses is refused by an import in the same words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlmodel import SQLModel

from custsvc.context import Context
from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.timeparse import zone
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems, RuleViolation
from custsvc.models import (
    AUDIT_FIELDS,
    Calendar,
    Customer,
    Item,
    ServiceObject,
    ServiceTask,
    Team,
    Worker,
    WorkerRole,
    WorkerSkill,
)

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,63}")
TAG_PATTERN = re.compile(r"[a-z0-9][a-z0-9._/+-]{0,39}")
EMAIL_PATTERN = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
ROLES = ("technician", "dispatcher", "manager")
IN_CHUNK = 900  # keys per IN (...) list: well below SQLite's and PostgreSQL's limits


# --- value checks (each returns the clean value or raises InvalidInput naming the field) -------


def check_key(value: Any, name: str) -> str:
    text = str(value).strip()
    if not KEY_PATTERN.fullmatch(text):
        raise InvalidInput(
            name, value, "use 1-64 letters, digits and . _ - : / @ + (starting with a letter or digit), no spaces"
        )
    return text


def check_tag(value: Any, name: str) -> str:
    text = str(value).strip().lower()
    if not TAG_PATTERN.fullmatch(text):
        raise InvalidInput(name, value, "use 1-40 lower-case letters, digits and . _ - / +, no spaces or commas")
    return text


def check_text(value: Any, name: str) -> str:
    text = str(value).strip()
    if len(text) > 500:
        raise InvalidInput(name, value[:40] + "...", "at most 500 characters")
    if any(ch in text for ch in "\r\n\x00"):
        raise InvalidInput(name, value, "must be one line")
    return text


def check_email(value: Any, name: str) -> str:
    text = str(value).strip()
    if not EMAIL_PATTERN.fullmatch(text):
        raise InvalidInput(name, value, "expected an e-mail address such as service@example.com")
    return text


def check_zone(value: Any, name: str) -> str:
    text = str(value).strip()
    zone(text, name)
    return text


def check_role(value: Any, name: str) -> str:
    text = str(value).strip().lower()
    if text not in ROLES:
        raise InvalidInput(name, value, "expected one of " + ", ".join(ROLES))
    return text


CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "key": check_key,
    "ref": check_key,
    "tag": check_tag,
    "text": check_text,
    "email": check_email,
    "zone": check_zone,
    "role": check_role,
    "money": lambda v, n: parse_money(v, n),
    "qty": lambda v, n: parse_quantity(v, n),
}


@dataclass(frozen=True)
class Spec:
    """One field of a master-data record, as it appears in JSON / CSV and on the command line."""

    name: str
    check: str = "text"
    required: bool = False
    default: Any = None
    attr: str | None = None  # model attribute when it differs from ``name``
    ref: str | None = None  # the kind a ``ref`` field points to
    many: bool = False  # a list, kept in a child table
    label: str | None = None  # how errors name it (defaults to the name)

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    @property
    def shown(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[SQLModel]
    key: str
    specs: tuple[Spec, ...]
    #: fields a free-text ``--search`` looks in
    search: tuple[str, ...] = ()
    #: child tables for ``many`` fields: name -> (model, value column)
    children: Mapping[str, tuple[type[SQLModel], str]] = field(default_factory=dict)

    def spec(self, name: str) -> Spec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [s.name for s in self.specs]

    def column(self, name: str) -> Any:
        return getattr(self.model, self.spec(name).attribute)


KINDS: dict[str, Kind] = {
    "customer": Kind(
        "customer",
        Customer,
        "account",
        (
            Spec("account", "key", required=True),
            Spec("name", "text", required=True),
            Spec("tier", "tag"),
            Spec("timezone", "zone"),
            Spec("email", "email"),
            Spec("phone", "text"),
            Spec("address", "text"),
        ),
        search=("account", "name", "email", "address"),
    ),
    "item": Kind(
        "item",
        Item,
        "item",
        (
            Spec("item", "key", required=True),
            Spec("name", "text", required=True),
            Spec("unit", "tag", default="pcs"),
            Spec("price", "money", default=Decimal("0.00")),
        ),
        search=("item", "name"),
    ),
    "task": Kind(
        "task",
        ServiceTask,
        "task",
        (
            Spec("task", "key", required=True),
            Spec("description", "text", required=True),
            Spec("hours", "qty", default=Decimal(1)),
            Spec("skill", "tag"),
            Spec("price", "money", default=Decimal("0.00")),
        ),
        search=("task", "description"),
    ),
    "team": Kind(
        "team",
        Team,
        "team",
        (
            Spec("team", "key", required=True),
            Spec("owner", "ref", required=True, ref="worker"),
            Spec("description", "text"),
        ),
        search=("team", "description"),
    ),
    "worker": Kind(
        "worker",
        Worker,
        "worker",
        (
            Spec("worker", "key", required=True),
            Spec("name", "text", required=True),
            Spec("roles", "role", required=True, many=True, label="role"),
            Spec("skills", "tag", many=True, label="skill"),
            Spec("team", "ref", ref="team"),
            Spec("email", "email"),
            Spec("phone", "text"),
            Spec("calendar", "ref", ref="calendar"),
        ),
        search=("worker", "name", "email"),
        children={"roles": (WorkerRole, "role"), "skills": (WorkerSkill, "skill")},
    ),
    "object": Kind(
        "object",
        ServiceObject,
        "object",
        (
            Spec("object", "key", required=True),
            Spec("customer", "ref", required=True, ref="customer"),
            Spec("item", "ref", ref="item"),
            Spec("serial", "text"),
            Spec("description", "text"),
            Spec("group", "tag", attr="object_group"),
        ),
        search=("object", "serial", "description"),
    ),
    # only so that references to calendars are checked like any other (calendars have their own commands)
    "calendar": Kind("calendar", Calendar, "calendar", (Spec("calendar", "key", required=True),)),
}

#: what a kind is called in messages
LABELS = {"object": "service object", "task": "service task"}


def label(kind: str) -> str:
    return LABELS.get(kind, kind)


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise CustSvcError(f"unknown kind of record {name!r}") from None


# --- validation -----------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _split(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def clean_values(kind: Kind, raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check the given fields.  ``partial`` (an update): absent fields stay as they are, and a
    blank value clears an optional field.  Raises the first problem as ``InvalidInput``."""
    unknown = [k for k in raw if k not in kind.field_names and k not in AUDIT_FIELDS]
    if unknown:
        raise InvalidInput("field", unknown[0], f"{label(kind.name)} fields are " + ", ".join(kind.field_names))
    clean: dict[str, Any] = {}
    for spec in kind.specs:
        if spec.name not in raw:
            if partial:
                continue
            if spec.required:
                raise InvalidInput(spec.shown, "", "is required")
            clean[spec.name] = [] if spec.many else spec.default
            continue
        value = raw[spec.name]
        check = CHECKS[spec.check]
        if spec.many:
            values = []
            for part in _split(value):
                checked = check(part, spec.shown)
                if checked not in values:
                    values.append(checked)
            if spec.required and not values:
                raise InvalidInput(spec.shown, "", "give at least one")
            clean[spec.name] = values
        elif _blank(value):
            if spec.required:
                raise InvalidInput(spec.shown, "" if value is None else value, "is required")
            clean[spec.name] = spec.default if not partial else None
        else:
            clean[spec.name] = check(value, spec.shown)
    return clean


def _existing_keys(ctx: Context, kind: Kind, keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    column = kind.column(kind.key)
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        found.update(ctx.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _missing_references(
    ctx: Context, kind: Kind, rows: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str], set[str]]:
    """For each ref field, the referenced keys that do not exist."""
    missing: dict[tuple[str, str], set[str]] = {}
    for spec in kind.specs:
        if spec.check != "ref" or spec.ref is None:
            continue
        wanted = {r[spec.name] for r in rows if r.get(spec.name)}
        if not wanted:
            continue
        found = _existing_keys(ctx, KINDS[spec.ref], wanted)
        missing[(spec.name, spec.ref)] = wanted - found
    return missing


# --- records ----------------------------------------------------------------------------------


def _record(kind: Kind, obj: Any, children: Mapping[str, Mapping[str, list[str]]] | None = None) -> dict[str, Any]:
    key = getattr(obj, kind.spec(kind.key).attribute)
    out: dict[str, Any] = {}
    for spec in kind.specs:
        if spec.many:
            out[spec.name] = sorted((children or {}).get(spec.name, {}).get(key, []))
        else:
            out[spec.name] = getattr(obj, spec.attribute)
    for name in AUDIT_FIELDS:
        out[name] = getattr(obj, name)
    return out


def _children_of(ctx: Context, kind: Kind, keys: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {}
    for name, (model, column) in kind.children.items():
        per_key: dict[str, list[str]] = defaultdict(list)
        owner = getattr(model, kind.key)
        value = getattr(model, column)
        if len(keys) <= IN_CHUNK:
            query = select(owner, value).where(owner.in_(list(keys)))
        else:
            query = select(owner, value)
        for key, item in ctx.execute(query):
            per_key[key].append(item)
        result[name] = per_key
    return result


def records(ctx: Context, kind_name: str, objs: Sequence[Any]) -> list[dict[str, Any]]:
    kind = kind_of(kind_name)
    keys = [getattr(o, kind.spec(kind.key).attribute) for o in objs]
    children = _children_of(ctx, kind, keys) if kind.children and keys else {}
    return [_record(kind, o, children) for o in objs]


def get_obj(ctx: Context, kind_name: str, key: str) -> Any:
    kind = kind_of(kind_name)
    obj = ctx.get(kind.model, key)
    if obj is None:
        raise NotFound(label(kind_name), key)
    return obj


def show(ctx: Context, kind_name: str, key: str) -> dict[str, Any]:
    return records(ctx, kind_name, [get_obj(ctx, kind_name, key)])[0]


def list_records(
    ctx: Context,
    kind_name: str,
    *,
    filters: Mapping[str, Any] | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List records.  ``filters`` match fields exactly (a ``many`` field: contains the value)."""
    kind = kind_of(kind_name)
    query = select(kind.model)
    for name, value in (filters or {}).items():
        if value is None:
            continue
        spec = kind.spec(name)
        wanted = CHECKS[spec.check](value, spec.shown) if spec.check not in ("text",) else str(value)
        if spec.many:
            model, column = kind.children[name]
            query = query.where(
                kind.column(kind.key).in_(select(getattr(model, kind.key)).where(getattr(model, column) == wanted))
            )
        else:
            query = query.where(kind.column(name) == wanted)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(*(func.lower(kind.column(n)).like(pattern) for n in kind.search)))
    query = query.order_by(kind.column(kind.key))
    if limit:
        query = query.limit(limit)
    objs = list(ctx.execute(query).scalars())
    return records(ctx, kind_name, objs)


# --- writes -----------------------------------------------------------------------------------


def _db_row(kind: Kind, clean: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values keyed by model attribute (for ORM-enabled bulk inserts and updates)."""
    return {spec.attribute: clean[spec.name] for spec in kind.specs if not spec.many and spec.name in clean}


def _write_children(ctx: Context, kind: Kind, key: str, clean: Mapping[str, Any], *, replace: bool) -> None:
    for name, (model, column) in kind.children.items():
        if name not in clean:
            continue
        if replace:
            ctx.execute(delete(model).where(getattr(model, kind.key) == key))
        values = clean[name]
        if values:
            ctx.execute(insert(model), [{kind.key: key, column: v} for v in values])


def add(ctx: Context, kind_name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Add one record; the same checks as an import of one row."""
    result = import_rows(ctx, kind_name, [raw], single=True)
    key = result["keys"][0]
    ctx.expire_all()
    return show(ctx, kind_name, key)


def update_record(ctx: Context, kind_name: str, key: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    kind = kind_of(kind_name)
    obj = get_obj(ctx, kind_name, key)
    if kind.key in raw:
        raise InvalidInput(kind.key, raw[kind.key], "a key cannot be changed; add a new record instead")
    clean = clean_values(kind, raw, partial=True)
    missing = _missing_references(ctx, kind, [clean])
    for (field_name, ref), keys in missing.items():
        if keys:
            raise NotFound(label(ref), sorted(keys)[0])
    _check_rules(ctx, kind, [_merged(ctx, kind, {**clean, kind.key: key})])
    changes = _db_row(kind, clean)
    if changes or any(n in clean for n in kind.children):
        changes.update(updated_at=ctx.now, updated_by=ctx.actor)
        ctx.execute(update(kind.model).where(kind.column(kind.key) == key).values(**changes))
        _write_children(ctx, kind, key, clean, replace=True)
        ctx.flush()
    ctx.expire(obj)
    return show(ctx, kind_name, key)


def remove(ctx: Context, kind_name: str, key: str) -> dict[str, Any]:
    """Remove a record that nothing else refers to."""
    from custsvc.services.references import references_to

    kind = kind_of(kind_name)
    obj = get_obj(ctx, kind_name, key)
    refs = references_to(ctx, kind.model.__table__, key)  # type: ignore[attr-defined]
    if refs:
        listed = ", ".join(f"{count} {where}" for where, count in refs)
        raise RuleViolation("referenced-records-stay", f"{label(kind_name)} {key!r} is still referred to by {listed}")
    record = records(ctx, kind_name, [obj])[0]
    for name, (model, _column) in kind.children.items():
        ctx.execute(delete(model).where(getattr(model, kind.key) == key))
    ctx.delete(obj)
    ctx.flush()
    return record


def _check_rules(ctx: Context, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rules across fields or rows that single-value checks cannot see."""
    if kind.name == "object":
        _check_unique_serials(ctx, rows)


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
    for start in range(0, len(items), IN_CHUNK):
        query = select(ServiceObject.item, ServiceObject.serial, ServiceObject.object).where(
            ServiceObject.item.in_(items[start : start + IN_CHUNK]), ServiceObject.serial.is_not(None)
        )
        for item, serial, owner in ctx.execute(query):
            holder = claimed.get((item, serial))
            if holder is not None and holder != owner:
                raise Duplicate("serial number", f"{item}/{serial}", f"already belongs to {owner}")


def _merged(ctx: Context, kind: Kind, clean: Mapping[str, Any]) -> Mapping[str, Any]:
    """An update's values laid over the stored record, for rules that look at several fields."""
    if kind.name != "object" or all(n in clean for n in kind.field_names):
        return clean
    stored = ctx.get(kind.model, clean[kind.key])
    if stored is None:
        return clean
    base = {s.name: getattr(stored, s.attribute) for s in kind.specs if not s.many}
    return {**base, **clean}


# --- import -----------------------------------------------------------------------------------


def import_rows(
    ctx: Context,
    kind_name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    upsert: bool = False,
    dry_run: bool = False,
    single: bool = False,
) -> dict[str, Any]:
    """Check every row first, then write all of them or none.

    Problems are reported together, one per row (``row 3: invalid timezone ...``); rows are
    numbered from 1, not counting a CSV header.  With ``upsert``, a row whose key exists updates
    that record with the fields it carries.  ``single`` (``add``): raise the problem itself.
    """
    kind = kind_of(kind_name)
    problems: list[tuple[int, CustSvcError]] = []
    keyed: list[tuple[int, str, Mapping[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            key = check_key(raw.get(kind.key), kind.key) if not _blank(raw.get(kind.key)) else None
            if key is None:
                raise InvalidInput(kind.key, "", "is required")
        except CustSvcError as exc:
            problems.append((number, exc))
            continue
        if key in first_row:
            problems.append((number, Duplicate(label(kind.name), key, f"repeats row {first_row[key]}")))
            continue
        first_row[key] = number
        keyed.append((number, key, raw))

    existing = _existing_keys(ctx, kind, first_row)
    creates: list[tuple[int, dict[str, Any]]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for number, key, raw in keyed:
        try:
            if key in existing:
                if not upsert:
                    raise Duplicate(label(kind.name), key)
                values = {k: v for k, v in raw.items() if k not in AUDIT_FIELDS}
                updates.append((number, clean_values(kind, values, partial=True)))
            else:
                creates.append((number, clean_values(kind, raw, partial=False)))
        except CustSvcError as exc:
            problems.append((number, exc))

    written = creates + updates
    missing = _missing_references(ctx, kind, [c for _n, c in written])
    for number, clean in written:
        for (field_name, ref), keys in missing.items():
            if clean.get(field_name) in keys:
                problems.append((number, NotFound(label(ref), clean[field_name], f"in {field_name}")))
    if not problems:
        try:
            _check_rules(ctx, kind, [_merged(ctx, kind, c) for _n, c in written])
        except CustSvcError as exc:
            problems.append((0, exc))

    if problems:
        problems.sort(key=lambda p: p[0])
        if single:
            raise problems[0][1]
        conflict_only = all(isinstance(exc, Duplicate) for _n, exc in problems)
        raise Problems(
            f"{len(problems)} problem(s) in {len(rows)} {label(kind.name)} row(s); nothing was imported",
            [f"row {n}: {exc.message}" if n else exc.message for n, exc in problems],
            exit_code=3 if conflict_only else 1,
        )

    summary = {
        "kind": kind.name,
        "rows": len(rows),
        "created": len(creates),
        "updated": len(updates),
        "dry_run": dry_run,
        "keys": [c[kind.key] for _n, c in creates] + [c[kind.key] for _n, c in updates],
    }
    if dry_run:
        return summary
    now, actor = ctx.now, ctx.actor
    if creates:
        table_rows = []
        for _n, clean in creates:
            row = _db_row(kind, clean)
            row.update(created_at=now, created_by=actor, updated_at=None, updated_by=None)
            table_rows.append(row)
        ctx.execute(insert(kind.model), table_rows)
        for name, (model, column) in kind.children.items():
            child_rows = [{kind.key: c[kind.key], column: v} for _n, c in creates for v in c.get(name, [])]
            if child_rows:
                ctx.execute(insert(model), child_rows)
    for _n, clean in updates:
        key = clean[kind.key]
        changes = _db_row(kind, {k: v for k, v in clean.items() if k != kind.key})
        changes.update(updated_at=now, updated_by=actor)
        ctx.execute(update(kind.model).where(kind.column(kind.key) == key).values(**changes))
        _write_children(ctx, kind, key, clean, replace=True)
    ctx.flush()
    return summary
