"""Repair report over 200,000 repair lines, by BOM version.

    python benchmarks/repairs.py [--lines 200000] [--objects N] [--repeat 3]
    python benchmarks/repairs.py --lines 20000     # a quick check
    python benchmarks/repairs.py --keep DIR        # build in DIR and keep the database (to profile)

Builds the shop through the command line (`db init`, the shop's zone, technicians, items, a repair
task, customers and objects imported with their install dates and warranties, three BOM templates
with seven versions imported, objects' BOMs imported, the repair codes added one by one with
`repair code add`, and one repair made end to end: order, lines, visit, repair line, link, finish),
then fills two years of repairs with raw SQL in the shape those commands write: service orders with
their objects, visits (assignments), hour and part lines linked to the repair, repair lines with
codes, stage, finish time, warranty (from the object's install date or its own end, as `repair add`
decides it) and the BOM template version of the object. Some versions fail more often, heating
faults peak in winter, a share of the fixes does not hold (a repeat in the same symptom area within
days of the finish), a few repairs are still open, a few follow-ups fall just after the period.

Then times `custsvc repair report --by bom-version` over the two years (a process of its own, the
median of --repeat runs after one not timed, wall and CPU time, next to `custsvc repair stage list`
on the same database as the start-up) and a single SQL aggregate over the same rows in raw
`sqlite3`, checks that the report's repairs, finished, warranty repairs and objects per group equal
the aggregate's (and its total the repairs made, its warranty cost the lines'), and prints both
times and the ratio. With PYTHONDONTWRITEBYTECODE set, the commands' bytecode is cached in the
temporary folder instead, as it is when installed. Target: the report under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc, median_seconds  # noqa: E402

try:
    import resource
except ImportError:  # pragma: no cover - Windows: wall time only
    resource = None  # type: ignore[assignment]

ZONE = "Europe/Riga"
TZ = ZoneInfo(ZONE)
ACTOR = "bench"
FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)  # the report's period (local days)
HISTORY_FROM = date(2024, 10, 1)  # repairs before the period: history the report does not read
AS_OF = datetime(2027, 1, 6, 8, 0, tzinfo=TZ)  # the database's "now": later work is still open
SETUP_AT = datetime(2024, 12, 1, 8, 0, tzinfo=TZ)
WINDOW = 30
TECHNICIANS = [f"T-{n:02d}" for n in range(1, 13)]
TASK, TASK_PRICE = "REPAIR", Decimal("65.00")
WARRANTY_MONTHS = 24

#: the codes, in the order `repair code add` needs them (areas before their members)
CONDITIONS = [("OUT-OF-ORDER", "Unit not running at all"), ("REDUCED", "Running, reduced output"),
              ("INTERMITTENT", "Fault comes and goes")]  # fmt: skip
RESOLUTIONS = [("REPLACED", "Part replaced"), ("REPAIRED", "Repaired on site"), ("ADJUSTED", "Adjusted or reset"),
               ("CLEANED", "Cleaned"), ("NOT-ECONOMIC", "Not economic to repair")]  # fmt: skip
SYMPTOMS = {
    "HEAT": ("Heating and hot water", [("NO-HEAT", "No heating"), ("NO-HOT-WATER", "No hot water")]),
    "NOISE": ("Noise and vibration", [("RATTLE", "Rattling or knocking"), ("HUM", "Humming or grinding")]),
    "LEAK": ("Leaks", [("WATER-LEAK", "Water dripping"), ("CONDENSATE", "Condensate overflowing")]),
    "PRESSURE": ("System pressure", [("LOW-PRESSURE", "Pressure drops")]),
    "ALARM": ("Alarms and display", [("ERROR-CODE", "Error code shown")]),
}
DIAGNOSES = {
    "DEFECTIVE-PART": ("A part is defective", [("PUMP-SEIZED", "Pump seized"), ("FAN-MOTOR", "Fan motor defective")]),
    "COMBUSTION": ("Combustion", [("IGNITION", "Ignition electrode worn"), ("GAS-VALVE", "Gas valve sticking")]),
    "CONTROL": ("Controls", [("SENSOR", "Sensor faulty"), ("BOARD", "Control board fault")]),
    "HYDRAULIC": ("Water circuit", [("AIR-LOCK", "Air in the circuit"), ("LOW-WATER", "Water pressure too low")]),
}
AREA = {code: area for area, (_t, members) in SYMPTOMS.items() for code, _d in members}
DIAGNOSIS_AREA = {code: area for area, (_t, members) in DIAGNOSES.items() for code, _d in members}

#: item, name, price, warranty months
ITEMS = [
    ("VB24", "Gas boiler 24 kW", "1850.00", WARRANTY_MONTHS),
    ("VB35", "Gas boiler 35 kW", "2400.00", WARRANTY_MONTHS),
    ("HPW9", "Heat pump 9 kW", "7900.00", WARRANTY_MONTHS),
    ("IGN-1", "Ignition electrode", "24.50", None),
    ("PUMP-A", "Circulation pump A", "189.00", 24),
    ("PUMP-B", "Circulation pump B", "176.00", 24),
    ("PUMP-C", "Circulation pump C", "205.00", 24),
    ("SENSOR-NTC", "NTC sensor", "18.90", None),
    ("BOARD-X", "Control board X", "312.00", 12),
    ("BOARD-Y", "Control board Y", "298.00", 12),
    ("BOARD-HP", "Heat pump controller", "540.00", 12),
    ("FAN-HP", "Fan motor", "265.00", 24),
    ("FAN-HP2", "Fan motor EC", "320.00", 24),
    ("GASKET-KIT", "Gasket kit", "12.00", None),
]
PRICE = {item: Decimal(price) for item, _n, price, _w in ITEMS}
NAME = {item: name for item, name, _p, _w in ITEMS}

#: template: (item, [(version, from, to, {position: item})]); each version repeats the whole BOM
TEMPLATES: dict[str, tuple[str, list[tuple[str, date, date | None, dict[str, str]]]]] = {
    "VB24": ("VB24", [
        ("1", date(2018, 1, 1), date(2021, 12, 31),
         {"ignition": "IGN-1", "pump": "PUMP-A", "sensor": "SENSOR-NTC", "board": "BOARD-X"}),
        ("2", date(2022, 1, 1), date(2024, 3, 31),
         {"ignition": "IGN-1", "pump": "PUMP-B", "sensor": "SENSOR-NTC", "board": "BOARD-X"}),
        ("3", date(2024, 4, 1), None,
         {"ignition": "IGN-1", "pump": "PUMP-C", "sensor": "SENSOR-NTC", "board": "BOARD-X"}),
    ]),
    "VB35": ("VB35", [
        ("1", date(2018, 1, 1), date(2022, 6, 30),
         {"ignition": "IGN-1", "pump": "PUMP-A", "sensor": "SENSOR-NTC", "board": "BOARD-X"}),
        ("2", date(2022, 7, 1), None,
         {"ignition": "IGN-1", "pump": "PUMP-A", "sensor": "SENSOR-NTC", "board": "BOARD-Y"}),
    ]),
    "HPW9": ("HPW9", [
        ("1", date(2021, 1, 1), date(2023, 12, 31),
         {"fan": "FAN-HP", "pump": "PUMP-A", "sensor": "SENSOR-NTC", "board": "BOARD-HP"}),
        ("2", date(2024, 1, 1), None,
         {"fan": "FAN-HP2", "pump": "PUMP-C", "sensor": "SENSOR-NTC", "board": "BOARD-HP"}),
    ]),
}  # fmt: skip
#: how often an object of a template version fails, relative to the others
FAILURE_FACTOR = {("VB24", "1"): 1.1, ("VB24", "2"): 1.7, ("VB24", "3"): 0.8, ("VB35", "1"): 1.0,
                  ("VB35", "2"): 0.9, ("HPW9", "1"): 1.3, ("HPW9", "2"): 1.0, (None, None): 1.0}  # fmt: skip
#: symptom, diagnosis, resolution, the BOM position of the part used (None: no part), winter peak
FAULTS = {
    "boiler": [("NO-HEAT", "IGNITION", "REPLACED", "ignition", True, 3), ("NO-HEAT", "GAS-VALVE", "REPAIRED", None, True, 1),
               ("NO-HOT-WATER", "SENSOR", "REPLACED", "sensor", True, 2), ("HUM", "PUMP-SEIZED", "REPLACED", "pump", True, 2),
               ("RATTLE", "AIR-LOCK", "ADJUSTED", None, False, 2), ("WATER-LEAK", "LOW-WATER", "REPAIRED", None, False, 1),
               ("LOW-PRESSURE", "LOW-WATER", "ADJUSTED", None, False, 3), ("ERROR-CODE", "BOARD", "REPLACED", "board", False, 1),
               ("ERROR-CODE", "SENSOR", "ADJUSTED", None, False, 1)],
    "heat-pump": [("HUM", "FAN-MOTOR", "REPLACED", "fan", False, 2), ("NO-HEAT", "SENSOR", "ADJUSTED", None, True, 2),
                  ("CONDENSATE", "LOW-WATER", "CLEANED", None, True, 3), ("ERROR-CODE", "BOARD", "REPLACED", "board", False, 2),
                  ("HUM", "PUMP-SEIZED", "REPLACED", "pump", True, 1), ("LOW-PRESSURE", "AIR-LOCK", "ADJUSTED", None, False, 1)],
}  # fmt: skip
#: the bad pump of VB24 v2 seizes far more often
PUMP_B_WEIGHT = 6
REPEAT_SHARE = 0.08  # fixes that do not hold
WINTER = [1.5, 1.4, 1.2, 0.9, 0.7, 0.6, 0.6, 0.6, 0.8, 1.0, 1.3, 1.5]


def stamp(moment: datetime) -> str:
    """A time as the database stores it (UTC, no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def local_at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(hours=hour)


def instant(day: date) -> datetime:
    """The start of a local day, as the report bounds it."""
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


@dataclass
class Obj:
    key: str
    customer: str
    item: str
    installed: date | None
    warranty_until: date | None
    template: str | None
    version: str | None
    recorded: datetime  # when the object was imported (its created_at)

    @property
    def in_service(self) -> date:
        return self.installed or self.recorded.astimezone(TZ).date()

    def warranty_end(self) -> date | None:
        from custsvc.domain.warranty import warranty_end

        return warranty_end(self.installed, WARRANTY_MONTHS, self.warranty_until)


@dataclass
class Repair:
    obj: Obj
    created: datetime
    fault: tuple[Any, ...]
    condition: str
    technician: str
    finished: datetime | None = None
    stage: str = "registered"
    follows: bool = False  # a follow-up planned as a repeat of an earlier fix
    id: int = 0
    line_no: int = 0
    warranty: bool = False
    basis: str | None = None
    lines: list[tuple[int, int, str, Decimal, Decimal, str]] = field(default_factory=list)
    cost: Decimal = Decimal("0.00")  # the normal price of its lines that are not canceled


@dataclass
class Order:
    obj: Obj
    created: datetime
    technician: str
    visits: int
    repairs: list[Repair] = field(default_factory=list)


def cli_env(path: Path, now: datetime) -> dict[str, str]:
    """The environment of a command on the benchmark's database. With PYTHONDONTWRITEBYTECODE set,
    the commands' bytecode is cached next to the database instead, as it is when installed."""
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": now.isoformat(), "CUSTSVC_USER": ACTOR}
    for name in ("CUSTSVC_DEBUG", "CUSTSVC_FORMAT"):
        env.pop(name, None)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env["PYTHONPYCACHEPREFIX"] = str(path.parent / "pycache")
    return env


def children_cpu() -> float:
    """The CPU time (user + system) of this process's finished children."""
    if resource is None:  # pragma: no cover - Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], repeat: int) -> tuple[str, float, float]:
    """The command's output, and its median wall and CPU seconds over ``repeat`` runs after one run
    that is not timed (bytecode compiled, the database in the file cache)."""
    out = subprocess.run(custsvc(*argv), env=env, check=True, capture_output=True, text=True).stdout
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, began = children_cpu(), time.perf_counter()
        again = subprocess.run(custsvc(*argv), env=env, check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - began)
        cpus.append(children_cpu() - cpu)
        assert again == out
    return out, statistics.median(walls), statistics.median(cpus)


def run(path: Path, now: datetime, *args: str) -> str:
    out = subprocess.run(custsvc(*args), env=cli_env(path, now), check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"custsvc {' '.join(args)} failed ({out.returncode}):\n{out.stderr}{out.stdout}")
    return out.stdout


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return path


def plan_objects(rng: random.Random, count: int) -> list[Obj]:
    """Objects of the three models installed 2018 to mid-2026 (more of them lately), 4 % without a
    BOM, 5 % without an install date, 10 % with an extended warranty of their own."""
    customers = max(1, count // 3)
    out = []
    for n in range(count):
        item = rng.choices(["VB24", "VB35", "HPW9"], [45, 30, 25])[0]
        first = date(2021, 1, 1) if item == "HPW9" else date(2018, 1, 1)
        span = (date(2026, 6, 30) - first).days
        installed = first + timedelta(days=int(span * rng.random() ** 0.7))
        template, version = None, None
        if rng.random() >= 0.04:
            template = item
            version = next(v for v, f, t, _c in TEMPLATES[item][1] if f <= installed and (t is None or installed <= t))
        # recorded when sold: the older ones at the set-up, later ones at the start of their half-year
        recorded = (
            SETUP_AT
            if installed < date(2025, 7, 1)
            else local_at(date(installed.year, 1 + 6 * (installed.month > 6), 1), 8)
        )
        warranty_until = None
        if rng.random() < 0.10:
            warranty_until = installed + timedelta(days=5 * 365)
        if rng.random() < 0.05:
            installed = warranty_until = None
        out.append(Obj(f"OBJ-{n + 1:06d}", f"C-{n % customers + 1:05d}", item, installed, warranty_until, template,
                       version, recorded))  # fmt: skip
    return out


def setup(path: Path, folder: Path, objects: list[Obj]) -> tuple[Obj, int]:
    """The shop through the command line; returns the object of the repair made end to end and the
    number of commands run."""
    calls = 0

    def cli(now: datetime, *args: str) -> str:
        nonlocal calls
        calls += 1
        return run(path, now, *args)

    at = SETUP_AT
    cli(at, "db", "init")
    cli(at, "config", "set", "timezone", ZONE)
    workers = [[t, f"Technician {t}", "technician", "gas"] for t in TECHNICIANS] + [
        [ACTOR, "Bench Dispatcher", "dispatcher", ""]
    ]
    cli(at, "worker", "import", str(write_csv(folder / "workers.csv", ["worker", "name", "roles", "skills"], workers)))
    items = [[i, n, p, f"{w}m" if w else ""] for i, n, p, w in ITEMS]
    cli(at, "item", "import", str(write_csv(folder / "items.csv", ["item", "name", "price", "warranty"], items)))
    cli(at, "task", "add", TASK, "--description", "Repair work", "--hours", "1.5", "--price", str(TASK_PRICE))
    customers = sorted({o.customer for o in objects})
    cli(at, "customer", "import", str(write_csv(folder / "customers.csv", ["account", "name", "address"],
                                                [[c, f"Customer {c}", f"Street {c[2:]}"] for c in customers])))  # fmt: skip
    rows = []
    for template, (item, versions) in TEMPLATES.items():
        for version, first, last, components in versions:
            for position, part in components.items():
                rows.append([template, item, f"{NAME[item]}", version, first, last, position, part, 1, ""])
    header = ["template", "item", "description", "version", "from", "to", "position", "component", "qty", "note"]
    cli(at, "bom", "template", "import", str(write_csv(folder / "templates.csv", header, rows)))
    # objects and their BOMs, imported in batches at the time they were recorded
    batches: dict[datetime, list[Obj]] = defaultdict(list)
    for o in objects:
        batches[o.recorded].append(o)
    for k, (when, batch) in enumerate(sorted(batches.items())):
        rows = [[o.key, o.customer, o.item, o.installed, o.warranty_until] for o in batch]
        cli(when, "object", "import", str(write_csv(folder / f"objects-{k}.csv",
                                                    ["object", "customer", "item", "installed", "warranty_until"], rows)))  # fmt: skip
        boms = [[o.key, o.template, o.version, 1, position, part, 1, ""]
                for o in batch if o.template
                for position, part in bom_of(o).items()]  # fmt: skip
        header = ["object", "template", "template_version", "version", "position", "item", "qty", "serial"]
        if boms:
            cli(when, "bom", "import", str(write_csv(folder / f"boms-{k}.csv", header, boms)))
    # the codes, one by one (areas first), two commands at a time
    first_wave = [("condition", c, d, None) for c, d in CONDITIONS] + [
        ("resolution", c, d, None) for c, d in RESOLUTIONS
    ]
    first_wave += [("symptom-area", a, t, None) for a, (t, _m) in SYMPTOMS.items()]
    first_wave += [("diagnosis-area", a, t, None) for a, (t, _m) in DIAGNOSES.items()]
    second_wave = [("symptom", c, d, a) for a, (_t, m) in SYMPTOMS.items() for c, d in m]
    second_wave += [("diagnosis", c, d, a) for a, (_t, m) in DIAGNOSES.items() for c, d in m]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for wave in (first_wave, second_wave):
            jobs = [
                pool.submit(cli, at, "repair", "code", "add", kind, code, "--description", text,
                            *(["--area", area] if area else []))
                for kind, code, text, area in wave
            ]  # fmt: skip
            for job in jobs:
                job.result()
    ref = next(o for o in objects if o.template == "VB24" and o.version == "3" and o.installed
               and o.installed < date(2025, 1, 1) and o.warranty_until is None)  # fmt: skip
    cli_repair(cli, ref)
    return ref, calls


def bom_of(o: Obj) -> dict[str, str]:
    return next(c for v, _f, _t, c in TEMPLATES[o.template][1] if v == o.version) if o.template else {}


#: the repair made through the command line: Tuesday 2025-03-04
CLI_DAY = date(2025, 3, 4)


def cli_repair(cli: Any, o: Obj) -> None:
    """An order with an hour line and a part line, a visit on the board, a repair line registered,
    linked to both lines, then diagnosed and finished: what the raw rows imitate."""
    t0 = local_at(CLI_DAY, 8.25)
    tech = TECHNICIANS[0]
    number = cli(t0, "order", "create", "--customer", o.customer, "--object", o.key, "--technician", tech,
                 "--description", "No heating").strip()  # fmt: skip
    assert number == "SO-000001", number
    cli(t0 + timedelta(minutes=2), "order", "line", "add", number, "--type", "hour", "--task", TASK,
        "--worker", tech, "--object", o.key)  # fmt: skip
    cli(t0 + timedelta(minutes=3), "order", "line", "add", number, "--type", "item", "--item", bom_of(o)["ignition"],
        "--object", o.key)  # fmt: skip
    cli(t0 + timedelta(minutes=5), "dispatch", "assign", number, "--technician", tech,
        "--start", local_at(CLI_DAY, 10).isoformat(), "--duration", "2h")  # fmt: skip
    cli(t0 + timedelta(minutes=6), "repair", "add", number, "--object", o.key, "--condition", "OUT-OF-ORDER",
        "--symptom", "NO-HEAT")  # fmt: skip
    cli(t0 + timedelta(minutes=7), "repair", "link", number, "1", "--lines", "1,2")
    cli(local_at(CLI_DAY, 11.5), "repair", "update", number, "1", "--diagnosis", "IGNITION",
        "--resolution", "REPLACED", "--stage", "repaired")  # fmt: skip


def fault_of(rng: random.Random, o: Obj, area: str | None = None) -> tuple[Any, ...]:
    """A fault of the object's kind (of ``area``, for a follow-up); VB24 v2's pump seizes often."""
    faults = FAULTS["heat-pump" if o.item == "HPW9" else "boiler"]
    if area:
        faults = [f for f in faults if AREA[f[0]] == area] or faults
    w = [f[5] * (PUMP_B_WEIGHT if f[3] == "pump" and bom_of(o).get("pump") == "PUMP-B" else 1) for f in faults]
    return rng.choices(faults, w)[0]


def office_time(rng: random.Random, day: date) -> datetime:
    """A time in office hours on ``day``; most calls of a weekend wait for Monday."""
    if day.weekday() >= 5 and rng.random() < 0.8:
        day += timedelta(days=7 - day.weekday())
    return local_at(day, rng.uniform(7.0, 17.5))


def plan(rng: random.Random, objects: list[Obj], lines: int) -> tuple[list[Order], list[Repair]]:
    """Repairs until ``lines`` of them fall in the period: each picks an object (by its version's
    failure rate and its days in service), a fault (winter faults peak in winter), a time in office
    hours; 10 % of the orders carry a second repair of the same object; 8 % of the finished fixes do
    not hold (another repair in the same symptom area 1 to 26 days after the finish)."""
    end = instant(AS_OF.date())
    lo, hi = instant(HISTORY_FROM), instant(LAST + timedelta(days=1))
    start_of = {o.key: max(HISTORY_FROM, o.in_service + timedelta(days=3)) for o in objects}
    weights = [FAILURE_FACTOR[(o.template, o.version)] * max((LAST - start_of[o.key]).days, 0) for o in objects]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    orders: list[Order] = []
    repairs: list[Repair] = []
    in_period = 0
    p_lo, p_hi = instant(FIRST), instant(LAST + timedelta(days=1))

    def new_order(o: Obj, created: datetime) -> Order:
        visits = rng.choices([0, 1, 2, 3], [8, 75, 14, 3])[0]
        order = Order(o, created - timedelta(minutes=rng.randint(3, 40)), rng.choice(TECHNICIANS), visits)
        orders.append(order)
        return order

    def add(order: Order, created: datetime, fault: tuple[Any, ...], follows: bool = False) -> Repair | None:
        nonlocal in_period
        if created > end:
            return None
        r = Repair(order.obj, created, fault, rng.choice(CONDITIONS)[0], order.technician, follows=follows)
        hours = {0: rng.uniform(20, 120), 1: rng.uniform(1.5, 30), 2: rng.uniform(70, 280), 3: rng.uniform(120, 400)}
        finish = created + timedelta(hours=hours[order.visits])
        if finish <= end and rng.random() >= 0.02:
            r.finished = finish
            r.stage = "not-repairable" if rng.random() < 0.03 else "repaired"
        else:
            r.stage = rng.choice(["registered", "diagnosed"])
        order.repairs.append(r)
        repairs.append(r)
        in_period += p_lo <= created < p_hi
        return r

    while in_period < lines:
        o = objects[min(bisect_right(cum, rng.random() * total), len(objects) - 1)]
        first = max(start_of[o.key], lo.date())
        span = (hi.date() - first).days
        if span <= 0:
            continue
        day = first + timedelta(days=rng.randrange(span))
        fault = fault_of(rng, o)
        if fault[4] and rng.random() > WINTER[day.month - 1] / 1.5:
            continue  # a heating fault in summer: less likely
        created = office_time(rng, day)
        order = new_order(o, created)
        r = add(order, created, fault)
        if rng.random() < 0.10:
            other = fault_of(rng, o)
            if AREA[other[0]] != AREA[fault[0]]:
                add(order, created + timedelta(minutes=rng.randint(2, 15)), other)
        while r is not None and r.finished is not None and rng.random() < REPEAT_SHARE:
            later = office_time(rng, r.finished.astimezone(TZ).date() + timedelta(days=rng.randint(1, 26)))
            area = AREA[r.fault[0]]
            r = add(new_order(o, later), later, fault_of(rng, o, area), follows=True)
    return orders, repairs


def fill(path: Path, objects: list[Obj], orders: list[Order]) -> dict[str, int]:
    """The orders, their objects, visits, lines and repairs with raw SQL, numbered after the command
    line's (in time order, as they were made)."""
    from custsvc.domain.orders import line_amount

    conn = sqlite3.connect(path)
    top = lambda sql: conn.execute(sql).fetchone()[0] or 0  # noqa: E731
    next_order, next_repair = (
        top("SELECT max(CAST(substr(number, 4) AS INTEGER)) FROM service_order") + 1,
        top("SELECT max(id) FROM repair_line") + 1,
    )
    next_line, next_visit = top("SELECT max(id) FROM order_line") + 1, top("SELECT max(id) FROM assignment") + 1
    so, oo, asg, ol, rl, rol = [], [], [], [], [], []
    rng = random.Random(23)
    for order in sorted(orders, key=lambda x: x.created):
        if not order.repairs:
            continue
        number = f"SO-{next_order:06d}"
        next_order += 1
        o = order.obj
        done = all(r.finished for r in order.repairs)
        last = max((r.finished for r in order.repairs if r.finished), default=None)
        signed = last + timedelta(hours=1) if done else None
        day = order.created.astimezone(TZ).date()
        so.append((number, o.customer, f"Street {o.customer[2:]}", "normal", "completed" if done else "in-progress", order.technician,
                   order.repairs[0].fault[0].replace("-", " ").lower(), stamp(order.created), day.isoformat(),
                   stamp(last or order.created), stamp(signed) if signed else None,
                   ACTOR if signed else None))  # fmt: skip
        oo.append((number, o.key))
        first = order.repairs[0]
        for k in range(order.visits):
            start = first.created + timedelta(hours=1 + k * 48 + rng.uniform(0, 3))
            asg.append((stamp(order.created), next_visit, number, order.technician, stamp(start),
                        stamp(start + timedelta(hours=rng.choice([1, 1.5, 2]))) ))  # fmt: skip
            next_visit += 1
        end = o.warranty_end()
        line_no = 0
        for n, r in enumerate(sorted(order.repairs, key=lambda x: x.created), start=1):
            r.id, r.line_no = next_repair, n
            next_repair += 1
            if end is not None and day <= end:
                r.warranty, r.basis = True, f"object {o.key} until {end.isoformat()}"
            hours = Decimal(rng.choice([5, 10, 15, 20, 30, 40])) / 10
            part = bom_of(o).get(r.fault[3]) if r.fault[3] else None
            if part is None and r.fault[3]:
                part = {"ignition": "IGN-1", "pump": "PUMP-A", "sensor": "SENSOR-NTC", "board": "BOARD-X",
                        "fan": "FAN-HP"}[r.fault[3]]  # fmt: skip
            if part is None and rng.random() < 0.25:
                part = "GASKET-KIT"
            wanted = [("hour", None, TASK, hours, TASK_PRICE, "Repair work", "created")]
            if part:
                status = "canceled" if rng.random() < 0.02 else "created"
                wanted.append(("item", part, None, Decimal(1), PRICE[part], NAME[part], status))
            for kind, item, task, qty, price, text, status in wanted:
                line_no += 1
                ol.append((stamp(r.created), next_line, number, line_no, kind, order.technician if kind == "hour" else None,
                           item, task, o.key, int(qty * 1000), int(price * 100), text, status,
                           stamp(signed) if signed and status != "canceled" else None,
                           ACTOR if signed and status != "canceled" else None))  # fmt: skip
                rol.append((next_line, r.id))
                r.lines.append((next_line, line_no, status, qty, price, kind))
                next_line += 1
            _f, diag, resolution, *_ = r.fault
            if r.stage == "not-repairable":
                resolution = "NOT-ECONOMIC"
            known = r.finished is not None or r.stage == "diagnosed"
            rl.append((r.id, number, n, o.key, order.technician, r.condition, AREA[r.fault[0]], r.fault[0],
                       DIAGNOSIS_AREA[diag] if known else None, diag if known else None,
                       resolution if r.finished else None, r.stage, int(r.warranty), r.basis, o.template, o.version,
                       1 if o.template else None, stamp(r.finished) if r.finished else None, stamp(r.created), ACTOR,
                       stamp(r.finished) if r.finished else None, ACTOR if r.finished else None))  # fmt: skip
            r.cost = sum((line_amount(q, p) for _i, _n, s, q, p, _k in r.lines if s != "canceled"), Decimal("0.00"))
    with conn:
        conn.executemany(
            "INSERT INTO service_order (number, customer, address, priority, stage, technician, description, created_at, service_date, "
            "updated_at, signed_off_at, signed_off_by, created_by, updated_by, requires_sign_off) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench', 'bench', 1)",
            so,
        )
        conn.executemany("INSERT INTO order_object (order_number, object) VALUES (?, ?)", oo)
        conn.executemany(
            "INSERT INTO assignment (created_at, created_by, id, order_number, technician, starts_at, ends_at) "
            "VALUES (?, 'bench', ?, ?, ?, ?, ?)",
            [(a[0], a[1], a[2], a[3], a[4], a[5]) for a in asg],
        )
        conn.executemany(
            "INSERT INTO order_line (created_at, created_by, id, order_number, line_no, type, worker, item, task, object, "
            "quantity_milli, price_cents, description, status, signed_off_at, signed_off_by) "
            "VALUES (?, 'bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ol,
        )
        conn.executemany(
            "INSERT INTO repair_line (id, order_number, line_no, object, technician, condition, symptom_area, symptom, "
            "diagnosis_area, diagnosis, resolution, stage, warranty, warranty_basis, bom_template, bom_template_version, "
            "bom_version, finished_at, created_at, created_by, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rl,
        )
        conn.executemany("INSERT INTO repair_order_line (order_line_id, repair_id) VALUES (?, ?)", rol)
        conn.execute("UPDATE number_sequence SET next_value = ? WHERE name = 'order'", (next_order,))
    conn.close()
    return {"orders": len(so), "visits": len(asg), "order lines": len(ol), "repairs": len(rl)}


def non_null(conn: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...]) -> list[frozenset[str]]:
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)
    names = [d[0] for d in cur.description]
    return [frozenset(n for n, v in zip(names, row, strict=True) if v is not None) for row in cur.fetchall()]


def check_shape(path: Path, repairs: list[Repair]) -> str:
    """The raw rows of a finished warranty repair with an hour and a part line and one visit have the
    columns filled that the command line filled for its repair (SO-000001), and `repair show` of both
    has the same fields, both under warranty, finished, one visit and a warranty cost."""
    twin = next(r for r in repairs if r.warranty and r.finished and r.stage == "repaired" and len(r.lines) == 2
                and r.lines[1][2] == "created" and r.line_no == 1 and r.obj.template)  # fmt: skip
    conn = sqlite3.connect(path)
    number = conn.execute("SELECT order_number FROM repair_line WHERE id = ?", (twin.id,)).fetchone()[0]
    visits = conn.execute("SELECT count(*) FROM assignment WHERE order_number = ?", (number,)).fetchone()[0]
    for table, key in (("repair_line", "order_number"), ("order_line", "order_number"), ("service_order", "number"),
                       ("assignment", "order_number"), ("order_object", "order_number")):  # fmt: skip
        cli_cols = set().union(*non_null(conn, table, f"{key} = ?", ("SO-000001",)))
        raw_cols = set().union(*non_null(conn, table, f"{key} = ?", (number,)))
        if table == "service_order":  # the command line's order is still open (not signed off)
            raw_cols -= {"signed_off_at", "signed_off_by"}
        if table == "order_line":
            raw_cols -= {"signed_off_at", "signed_off_by"}
        if table == "assignment" and not visits:
            continue
        assert cli_cols == raw_cols, (table, sorted(cli_cols ^ raw_cols))
    conn.close()
    env = cli_env(path, AS_OF)
    shown = [
        json.loads(subprocess.run(custsvc("repair", "show", n, "1", "--format", "json"), env=env, check=True,
                                  capture_output=True, text=True).stdout)
        for n in ("SO-000001", number)
    ]  # fmt: skip
    a, b = shown
    assert sorted(a) == sorted(b), sorted(set(a) ^ set(b))
    for rec in shown:
        assert rec["warranty"] and rec["finished"] and Decimal(str(rec["warranty_cost"])) > 0, rec
        assert rec["bom"] and rec["warranty_basis"].startswith("object "), rec
    assert a["visits"] == 1 and b["visits"] == visits, (a["visits"], b["visits"])
    return f"{number}/1 against SO-000001/1 ({b['bom']}, {b['warranty_basis']})"


def build(path: Path, folder: Path, lines: int, objects_n: int) -> tuple[list[Repair], str, str]:
    rng = random.Random(7)
    objects = plan_objects(rng, objects_n)
    began = time.perf_counter()
    ref, calls = setup(path, folder, objects)
    cli_s = time.perf_counter() - began
    began = time.perf_counter()
    orders, repairs = plan(rng, objects, lines)
    counts = fill(path, objects, orders)
    raw_s = time.perf_counter() - began
    shape = check_shape(path, repairs)
    made = (
        f"{calls} commands in {cli_s:.1f} s (repair made end to end on {ref.key}); raw SQL in {raw_s:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    return repairs, made, shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="number of repair lines in the period")
    parser.add_argument("--objects", type=int, help="number of service objects (default: lines / 10)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (the median is shown)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the database (to profile)")
    args = parser.parse_args()
    objects = args.objects or max(300, args.lines // 10)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for old in args.keep.glob("repairs.db*"):
            old.unlink()
        bench(args.keep, args.lines, objects, args.repeat)
    else:
        with tempfile.TemporaryDirectory() as folder:
            bench(Path(folder), args.lines, objects, args.repeat)


def bench(folder: Path, lines: int, objects: int, repeat: int) -> None:
    path = folder / "repairs.db"
    began = time.perf_counter()
    repairs, made, shape = build(path, folder, lines, objects)
    print(f"set-up: {lines} repair lines in the period on {objects} objects in {time.perf_counter() - began:.1f} s")
    print(f"  {made}")
    print(f"  raw rows have the command line's shape: {shape}")
    env = {**cli_env(path, AS_OF), "CUSTSVC_FORMAT": "json"}
    argv = ["repair", "report", "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--by", "bom-version"]
    out, report, report_cpu = timed(argv, env, repeat)
    _, startup, startup_cpu = timed(["repair", "stage", "list"], env, repeat)
    lo, hi = stamp(instant(FIRST)), stamp(instant(LAST + timedelta(days=1)))
    conn = sqlite3.connect(path)
    sql = (
        "SELECT r.bom_template, r.bom_template_version, count(*), sum(st.finished), sum(r.warranty), "
        "count(DISTINCT r.object) "
        "FROM repair_line r JOIN repair_stage st ON st.stage = r.stage JOIN service_object o ON o.object = r.object "
        "WHERE r.created_at >= ? AND r.created_at < ? GROUP BY r.bom_template, r.bom_template_version"
    )
    rows = conn.execute(sql, (lo, hi)).fetchall()
    raw = median_seconds(lambda: conn.execute(sql, (lo, hi)).fetchall(), repeat)
    conn.close()
    result = json.loads(out)
    got = {r["bom-version"]: r for r in result["rows"]}
    want = {(f"{t}@{v}" if t else "(none)"): (n, fin, w, objs) for t, v, n, fin, w, objs in rows}
    in_period = [r for r in repairs if instant(FIRST) <= r.created < instant(LAST + timedelta(days=1))]
    expected = len(in_period) + 1  # and the repair made through the command line
    total = result["total"]
    assert result["rows"] and total["repairs"] == expected == sum(v[0] for v in want.values()), (total, expected)
    assert set(got) == set(want), (sorted(got), sorted(want))
    for key, (n, fin, w, objs) in want.items():
        row = got[key]
        assert (row["repairs"], row["finished"], row["warranty_repairs"], row["objects"]) == (n, fin, w, objs), (
            key,
            row,
        )
    cost = sum((r.cost for r in in_period if r.warranty), Decimal("0.00")) + cli_cost(path)
    assert Decimal(str(total["warranty_cost"])) == cost, (total["warranty_cost"], cost)
    assert total["repeats"] > 0 and total["first_time_fixes"] > 0
    planned = sum(r.follows for r in in_period)
    before = sum(r.created < instant(FIRST) for r in repairs)
    open_ = sum(r.finished is None for r in in_period)
    for row in [*result["rows"], total]:
        print(
            f"  {row['bom-version']:<8} repairs {row['repairs']:>6}  finished {row['finished']:>6}  repeats {row['repeats']:>5}"
            f" ({row['repeat_pct']}%)  first-time fix {row['first_time_fix_pct']}%  objects {row['objects']:>5}"
            f"  MTBF {row['mtbf_days']} d  warranty {row['warranty_repairs']:>5} = {row['warranty_cost']}"
        )
    print(
        f"  checked: repairs, finished, warranty and objects per group equal the raw aggregate's; total warranty cost"
        f" equals the lines'; {planned} follow-ups planned as repeats, {open_} still open; {before} repairs before"
        f" the period, {len(repairs) + 1 - expected - before} after it (read only as follow-ups)"
    )
    load = f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"median of {repeat} runs each, after one run not timed{load}:")
    print(
        f"custsvc repair report --by bom-version ({total['repairs']} repairs): {report:6.2f} s   (CPU {report_cpu:5.2f} s)"
        f"   target: under 2 s: {'met' if report < 2 else 'MISSED'}"
    )
    print(
        f"custsvc repair stage list (start-up, same database):       {startup:6.2f} s   (CPU {startup_cpu:5.2f} s)"
        f"   the report over it: {report - startup:.2f} s (CPU {report_cpu - startup_cpu:.2f} s)"
    )
    print(f"raw sqlite3 single aggregate:                               {raw:6.2f} s   ({len(rows)} groups)")
    print(f"ratio: {report / raw:.1f}x (over the start-up: {(report - startup) / raw:.1f}x)")


def cli_cost(path: Path) -> Decimal:
    """The warranty cost of the repair made through the command line (its two lines)."""
    from custsvc.domain.orders import line_amount

    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT l.quantity_milli, l.price_cents, r.warranty FROM order_line l JOIN repair_order_line x ON x.order_line_id = l.id "
            "JOIN repair_line r ON r.id = x.repair_id WHERE r.order_number = 'SO-000001' AND l.status != 'canceled'"
        ).fetchall()
    return sum(
        (line_amount(Decimal(q) / 1000, Decimal(p) / 100) for q, p, w in rows if w),
        Decimal("0.00"),
    )


if __name__ == "__main__":
    main()
