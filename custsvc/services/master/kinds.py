"""The kinds of master data (customers, service objects, items, tasks, workers, teams), each described once:
its fields, how each is checked, what a search looks in and which child tables hold its lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlmodel import SQLModel

from custsvc.domain.warranty import months_text
from custsvc.errors import CustSvcError
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
    #: how a stored value is shown in records (JSON / CSV), in the form its check reads back
    display: Callable[[Any], Any] | None = None

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

    @property
    def record_fields(self) -> list[str]:
        """Every field of a record as ``show`` and ``list`` give it (``records._record``): the specs, then audit."""
        return [*self.field_names, *AUDIT_FIELDS]

    def column(self, name: str) -> Any:
        return getattr(self.model, self.spec(name).attribute)

    @cached_property
    def known(self) -> frozenset[str]:
        """The names a row may carry: the fields and the audit fields (an export has them)."""
        return frozenset((*self.field_names, *AUDIT_FIELDS))

    @cached_property
    def table(self) -> Any:
        return self.model.__table__  # type: ignore[attr-defined]

    @cached_property
    def table_columns(self) -> dict[str, str]:
        """Each field kept in the record's own table (not ``many``) -> the key of its table column
        (``price`` -> ``price_cents``), for Core statements on ``table``."""
        mapper = self.model.__mapper__  # type: ignore[attr-defined]
        return {s.name: mapper.columns[s.attribute].key for s in self.specs if not s.many}


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
            Spec("serialized", "bool", default=False),
            Spec("warranty", "warranty", attr="warranty_months", display=months_text),
            Spec("reorder_level", "qty"),
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
            Spec("installed", "date", attr="installed_on"),
            Spec("warranty_until", "date"),
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


def db_row(kind: Kind, clean: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values keyed by model attribute (for ORM-enabled bulk inserts and updates)."""
    return {spec.attribute: clean[spec.name] for spec in kind.specs if not spec.many and spec.name in clean}
