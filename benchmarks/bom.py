"""Object BOMs: 10,000 objects with 40-component BOMs and 20 changes each (200,000 history lines).

    python benchmarks/bom.py [--objects 10000] [--components 40] [--changes 20] [--repeat 5]
    python benchmarks/bom.py --small        # 500 objects: a quick check
    python benchmarks/bom.py --keep DIR     # build in DIR and keep the databases (to profile)

Builds the shop through the services (`db init`, master data imported, a template of 40 components,
4 of them serialized, parts received onto the shelf), then times attaching every object's BOM in one
`attach_many`: once without serial numbers (on a copy), once with the serial numbers of the
installed units (each a new serial unit with its ledger row), against a raw `sqlite3` executemany of
the same component rows into a scratch copy of the table (same columns, indexes and foreign keys).

The history is written with raw SQL, exactly the rows `bom replace` and `bom set-qty` write: history
lines, component rows closed and opened, stock movements, serial units (new ones received first, or
units back on the shelf from another object). That writer is first checked row for row against the
services on a small database; on the big one the last changes of one object are made through the
command line and its `bom show`, `history` and `where` must have the shape of a raw-built object's.

Then times `custsvc bom show OBJ --at TIME` and `custsvc bom where SERIAL` (median of --repeat
runs, interleaved) against the start-up (`custsvc --version`, and `custsvc item show` on the same
database), the same commands run in this process once the modules are loaded, and one raw indexed
lookup of the same rows. Every time is shown as wall time and as CPU time (user + system): on a busy
machine a process waits for a CPU, so its wall time grows, its CPU time much less. With
PYTHONDONTWRITEBYTECODE set, the commands' bytecode is cached in the temporary folder instead, as it
is when installed. Targets: attaching at least 50,000 component rows/s; `bom show --at` and
`bom where` each under 0.2 s over the start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc, median_seconds, run_quiet  # noqa: E402

try:
    import resource
except ImportError:  # pragma: no cover - Windows: wall time only
    resource = None  # type: ignore[assignment]

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # every BOM is attached then
ACTOR = "bench"
BOILER = "BOILER-40"
TEMPLATE = "BX-40"
#: the serialized positions: (position, item, serial prefix)
UNITS = [
    ("burner", "BURNER-X", "BRN"),
    ("pump", "PUMP-25", "PMP"),
    ("fan", "FAN-40", "FAN"),
    ("controller", "CTRL-9", "CTL"),
]
REASONS = [None, None, "worn", "leaking", "noise", "service interval"]
#: changes of the command-line object made through the command line (after the raw-built ones)
CLI_CHANGES = 3
#: the tables a BOM change writes, with their order
TABLES = {
    "object_bom": "object",
    "object_bom_change": "id",
    "object_bom_component": "id",
    "stock_move": "id",
    "serial_unit": "id",
}


@dataclass(frozen=True)
class Part:
    position: str
    item: str
    milli: int
    prefix: str | None = None  # serialized: the serial numbers' prefix


@dataclass(frozen=True, slots=True)
class Event:
    """One planned change; what it needs from the state (serial numbers, quantities) is decided when
    the changes are replayed in time order."""

    at: datetime
    n: int
    kind: str  # unit (replace a serialized unit) | part (replace a part) | set-qty
    position: str
    faulty: bool
    reason: str | None
    reuse: bool  # a unit: take one back on the shelf from another object, if any
    obj: str
    when: str  # ``at`` as stored
    day: str  # its date in the shop's zone (UTC)


def obj_key(n: int) -> str:
    return f"O-{n:05d}"


def stamp(moment: datetime) -> str:
    """A time as the database stores it (UTC, no offset)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def clocks() -> tuple[float, float]:
    """(wall, CPU) now: the CPU time (user + system) of this process and of its finished children.
    On a busy machine a process waits for a CPU, and its wall time grows; its CPU time much less."""
    cpu = time.process_time()
    if resource is not None:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter(), cpu


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def median_clocks(fn: Any, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = clocks()
        fn()
        runs.append(since(start))
    return statistics.median(w for w, _c in runs), statistics.median(c for _w, c in runs)


def parts_of(components: int) -> list[Part]:
    units = [Part(pos, item, 1000, prefix) for pos, item, prefix in UNITS[: min(len(UNITS), components - 1)]]
    plain = [
        Part(f"part-{k}", f"PART-{k:03d}", 2000 if k % 7 == 0 else 500 if k % 11 == 0 else 1000)
        for k in range(1, components - len(units) + 1)
    ]
    return units + plain


def first_serial(part: Part, n: int) -> str:
    return f"{part.prefix}-{n:05d}"


def setup(path: Path, objects: int, parts: list[Part], *, db_init: bool = True) -> None:
    """The shop through the services: master data, the template, parts on the shelf. ``db_init``:
    the database made by ``custsvc db init``, else by the first unit of work."""
    if db_init:
        run_quiet(custsvc("--db", str(path), "db", "init"))
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.services import master
    from custsvc.services.bom import templates
    from custsvc.services.bom.template_components import add_component
    from custsvc.services.stock import moves

    state.reset(db=str(path), now=T0.isoformat(), actor=ACTOR)
    with open_context(create=not db_init) as s:
        master.import_rows(s, "worker", [{"worker": ACTOR, "name": "Bench Technician", "roles": "technician"}])
        master.import_rows(
            s, "customer", [{"account": f"C-{n:05d}", "name": f"Customer {n}"} for n in range((objects + 3) // 4)]
        )
        master.import_rows(
            s,
            "item",
            [{"item": BOILER, "name": "Boiler 40 kW", "price": "2400"}]
            + [
                {"item": p.item, "name": f"{p.position} part", "price": "25", "serialized": "yes" if p.prefix else "no"}
                for p in parts
            ],
        )
        master.import_rows(
            s, "object", [{"object": obj_key(n), "customer": f"C-{n // 4:05d}", "item": BOILER} for n in range(objects)]
        )
        templates.add_template(s, TEMPLATE, item=BOILER, description="Boiler 40 kW")
        templates.add_version(s, TEMPLATE, "v1", valid_from=date(2024, 1, 1))
        for p in parts:
            add_component(s, TEMPLATE, "v1", position=p.position, item=p.item, qty=format(Decimal(p.milli) / 1000, "f"))
        for p in parts:
            if not p.prefix:
                moves.receive(s, p.item, str(objects * 2), note="opening stock")
    db.dispose_engines()


def component_rows(objects: int, parts: list[Part]) -> list[tuple[Any, ...]]:
    """The rows attaching writes, as stored (for the raw baseline)."""
    return [
        (obj_key(n), p.position, p.item, p.milli, first_serial(p, n) if p.prefix else None, 1, None)
        for n in range(objects)
        for p in parts
    ]


def attach(path: Path, objects: int, parts: list[Part], *, serials: bool = True) -> tuple[tuple[float, float], int]:
    """Every object's BOM in one ``attach_many``, committed: ((wall, CPU) seconds, component rows).
    ``serials``: with the serial numbers of the installed units (each a new serial unit, found
    installed, with its ledger row)."""
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.services.bom import objects_attach

    requests = [
        (obj_key(n), TEMPLATE, None, {p.position: first_serial(p, n) for p in parts if p.prefix and serials})
        for n in range(objects)
    ]
    state.reset(db=str(path), now=T0.isoformat(), actor=ACTOR)
    start = clocks()
    with open_context() as s:
        summary = objects_attach.attach_many(s, requests)
    took = since(start)
    db.dispose_engines()
    return took, summary["components"]


def raw_attach(path: Path, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """The same rows with plain sqlite3 executemany into a scratch copy of the component table (its
    columns, indexes and foreign keys; custsvc's connection settings): (wall, CPU) seconds."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    ddl = [
        re.sub(r"\bobject_bom_component\b", "bench_scratch", sql).replace(
            "ix_object_bom_component_", "ix_bench_scratch_"
        )
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'object_bom_component' AND sql IS NOT NULL ORDER BY type DESC"
        )
    ]
    for sql in ddl:
        conn.execute(sql)
    start = clocks()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO bench_scratch (object, position, item, quantity_milli, serial, from_version, to_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    took = since(start)
    conn.execute("DROP TABLE bench_scratch")
    conn.close()
    return took


def plan(objects: int, changes: int, parts: list[Part], short: int | None, seed: int = 7) -> list[Event]:
    """``changes`` per object (``short``: that object gets CLI_CHANGES fewer), about one a month, in
    time order: a part replaced (55 %), a quantity changed (25 %), a serialized unit replaced (20 %)."""
    rng = random.Random(seed)
    units = [p.position for p in parts if p.prefix]
    plain = [p.position for p in parts if not p.prefix]
    events = []
    for n in range(objects):
        obj = obj_key(n)
        for k in range(1, changes - (CLI_CHANGES if n == short else 0) + 1):
            at = T0 + timedelta(days=25 * k + rng.randint(0, 20), minutes=rng.randint(0, 600))
            roll = rng.random()
            kind = "unit" if roll < 0.2 else "set-qty" if roll < 0.45 else "part"
            position = rng.choice(units if kind == "unit" else plain)
            faulty, reason, reuse = rng.random() < 0.3, rng.choice(REASONS), rng.random() < 0.5
            events.append(Event(at, n, kind, position, faulty, reason, reuse, obj, stamp(at), at.date().isoformat()))
    events.sort(key=lambda e: (e.at, e.n))
    return events


class RawHistory:
    """Replays planned changes as the services would make them, keeping what they read (the current
    rows, versions, units and what each object holds by the ledger), and collects the rows they write.
    ``commands``: the same changes as service calls, for the check against the services."""

    def __init__(self, conn: sqlite3.Connection, parts: list[Part]) -> None:
        from custsvc.domain.money import from_milli
        from custsvc.services.bom.objects import describe
        from custsvc.services.bom.units import note

        self.from_milli, self.describe, self.note = from_milli, describe, note
        self.prefixes = {p.item: p.prefix or "X" for p in parts}
        self.current = {
            (obj, pos): [rid, item, milli, serial]
            for rid, obj, pos, item, milli, serial in conn.execute(
                "SELECT id, object, position, item, quantity_milli, serial FROM object_bom_component WHERE to_version IS NULL"
            )
        }
        self.first_new = (conn.execute("SELECT max(id) FROM object_bom_component").fetchone()[0] or 0) + 1
        self.next_id = self.first_new
        self.version = dict(conn.execute("SELECT object, version FROM object_bom"))
        #: (item, serial): [location, in service on, changed]
        self.units = {
            (item, serial): [location, on, False]
            for item, serial, location, on in conn.execute(
                "SELECT item, serial, location, in_service_on FROM serial_unit"
            )
        }
        #: (object, item): what the ledger holds in the object, of items without serial numbers
        self.held: dict[tuple[str, str], int] = defaultdict(int)
        for item, place, milli, sign in conn.execute(
            "SELECT s.item, s.to_location, sum(s.quantity_milli), 1 FROM stock_move s JOIN item i ON i.item = s.item "
            "WHERE NOT i.serialized AND s.to_location LIKE 'object:%' GROUP BY 1, 2 UNION ALL "
            "SELECT s.item, s.from_location, sum(s.quantity_milli), -1 FROM stock_move s JOIN item i ON i.item = s.item "
            "WHERE NOT i.serialized AND s.from_location LIKE 'object:%' GROUP BY 1, 2"
        ):
            self.held[(place[len("object:") :], item)] += sign * milli
        self.pool: dict[str, deque[str]] = defaultdict(deque)  # units back on the shelf, by item
        self.ended: list[tuple[int, int]] = []
        self.new_rows: dict[int, list[Any]] = {}
        self.changes: list[tuple[Any, ...]] = []
        self.moves: list[tuple[Any, ...]] = []
        self.received: list[tuple[str, str, str]] = []
        self.touched: dict[str, str] = {}
        self.places = Counter(row[3] for row in self.current.values() if row[3])
        self.commands: list[tuple[Any, ...]] = []
        self.fresh = 0

    def busiest_unit(self, but: str) -> str:
        """The serial of a unit installed in an object (not ``but``) that was in the most BOM places."""
        installed = {s: loc for (_i, s), (loc, _on, _t) in self.units.items() if loc.startswith("object:")}
        return max((s for s in installed if installed[s] != f"object:{but}"), key=lambda s: (self.places[s], s))

    # --- what the services write -----------------------------------------------------------------

    def move(self, item: str, serial: str | None, milli: int, source: str, target: str, e: Event, text: str) -> None:
        """``ledger.move`` of a BOM change."""
        self.moves.append((item, serial, milli, source, target, e.when, ACTOR, "bom", e.obj, None, text))
        if serial is None:
            held = self.held
            if source.startswith("object:"):
                held[(e.obj, item)] -= milli
            if target.startswith("object:"):
                held[(e.obj, item)] += milli

    def out_of(self, item: str, milli: int, target: str, e: Event, text: str) -> None:
        """``units.out_of`` of a part without a serial: what the ledger holds in the object, the rest
        came with it (from ``customer``)."""
        from_object = min(milli, max(self.held[(e.obj, item)], 0))
        if from_object > 0:
            self.move(item, None, from_object, f"object:{e.obj}", target, e, text)
        if milli > from_object:
            self.move(item, None, milli - from_object, "customer", target, e, text)

    def new_row(self, e: Event, item: str, milli: int, serial: str | None, version: int) -> None:
        rid, self.next_id = self.next_id, self.next_id + 1
        self.new_rows[rid] = [rid, e.obj, e.position, item, milli, serial, version, None]
        self.current[(e.obj, e.position)] = [rid, item, milli, serial]
        if serial:
            self.places[serial] += 1

    def unit_to(self, item: str, serial: str, location: str, day: str | None = None) -> None:
        unit = self.units[(item, serial)]
        unit[0], unit[2] = location, True
        if day and unit[1] is None:
            unit[1] = day

    def receive(self, item: str, e: Event) -> str:
        """``stock receive ITEM --qty 1 --serial S``: a new unit onto the shelf."""
        self.fresh += 1
        serial = f"{self.prefixes[item]}-R{self.fresh:06d}"
        self.units[(item, serial)] = ["stock", None, True]
        self.received.append((item, serial, e.when))
        self.moves.append((item, serial, 1000, "vendor", "stock", e.when, ACTOR, "receive", None, None, None))
        self.commands.append(("receive", e.at, item, serial))
        return serial

    def apply(self, e: Event) -> None:
        """One change as ``objects_change.replace`` / ``set_qty`` makes it."""
        note, describe = self.note, self.describe
        version, here = self.version[e.obj] + 1, f"object:{e.obj}"
        row = self.current[(e.obj, e.position)]
        rid, item, milli, serial = row
        qty = self.from_milli(milli)
        target = "quarantine" if e.faulty else "stock"
        why = (f"faulty: {e.reason}" if e.reason else "faulty") if e.faulty else e.reason
        if rid < self.first_new:  # the row leaves the BOM with this version
            self.ended.append((version, rid))
        else:
            self.new_rows[rid][7] = version
        if e.kind == "unit":
            new = self.pool[item].popleft() if e.reuse and self.pool[item] else self.receive(item, e)
            self.move(item, serial, 1000, here, target, e, note(e.position, version, faulty=e.faulty, reason=e.reason))
            self.unit_to(item, serial, target)
            if not e.faulty:
                self.pool[item].append(serial)
            self.move(item, new, 1000, "stock", here, e, note(e.position, version))
            self.unit_to(item, new, here, e.day)
            self.new_row(e, item, 1000, new, version)
            change = ("replace", describe(item, qty, serial), describe(item, qty, new), why)
            self.commands.append(("replace", e.at, e.obj, e.position, new, e.faulty, e.reason))
        elif e.kind == "part":
            self.out_of(item, milli, target, e, note(e.position, version, faulty=e.faulty, reason=e.reason))
            self.move(item, None, milli, "stock", here, e, note(e.position, version))
            self.new_row(e, item, milli, None, version)
            text = describe(item, qty, None)
            change = ("replace", text, text, why)
            self.commands.append(("replace", e.at, e.obj, e.position, None, e.faulty, e.reason))
        else:
            new_milli = milli + 1000 if milli <= 1000 else milli - 1000
            text = note(e.position, version, reason=e.reason)
            if new_milli > milli:
                self.move(item, None, new_milli - milli, "stock", here, e, text)
            else:
                self.out_of(item, milli - new_milli, "stock", e, text)
            self.new_row(e, item, new_milli, None, version)
            change = ("set-qty", format(qty, "f"), format(self.from_milli(new_milli), "f"), e.reason)
            self.commands.append(("set-qty", e.at, e.obj, e.position, change[2], e.reason))
        kind, old, new_text, reason = change
        self.changes.append((e.obj, version, kind, e.position, old, new_text, reason, None, None, e.when, ACTOR))
        self.version[e.obj], self.touched[e.obj] = version, e.when

    def write(self, conn: sqlite3.Connection) -> None:
        """Every row, in one transaction. The plain indexes of the two big tables are dropped first and
        made again at the end (the same definitions: the same index, built once instead of row by row)."""
        received = {(item, serial) for item, serial, _when in self.received}
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('object_bom_component', 'stock_move')"
        ).fetchall()
        with conn:
            for name, _sql in indexes:
                conn.execute(f"DROP INDEX {name}")
            conn.executemany("UPDATE object_bom_component SET to_version = ? WHERE id = ?", self.ended)
            conn.executemany(
                "INSERT INTO object_bom_component (id, object, position, item, quantity_milli, serial, from_version, to_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self.new_rows.values(),
            )
            conn.executemany(
                "INSERT INTO object_bom_change (object, version, change, position, old, new, reason, order_number, order_line_id, at, actor) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.changes,
            )
            conn.executemany(
                "INSERT INTO serial_unit (item, serial, location, in_service_on, warranty_end, created_at, created_by) "
                "VALUES (?, ?, ?, ?, NULL, ?, ?)",
                [(i, s, *self.units[(i, s)][:2], when, ACTOR) for i, s, when in self.received],
            )
            conn.executemany(
                "UPDATE serial_unit SET location = ?, in_service_on = ? WHERE item = ? AND serial = ?",
                [(u[0], u[1], *key) for key, u in self.units.items() if u[2] and key not in received],
            )
            conn.executemany(
                "INSERT INTO stock_move (item, serial, quantity_milli, from_location, to_location, at, actor, doc_type, doc, order_line_id, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.moves,
            )
            conn.executemany(
                "UPDATE object_bom SET version = ?, updated_at = ?, updated_by = ? WHERE object = ?",
                [(self.version[obj], when, ACTOR, obj) for obj, when in self.touched.items()],
            )
            for _name, sql in indexes:
                conn.execute(sql)


def raw_history(path: Path, events: list[Event], parts: list[Part]) -> RawHistory:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB: the build only
    history = RawHistory(conn, parts)
    for event in events:
        history.apply(event)
    history.write(conn)
    conn.close()
    return history


def service_history(path: Path, commands: list[tuple[Any, ...]]) -> None:
    """The same changes through the services, each in a unit of work of its own (as a command)."""
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.services.bom import objects_change
    from custsvc.services.stock import moves

    for kind, at, *rest in commands:
        state.reset(db=str(path), now=at.isoformat(), actor=ACTOR)
        with open_context() as s:
            if kind == "receive":
                moves.receive(s, rest[0], "1", [rest[1]])
            elif kind == "replace":
                obj, position, serial, faulty, reason = rest
                objects_change.replace(s, obj, position, new_serial=serial, faulty=faulty, reason=reason)
            else:
                obj, position, qty, reason = rest
                objects_change.set_qty(s, obj, position, qty, reason=reason)
    db.dispose_engines()


def copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {key}").fetchall() for t, key in TABLES.items()}


def check_writer(folder: Path, components: int, changes: int) -> str:
    """The raw writer against the services on a small shop: the same rows in every table."""
    objects, parts = 4, parts_of(components)
    events = plan(objects, changes, parts, None, seed=11)
    raw, real = folder / "check-raw.db", folder / "check-services.db"
    setup(raw, objects, parts, db_init=False)
    attach(raw, objects, parts)
    copy_db(raw, real)
    history = raw_history(raw, events, parts)
    service_history(real, history.commands)
    got, want = dump(raw), dump(real)
    for table in TABLES:
        for n, (a, b) in enumerate(zip(got[table], want[table], strict=False)):
            assert a == b, (
                f"raw-built {table} row {n + 1} differs from the services':\n  raw:      {a}\n  services: {b}"
            )
        assert len(got[table]) == len(want[table]), (
            f"{table}: {len(got[table])} raw rows, {len(want[table])} by the services"
        )
    kinds = Counter(c[0] if c[0] != "replace" else ("unit" if c[4] else "part") for c in history.commands)
    reused = sum(1 for c in history.commands if c[0] == "replace" and c[4]) - kinds["receive"]
    return (
        f"{len(events)} changes on {objects} objects ({kinds['part']} part replaced, {kinds['unit']} units replaced, "
        f"{reused} of them from another object, {kinds['set-qty']} quantities set): "
        f"{sum(len(rows) for rows in want.values())} rows in {len(TABLES)} tables, identical"
    )


def cli(env: dict[str, str], *args: str) -> Any:
    """A command in a process of its own; its JSON."""
    out = subprocess.run(custsvc(*args, "--format", "json"), env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def invoke(env: dict[str, str], *args: str) -> Any:
    """A command in this process (as the tests run it), its JSON: the command's own work, nothing of
    the start-up once the modules are loaded."""
    from typer.testing import CliRunner

    from custsvc.cli import app

    result = CliRunner().invoke(app, [*args, "--format", "json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"custsvc {' '.join(args)}: {result.output}"
    return json.loads(result.stdout)


def cli_changes(env: dict[str, str], obj: str, parts: list[Part], after: datetime) -> str:
    """The last CLI_CHANGES changes of ``obj`` through the command line: a unit replaced (faulty, by a
    new one received first), a part replaced, a quantity changed."""
    unit = next(p for p in parts if p.prefix)
    plain = [p for p in parts if not p.prefix]
    shown = invoke(env, "bom", "show", obj)
    qty = next(Decimal(str(c["qty"])) for c in shown["components"] if c["position"] == plain[-1].position)
    serial = f"{unit.prefix}-CLI-1"
    steps = [
        ["stock", "receive", unit.item, "--qty", "1", "--serial", serial],
        ["bom", "replace", obj, unit.position, "--new-serial", serial, "--faulty", "--reason", "flame lost"],
        ["bom", "replace", obj, plain[0].position, "--reason", "worn"],
        ["bom", "set-qty", obj, plain[-1].position, format(qty + 1, "f")],
    ]
    for minutes, step in enumerate(steps):
        cli(env, "--now", (after + timedelta(minutes=minutes)).isoformat(), "--as", ACTOR, *step)
    return ", ".join(" ".join(step[:2]) for step in steps)


def shape(record: dict[str, Any], rows: str) -> tuple[Any, ...]:
    """What must agree between a raw-built and a service-built record: its fields, and its rows' fields."""
    return tuple(sorted(record)), sorted({tuple(sorted(r)) for r in record[rows]})


def check_shapes(
    env: dict[str, str], cli_obj: str, ref_obj: str, version: int, cli_serial: str, ref_serial: str
) -> None:
    """``bom show --version``, ``history`` and ``where`` of the object the command line changed last
    against a raw-built one's."""
    a = invoke(env, "bom", "show", cli_obj, "--version", str(version))
    b = invoke(env, "bom", "show", ref_obj, "--version", str(version))
    assert shape(a, "components") == shape(b, "components"), (a, b)
    assert (a["version"], a["newest_version"]) == (b["version"], b["newest_version"]) == (version, version), (a, b)
    assert [c["position"] for c in a["components"]] == [c["position"] for c in b["components"]]
    ha, hb = invoke(env, "bom", "history", cli_obj), invoke(env, "bom", "history", ref_obj)
    assert len(ha) == len(hb) == version and {tuple(sorted(r)) for r in ha} == {tuple(sorted(r)) for r in hb}
    wa, wb = invoke(env, "bom", "where", cli_serial), invoke(env, "bom", "where", ref_serial)
    assert shape(wa, "places") == shape(wb, "places") and wa["object"] == cli_obj, (wa, wb)


def raw_lookups(path: Path, obj: str, version: int, serial: str) -> list[tuple[float, int, str]]:
    """One indexed lookup of the rows each command shows, median of 201: (seconds, rows, query plan)."""
    conn = sqlite3.connect(path)
    out = []
    for sql, params in (
        (
            "SELECT id, position, item, quantity_milli, serial, from_version FROM object_bom_component "
            "WHERE object = ? AND from_version <= ? AND (to_version IS NULL OR to_version > ?)",
            (obj, version, version),
        ),
        (
            "SELECT id, object, position, item, from_version, to_version FROM object_bom_component WHERE serial = ?",
            (serial,),
        ),
    ):
        rows = len(conn.execute(sql, params).fetchall())
        plan_text = "; ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "USING INDEX" in plan_text, plan_text
        seconds = median_seconds(lambda sql=sql, params=params: conn.execute(sql, params).fetchall(), 201)
        out.append((seconds, rows, plan_text))
    conn.close()
    return out


def timed_runs(env: dict[str, str], commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Each command in a process of its own, ``repeat`` rounds of all of them (so that a busy moment of
    the machine falls on every command alike): the median (wall, CPU) seconds per command."""
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for argv in commands.values():  # once before: the operating system's file cache
        run_quiet(custsvc(*argv), env)
    for _ in range(repeat):
        for name, argv in commands.items():
            start = clocks()
            run_quiet(custsvc(*argv), env)
            runs[name].append(since(start))
    return {
        name: (statistics.median(w for w, _c in values), statistics.median(c for _w, c in values))
        for name, values in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000, help="number of service objects with a BOM")
    parser.add_argument("--components", type=int, default=40, help="components per BOM (4 of them serialized)")
    parser.add_argument("--changes", type=int, default=20, help="changes per object after the attach")
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (the median is shown)")
    parser.add_argument("--small", action="store_true", help="500 objects: a quick check")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the databases (to profile)")
    args = parser.parse_args()
    if args.small:
        args.objects = min(args.objects, 500)
    if args.components < 2 or args.changes < CLI_CHANGES or args.objects < 3:
        parser.error(f"at least 3 objects, 2 components and {CLI_CHANGES} changes")
    started = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args)
    else:
        with tempfile.TemporaryDirectory() as name:
            run(Path(name), args)
    print(f"wall time of the benchmark: {time.perf_counter() - started:.0f} s")


def run(folder: Path, args: argparse.Namespace) -> None:
    """The benchmark in ``folder``."""
    parts = parts_of(args.components)
    for old in folder.glob("*.db*"):
        old.unlink()
    began = time.perf_counter()
    checked = check_writer(folder, args.components, args.changes)
    print(f"raw history writer checked against the services ({time.perf_counter() - began:.1f} s): {checked}")
    path = folder / "bom.db"
    began = time.perf_counter()
    setup(path, args.objects, parts)
    print(
        f"set-up: {args.objects} objects, a template of {len(parts)} components "
        f"({sum(1 for p in parts if p.prefix)} serialized) in {time.perf_counter() - began:.1f} s"
    )
    attaching(folder, path, args.objects, parts)

    cli_n = args.objects - 1
    began = time.perf_counter()
    events = plan(args.objects, args.changes, parts, cli_n)
    history = raw_history(path, events, parts)
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    print(
        f"history: {len(events)} changes written with raw SQL in {time.perf_counter() - began:.1f} s "
        f"({counts['object_bom_change']} history lines, {counts['object_bom_component']} component rows, "
        f"{counts['stock_move']} stock moves, {counts['serial_unit']} serial units)"
    )

    after = max(e.at for e in events) + timedelta(days=1)
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": (after + timedelta(days=1)).isoformat()}
    for name in ("CUSTSVC_DEBUG", "CUSTSVC_USER", "CUSTSVC_FORMAT"):
        env.pop(name, None)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):  # compiled once, outside the source tree, as when installed
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    began = time.perf_counter()
    made = cli_changes(env, obj_key(cli_n), parts, after)
    ref_serial = history.busiest_unit(obj_key(cli_n))
    cli_serial = next(f"{p.prefix}-CLI-1" for p in parts if p.prefix)
    check_shapes(env, obj_key(cli_n), obj_key(0), args.changes + 1, cli_serial, ref_serial)
    print(
        f"command line: {made} on {obj_key(cli_n)} (its last {CLI_CHANGES} changes) in "
        f"{time.perf_counter() - began:.1f} s; its bom show --version, history and where have the shape of a "
        "raw-built object's"
    )
    reading(env, path, args, events, history, ref_serial)


def attaching(folder: Path, path: Path, objects: int, parts: list[Part]) -> None:
    """``attach_many`` without serial numbers (on a copy), then with them, and the raw insert."""
    scratch = folder / "attach-without-serials.db"
    copy_db(path, scratch)
    plain, rows = attach(scratch, objects, parts, serials=False)
    scratch.unlink()
    named, rows = attach(path, objects, parts)
    raw = raw_attach(path, component_rows(objects, parts))
    units = sum(1 for p in parts if p.prefix) * objects
    for label, (wall, cpu) in (
        ("attach_many, no serial numbers", plain),
        (f"attach_many, {units} serial units named", named),
    ):
        print(
            f"{label + ':':<50} {wall:6.2f} s = {rows / wall:7,.0f} rows/s   (CPU {cpu:6.2f} s = {rows / cpu:7,.0f} rows/s)"
            f"   {wall / raw[0]:.1f}x the raw insert (CPU {cpu / raw[1]:.1f}x)"
        )
    print(
        f"{'raw sqlite3 executemany, the same component rows:':<50} {raw[0]:6.2f} s = {rows / raw[0]:7,.0f} rows/s   "
        f"(CPU {raw[1]:6.2f} s = {rows / raw[1]:7,.0f} rows/s)"
    )
    print(
        f"target: attaching {objects} BOMs of {len(parts)} components at least 50,000 rows/s: "
        f"no serials {verdict(rows / plain[0] >= 50_000)} (by CPU time {verdict(rows / plain[1] >= 50_000)}), "
        f"serials named {verdict(rows / named[0] >= 50_000)} (by CPU time {verdict(rows / named[1] >= 50_000)})"
    )


def reading(
    env: dict[str, str], path: Path, args: argparse.Namespace, events: list[Event], history: RawHistory, serial: str
) -> None:
    """``bom show --at`` of the middle object halfway between two changes in the middle of its history,
    and ``bom where`` of the installed unit that was in the most places: checked, then timed."""
    mine = sorted(e.at for e in events if e.n == args.objects // 2)
    k, obj = len(mine) // 2, obj_key(args.objects // 2)
    at = (mine[k - 1] + (mine[k] - mine[k - 1]) / 2).isoformat()
    show_args, where_args = ["bom", "show", obj, "--at", at], ["bom", "where", serial]
    shown, where = invoke(env, *show_args), invoke(env, *where_args)
    assert (shown["version"], len(shown["components"])) == (k + 1, args.components), shown
    assert len(where["places"]) == history.places[serial] and where["object"], where
    lookups = raw_lookups(path, obj, k + 1, serial)
    assert [rows for _s, rows, _p in lookups] == [len(shown["components"]), len(where["places"])]
    warm = {
        name: median_clocks(lambda argv=argv: invoke(env, *argv), 2 * args.repeat + 1)
        for name, argv in (("show", show_args), ("where", where_args))
    }
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    commands = {"startup": ["item", "show", BOILER], "show": show_args, "where": where_args}
    commands = {"version": ["--version"], **{name: [*argv, "--format", "json"] for name, argv in commands.items()}}
    timed = timed_runs(env, commands, args.repeat)
    busy = f"; load average up to {max(load, os.getloadavg()[0]):.1f} on {os.cpu_count()} CPUs" if load else ""
    print(
        f"median of {args.repeat} runs each, interleaved, each in a process of its own (Python {sys.version.split()[0]}{busy}):"
    )
    print("                                        wall        CPU")
    print(f"  custsvc --version                 {ms(timed['version'])}   start-up: the command line")
    print(f"  custsvc item show {BOILER:<15} {ms(timed['startup'])}   start-up: models, database, one lookup")
    met = {"wall": True, "CPU": True, "warm": True}
    for name, label, (raw, rows, plan_text) in (
        ("show", f"bom show {obj} --at", lookups[0]),
        ("where", f"bom where {serial}", lookups[1]),
    ):
        over = [timed[name][i] - timed["startup"][i] for i in (0, 1)]
        met["wall"] &= over[0] < 0.2
        met["CPU"] &= over[1] < 0.2
        met["warm"] &= warm[name][0] < 0.2
        print(
            f"  custsvc {label:<25} {ms(timed[name])}   over item show: wall {over[0] * 1000:6.1f} ms, "
            f"CPU {over[1] * 1000:6.1f} ms; over --version: wall {(timed[name][0] - timed['version'][0]) * 1000:6.1f} ms"
        )
        print(
            f"    the same command in this process, modules loaded: {ms(warm[name])}   "
            f"raw indexed lookup of its {rows} rows: {raw * 1e6:5.1f} us   [{plan_text}]"
        )
        print(
            f"    ratio to the raw lookup: (wall - item show) {ratio(over[0], raw)}, (CPU - item show) "
            f"{ratio(over[1], raw)}, in this process {ratio(warm[name][0], raw)}"
        )
    print(
        f"target: bom show --at (version {k + 1} of {args.changes + 1}) and bom where ({len(where['places'])} places) "
        f"each under 200 ms over the start-up: by wall time {verdict(met['wall'])}, by CPU time {verdict(met['CPU'])}, "
        f"in this process {verdict(met['warm'])}"
    )


def ratio(seconds: float, baseline: float) -> str:
    return f"{seconds / baseline:,.0f}x" if seconds > 0 else "- (not above the start-up)"


def ms(clock: tuple[float, float]) -> str:
    return f"{clock[0] * 1000:7.1f} ms {clock[1] * 1000:7.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
