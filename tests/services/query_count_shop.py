"""The shops ``test_query_counts`` counts statements in: one small shop made through the CLI (the
bundle), then copied N times with new keys.

The bundle is what a user would make: a calendar and an SLA for every order, a team with a manager
and a technician, a gold customer with a boiler (a serialized item with a BOM whose pump is a unit by
serial number), an agreement with its generated visits, a completed order with a repair that swapped
the pump, signed off and posted; a subscription invoiced for two months; a return order credited; an
order dispatched for today, a new urgent one in the queue, and an absence.

Copying reads every row of the bundle's tables (set-up tables stay shared: settings, stages, calendars,
SLAs, tasks, code lists, subscription groups) and writes it again with new keys: strings that are a
key of the bundle (or ``kind:key``, such as ``object:OBJ-A``) get the copy's key, integer ids move by a
stride. So copy ``i`` is the same shop again, with its own customer, workers, team, items, objects,
orders, invoices and so on, and the copies are as realistic as what the services wrote.

So that the ``show`` commands have many rows to show too, and a technician more than one visit, some
copies keep an earlier copy's keys for their parents (``owner``): ten copies share their workers and
team (each copy's visit on another working day); copies ``i % 4 == 3`` keep the bundle's customer
(``customer show C-A`` lists their objects, agreements, orders, subscriptions); copies ``i % 4 == 1``
also keep its orders, agreement, invoices, return order and repair line (their lines, stage and SLA
logs, assignments and repair parts add to the bundle's: ``order show``, ``invoice show``, ``return
show``, ``repair show``, ``sla explain`` grow). Everything else gets new keys, so every list grows with N as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, column, func, select, table, update
from sqlmodel import SQLModel

from custsvc import models

#: set-up rows every copy shares
SHARED_TABLES = {
    "alembic_version", "setting", "stage", "reason_code", "number_sequence", "calendar", "calendar_holiday", "sla",
    "sla_target", "sla_assignment", "service_task", "subscription_group", "repair_code", "repair_stage",
    "return_reason", "return_disposition",
}  # fmt: skip
#: tables whose key is a key of the bundle, renamed in each copy
KEYED = {
    "customer": "account", "worker": "worker", "team": "team", "item": "item", "service_object": "object",
    "agreement": "agreement", "service_order": "number", "invoice": "number", "subscription": "subscription",
    "return_order": "number", "bom_template": "template",
}  # fmt: skip
#: integer references that are no foreign key in the schema
LOOSE_IDS = {
    ("stock_move", "order_line_id"): "order_line",
    ("object_bom_change", "order_line_id"): "order_line",
    ("repair_part", "order_line_id"): "order_line",
    ("removed_assignment", "assignment_id"): "assignment",
}
#: line numbers within a document; a copy that keeps the documents numbers its lines on
LINE_NUMBERS = {"order_line", "agreement_line", "invoice_line", "repair_line", "return_line", "assignment"}
LINE_STRIDE = 100
NUMBER = re.compile(r"^([A-Z]+-)(\d+)$")

Command = Callable[..., Any]


def build_bundle(cli: Command) -> None:
    """The bundle, through the CLI; ``cli(now, *args)`` runs one command at ``now`` (the shop's zone)."""
    _setup(cli, "2026-01-05T09:00")
    _master_data(cli, "2026-01-05T09:00")
    cli("2026-01-05T09:00", "agreement", "create", "AG-A", "--customer", "C-A", "--start", "2026-01-01",
        "--technician", "T-A")  # fmt: skip
    cli("2026-01-05T09:00", "agreement", "line", "add", "AG-A", "--type", "hour", "--task", "SERVICE", "--object",
        "OBJ-A", "--every", "3 months", "--start", "2026-03-14")  # fmt: skip
    cli("2026-01-12T09:00", "subscription", "create", "SUB-A", "--customer", "C-A", "--group", "monthly", "--fee",
        "30.00", "--start", "2026-01-01")  # fmt: skip
    cli("2026-02-01T07:00", "subscription", "invoice", "--through", "2026-02-28")  # INV-000001
    cli("2026-02-25T06:00", "agreement", "generate", "--from", "2026-03-01", "--to", "2026-03-31")  # SO-000001
    _repaired_order(cli, "SO-000002")  # INV-000002
    _credited_return(cli, "RMA-000001")  # INV-000003
    cli("2026-03-09T14:00", "order", "create", "--customer", "C-A", "--object", "OBJ-A", "--description", "Check")
    cli(
        "2026-03-09T14:01",
        "order",
        "line",
        "add",
        "SO-000003",
        "--type",
        "hour",
        "--task",
        "SERVICE",
        "--worker",
        "T-A",
    )
    cli("2026-03-09T14:01", "order", "line", "add", "SO-000003", "--type", "item", "--item", "FILTER-A", "--qty", "1")
    cli("2026-03-09T14:02", "dispatch", "assign", "SO-000003", "--technician", "T-A", "--start", "2026-03-10T10:00")
    cli("2026-03-10T07:00", "order", "create", "--customer", "C-A", "--object", "OBJ-A", "--priority", "high",
        "--description", "No heat")  # SO-000004, in the queue  # fmt: skip
    cli("2026-03-10T07:01", "order", "line", "add", "SO-000004", "--type", "hour", "--task", "SERVICE")
    cli("2026-03-10T07:02", "worker", "absence", "add", "T-A", "--from", "2026-03-11T08:00", "--to",
        "2026-03-11T17:00", "--reason", "training")  # fmt: skip


def _setup(cli: Command, at: str) -> None:
    cli(at, "config", "set", "timezone", "Europe/Riga")
    cli(at, "calendar", "add", "office", "--timezone", "Europe/Riga", "--hours", "mon-fri 08:00-12:00,13:00-17:00")
    cli(at, "config", "set", "calendar", "office")
    cli(at, "sla", "add", "std", "--calendar", "office", "--response", "high=1h", "--response", "4h",
        "--resolution", "high=8h", "--resolution", "16h")  # fmt: skip
    cli(at, "sla", "apply", "std", "--default")
    cli(at, "task", "add", "SERVICE", "--description", "Boiler service", "--hours", "1.5", "--skill", "gas",
        "--price", "65.00")  # fmt: skip
    cli(at, "subscription", "group", "add", "monthly", "--period", "month", "--align", "calendar")
    for kind, code, area in [
        ("condition", "INTERMITTENT", None), ("symptom-area", "HEAT", None), ("symptom", "NOHEAT", "HEAT"),
        ("diagnosis-area", "PUMP", None), ("diagnosis", "SEIZED", "PUMP"), ("resolution", "REPLACED", None),
    ]:  # fmt: skip
        cli(at, "repair", "code", "add", kind, code, "--description", code.title(), *(["--area", area] if area else []))


def _master_data(cli: Command, at: str) -> None:
    cli(at, "worker", "add", "M-A", "--name", "Manager A", "--role", "manager")
    cli(at, "dispatch", "team", "add", "TEAM-A", "--owner", "M-A")
    cli(at, "worker", "add", "T-A", "--name", "Technician A", "--role", "technician", "--skill", "gas", "--team",
        "TEAM-A")  # fmt: skip
    cli(at, "customer", "add", "C-A", "--name", "Customer A", "--tier", "gold", "--address", "Street 1")
    cli(at, "item", "add", "BOILER-A", "--name", "Boiler A", "--price", "1500.00", "--serialized", "--warranty", "24m")
    cli(at, "item", "add", "PUMP-A", "--name", "Pump A", "--price", "189.00", "--serialized", "--warranty", "24m")
    cli(at, "item", "add", "FILTER-A", "--name", "Filter A", "--price", "12.50", "--reorder-level", "5")
    cli(at, "stock", "receive", "PUMP-A", "--qty", "2", "--serial", "PA-1", "--serial", "PA-2")
    cli(at, "stock", "receive", "FILTER-A", "--qty", "20")
    cli(at, "object", "add", "OBJ-A", "--customer", "C-A", "--item", "BOILER-A", "--serial", "BA-1", "--group",
        "heating", "--installed", "2025-06-02")  # fmt: skip
    cli(at, "bom", "template", "add", "TPL-A", "--item", "BOILER-A")
    cli(at, "bom", "template", "version", "add", "TPL-A", "v1", "--from", "2025-01-01")
    cli(at, "bom", "template", "component", "add", "TPL-A", "v1", "--position", "PUMP", "--item", "PUMP-A")
    cli(at, "bom", "template", "component", "add", "TPL-A", "v1", "--position", "FILTER", "--item", "FILTER-A",
        "--qty", "2")  # fmt: skip
    cli(at, "bom", "attach", "OBJ-A", "--template", "TPL-A", "--serial", "PUMP=PA-1")


def _repaired_order(cli: Command, order: str) -> None:
    cli("2026-03-02T09:00", "order", "create", "--customer", "C-A", "--object", "OBJ-A", "--description", "Noise")
    cli("2026-03-02T09:05", "order", "line", "add", order, "--type", "hour", "--task", "SERVICE", "--worker", "T-A")
    cli("2026-03-02T09:05", "order", "line", "add", order, "--type", "item", "--item", "FILTER-A", "--qty", "2")
    cli("2026-03-02T09:10", "dispatch", "assign", order, "--technician", "T-A", "--start", "2026-03-03T10:00")
    cli("2026-03-03T10:00", "order", "move", order, "in-progress")
    cli("2026-03-03T10:05", "repair", "add", order, "--object", "OBJ-A", "--condition", "INTERMITTENT",
        "--symptom-area", "HEAT", "--symptom", "NOHEAT", "--technician", "T-A")  # fmt: skip
    cli("2026-03-03T10:30", "repair", "swap", order, "1", "--position", "PUMP", "--new-serial", "PA-2", "--invoice")
    cli("2026-03-03T10:40", "repair", "update", order, "1", "--diagnosis-area", "PUMP", "--diagnosis", "SEIZED",
        "--resolution", "REPLACED", "--stage", "repaired")  # fmt: skip
    cli("2026-03-03T11:30", "order", "move", order, "completed")
    cli("2026-03-03T11:40", "order", "sign-off", order)
    cli("2026-03-04T09:00", "order", "post", order)


def _credited_return(cli: Command, rma: str) -> None:
    cli("2026-03-06T10:00", "return", "create", "--customer", "C-A", "--reason", "defective")
    cli("2026-03-06T10:01", "return", "line", "add", rma, "--item", "FILTER-A", "--qty", "1", "--invoice",
        "INV-000002", "--invoice-line", "2")  # fmt: skip
    cli("2026-03-06T10:02", "return", "open", rma)
    cli("2026-03-09T11:00", "return", "arrive", rma, "--line", "1", "--qty", "1")
    cli("2026-03-09T12:00", "return", "inspect", rma, "--line", "1", "--disposition", "credit")
    cli("2026-03-09T13:00", "return", "process", rma)


# --- copying ---------------------------------------------------------------------------------

#: the kinds of key whose copies stay with an earlier copy's record, and how
STAFF = {"worker", "team"}
DOCUMENTS = {"service_order", "agreement", "invoice", "return_order"}
#: ten copies share their workers and team: the visits of the ten copies are on these working days
VISIT_DAYS = (0, 1, 2, 3, 6, 7, 8, 9, 10, 13)  # from Tuesday 2026-03-10


def owner(kind: str, i: int) -> int:
    """Whose record (the bundle is copy 0) copy ``i`` uses for a key of ``kind``: its own, mostly.
    Every tenth copy has its own workers and team (a technician has a visit a working day, for two
    weeks); copies ``i % 4 in (1, 3)`` keep the bundle's customer, ``i % 4 == 1`` also its orders,
    agreement, invoices and return order (their lines are numbered on)."""
    if kind in STAFF:
        return i - i % len(VISIT_DAYS)
    if kind == "customer" and i % 4 in (1, 3) or kind in DOCUMENTS and i % 4 == 1:
        return 0
    return i


def _raw(name: str, columns: Iterable[str]) -> Any:
    """The table without column types: values are read and written as stored (cents, milli, text times)."""
    return table(name, *(column(c) for c in columns))


class Copier:
    """Writes copies of the bundle's rows (read once) with new keys."""

    def __init__(self, conn: Any):
        getattr(models, "load_all", lambda: None)()  # every table on the metadata (else imported with the package)
        self.conn = conn
        tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in SHARED_TABLES and t.name != "team"]
        # a team's owner is a worker: workers come first (without their team), teams right after them
        at = next(n for n, t in enumerate(tables) if t.name == "worker") + 1
        self.tables = [*tables[:at], SQLModel.metadata.tables["team"], *tables[at:]]
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.seen: dict[str, set[tuple[Any, ...]]] = {}
        for t in self.tables:
            raw = _raw(t.name, [c.name for c in t.columns])
            self.rows[t.name] = [dict(r._mapping) for r in conn.execute(select(raw))]
            self.seen[t.name] = {self._key(t, row) for row in self.rows[t.name]}
        self.keys = {kind: {row[c] for row in self.rows[kind]} for kind, c in KEYED.items()}
        self.keys["serial"] = {row["serial"] for row in self.rows["serial_unit"]} | {
            row["serial"] for row in self.rows["service_object"] if row["serial"]
        }
        self.stride = 1 + max((row["id"] for t in self.tables if "id" in t.c for row in self.rows[t.name]), default=0)
        self.id_targets = {
            (t.name, c.name): fk.column.table.name
            for t in self.tables
            for c in t.columns
            for fk in c.foreign_keys
            if fk.column.name == "id" and fk.column.table.name not in SHARED_TABLES
        } | LOOSE_IDS

    @staticmethod
    def _key(t: Any, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c.name] for c in t.primary_key.columns)

    def names(self, i: int) -> dict[str, str]:
        """The copy's name of every key of the bundle."""
        out = {}
        for kind, keys in self.keys.items():
            if copy := owner(kind, i):
                out.update({key: _renamed(key, copy) for key in keys})
        return out

    def copy(self, copies: range) -> None:
        """Write copies ``copies`` (1, 2 ... ; 0 is the bundle) of every row."""
        teams: list[tuple[str, str | None]] = []
        names = {i: self.names(i) for i in copies}
        for t in self.tables:
            rows = [row for i in copies for row in self._rows_of(t, i, names[i])]
            if t.name == "worker":  # team and worker refer to each other: the team comes in once both exist
                teams = [(row["worker"], row["team"]) for row in rows]
                rows = [{**row, "team": None} for row in rows]
            if rows:
                self.conn.execute(_raw(t.name, rows[0]).insert(), rows)
        worker = table("worker", column("worker"), column("team"))
        upd = update(worker).where(worker.c.worker == bindparam("w")).values(team=bindparam("t"))
        self.conn.execute(upd, [{"w": w, "t": team} for w, team in teams if team])
        seq = table("number_sequence", column("next_value"))
        self.conn.execute(update(seq).values(next_value=seq.c.next_value + copies.stop * LINE_STRIDE))

    def _rows_of(self, t: Any, i: int, names: dict[str, str]) -> list[dict[str, Any]]:
        """The rows of ``t`` in copy ``i``, but for those of records it keeps from an earlier copy."""
        documents_kept = owner("service_order", i) != i
        # a repair line belongs to its order: a copy that keeps the order keeps it (and adds parts to it)
        shift = {name: (0 if documents_kept and self._target(t, name) == "repair_line" else i * self.stride)
                 for name in t.c.keys() if self._target(t, name)}  # noqa: SIM118  # fmt: skip
        later = timedelta(days=VISIT_DAYS[i % len(VISIT_DAYS)]) if t.name == "assignment" else None
        out = []
        for row in self.rows[t.name]:
            new = {}
            for name, value in row.items():
                if isinstance(value, str):
                    value = names.get(value) or _prefixed(value, names)
                if value is not None and name in shift:
                    value += shift[name]
                elif value is not None and name == "line_no" and documents_kept and t.name in LINE_NUMBERS:
                    value += i * LINE_STRIDE
                elif later and name in ("starts_at", "ends_at"):
                    value = _later(value, later)
                new[name] = value
            key = self._key(t, new)
            if key in self.seen[t.name] or (t.name == "absence" and owner("worker", i) != i):
                continue  # a record this copy keeps from an earlier one
            self.seen[t.name].add(key)
            out.append(new)
        return out

    def _target(self, t: Any, name: str) -> str | None:
        """The table an integer id column refers to (its own for ``id``)."""
        return t.name if name == "id" and "id" in t.c else self.id_targets.get((t.name, name))


def _renamed(key: str, i: int) -> str:
    number = NUMBER.match(key)
    if number and len(number.group(2)) == 6:  # SO-000001, INV-000001, RMA-000001: numbered on
        return f"{number.group(1)}{int(number.group(2)) + i * LINE_STRIDE:06d}"
    return f"{key}-{i:04d}"


def _prefixed(value: str, names: dict[str, str]) -> str:
    """``object:OBJ-A``, ``agreement:AG-A``: the kind, then the copy's key."""
    kind, colon, key = value.partition(":")
    return f"{kind}:{names[key]}" if colon and key in names else value


def _later(value: Any, by: timedelta) -> Any:
    if isinstance(value, str):  # SQLite keeps times as text
        return (datetime.fromisoformat(value) + by).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value + by


def copy_bundle(conn: Any, copies: int) -> int:
    """Make the bundle in ``conn``'s database ``copies`` times over (the bundle itself is the first);
    returns the rows of the biggest table."""
    copier = Copier(conn)
    copier.copy(range(1, copies))
    return max(conn.execute(select(func.count()).select_from(table(t.name))).scalar_one() for t in copier.tables)
