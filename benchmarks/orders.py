"""Order lists, the dispatch queue and SLA breaches at 10,000 and 100,000 (and 1,000,000) orders.

    python benchmarks/orders.py [--sizes 10000,100000] [--million] [--repeat 3] [--timeout 900] [--data DIR]

For each size a database is built once: `custsvc db init`, the shop's time zone, an office calendar,
three SLAs applied by customer tier, technicians, tasks and items through the command line, then raw
`sqlite3` inserts (as in benchmarks/sla.py) of customers in three tiers and orders over 2026 in every
stage: ~85 % closed, ~3 % completed, ~2 % canceled and ~10 % open (created, planned, in progress,
waiting, or completed with lines still open), with 0-3 lines each (~93 % of all lines posted); the
SLA clock of every order (`order_sla`, its deadlines and business seconds worked out in the
calendar's business time, as `custsvc` keeps them) with its log (start, respond, resolve, and for a
quarter a pause and a resume; canceled orders: start, cancel), and assignments to the technicians
(past visits, planned ones, and a few of canceled orders).

Then each command runs in a fresh process, next to a raw `sqlite3` baseline that also runs in a
fresh process in the same run, and for each the wall time, the CPU time (user + system) and the
peak RSS of the child are printed, with the ratio to the baseline and the wall time per 1,000 orders
(linear growth shows as a flat column across sizes):

* `order list --format json`         vs  all orders and all their SLA log rows (two fetchall)
* `order list --open --format json`  vs  the open orders (``open_condition`` of
                                         services/orders/reading.py in SQL)
* `dispatch queue --format json`     vs  the same select of the open orders
* `sla breaches --format json`       vs  the breached `order_sla` rows (``outcome_as_of`` in SQL)

Row counts are checked against raw SQL. Targets (issue 15): `order list` at most 4x its baseline; the
open list and the queue linear; the peak RSS of `order list` at 1,000,000 orders at most 1.5x that at
100,000 (with --million). ``--data DIR`` keeps the built databases there and reuses them next time.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import Run, custsvc, measure, parse_sizes, print_runs, python_code  # noqa: E402

#: bump when the generated data changes, so that databases kept with --data are built again
GENERATOR = 3
NOW = "2026-12-30T10:00:00+00:00"  # a Wednesday, 12:00 in Riga
ZONE = "Europe/Riga"
TIERS = ["gold", "silver", "bronze"]
#: business seconds to respond and to resolve, per tier
TARGETS = {"gold": (3600, 8 * 3600), "silver": (4 * 3600, 16 * 3600), "bronze": (8 * 3600, 24 * 3600)}
TECHNICIANS = [f"T-{n:02d}" for n in range(1, 21)]
SKILLS = ["gas", "refrigeration", "electrical", "plumbing"]
TASKS = [(f"TASK-{skill.upper()}", skill, 6500) for skill in SKILLS]
ITEMS = [("PUMP-200", 18900), ("FILTER-10", 1250), ("VALVE-3", 4300), ("SENSOR-7", 7600)]
OPEN_STAGES = (
    ["created", "planned", "in-progress", "waiting-for-customer", "waiting-for-parts", "completed"],
    [30, 25, 25, 5, 5, 10],
)
CHUNK = 20_000
EPOCH = datetime(1970, 1, 1)


def stamp(t: int) -> str:
    """Epoch seconds as SQLAlchemy keeps a datetime in SQLite (UTC, naive, with microseconds)."""
    return (EPOCH + timedelta(seconds=t)).isoformat(" ", timespec="microseconds")


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class Office:
    """Business time of the office calendar (mon-fri 08:00-17:00 in ``ZONE``, no holidays) as a table
    of its working windows, so that the generator can place events and deadlines exactly as
    ``domain.calendar.BusinessCalendar`` would, in integer seconds."""

    def __init__(self, first: date, last: date) -> None:
        zone = ZoneInfo(ZONE)
        self.starts: list[int] = []
        self.cum: list[int] = []  # business seconds before each window
        self.cum_end: list[int] = []  # ... and up to its end
        total = 0
        day = first
        while day <= last:
            if day.weekday() < 5:
                a = epoch(datetime.combine(day, clock_time(8), zone))
                b = epoch(datetime.combine(day, clock_time(17), zone))
                self.starts.append(a)
                self.cum.append(total)
                total += b - a
                self.cum_end.append(total)
            day += timedelta(days=1)

    def b(self, t: int) -> int:
        """Business seconds from the table's start to ``t``."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return min(self.cum[i] + t - self.starts[i], self.cum_end[i])

    def at(self, seconds: int) -> int:
        """The instant at which ``seconds`` of business time have run (a window's end stays there)."""
        i = bisect.bisect_left(self.cum_end, seconds)
        return self.starts[i] + seconds - self.cum[i]


# --- building ------------------------------------------------------------------------------------


def setup_commands(folder: Path, env: dict[str, str]) -> None:
    """What the shop sets up by hand, through the command line."""

    def run(*args: str) -> None:
        done = subprocess.run(custsvc(*args), env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"custsvc {' '.join(args)} failed: {done.stderr.strip()}")

    run("db", "init")
    run("config", "set", "timezone", ZONE)
    run("calendar", "add", "office", "--timezone", ZONE, "--hours", "mon-fri 08:00-17:00")
    run("config", "set", "calendar", "office")
    for tier, (resp, resol) in zip(TIERS, [("1h", "8h"), ("4h", "16h"), ("8h", "24h")], strict=True):
        run("sla", "add", tier, "--calendar", "office", "--response", resp, "--resolution", resol)
        run("sla", "apply", tier, "--tier", tier)
    rng = random.Random(3)
    workers = [
        {
            "worker": worker,
            "name": f"Technician {worker}",
            "roles": "technician",
            "skills": ",".join(rng.sample(SKILLS, rng.randint(1, 3))),
        }
        for worker in TECHNICIANS
    ]
    tasks = [
        {"task": task, "description": f"{skill} work", "hours": "1.5", "skill": skill, "price": f"{price / 100:.2f}"}
        for task, skill, price in TASKS
    ]
    items = [{"item": item, "name": item.title(), "price": f"{price / 100:.2f}"} for item, price in ITEMS]
    for kind, rows in (("worker", workers), ("task", tasks), ("item", items)):
        path = folder / f"{kind}s.json"
        path.write_text(json.dumps(rows))
        run(kind, "import", str(path))


class Clock:
    """One order's SLA clock as the generator works it out (times in epoch seconds)."""

    def __init__(self, office: Office, created: int, tier: str) -> None:
        self.office, self.created = office, created
        self.resp_t, self.resol_t = TARGETS[tier]
        self.b0 = office.b(created)
        self.due_resp, self.due_resol = office.at(self.b0 + self.resp_t), office.at(self.b0 + self.resol_t)
        self.responded: int | None = None
        self.resolved: int | None = None
        self.canceled: int | None = None
        self.paused_since: int | None = None
        self.resp_bs: int | None = None
        self.resol_bs: int | None = None
        self.paused_bs = 0
        self.logs: list[tuple[int, str]] = [(created, "start")]

    def event(self, business: int, event: str) -> int:
        at = self.office.at(self.b0 + business)
        self.logs.append((at, event))
        return at

    def done(self, rng: random.Random) -> None:
        """Responded and resolved, a quarter of them after waiting (a pause) on the way."""
        self.resp_bs = max(60, int(rng.expovariate(1 / (self.resp_t * 0.35))))
        self.resol_bs = self.resp_bs + max(60, int(rng.expovariate(1 / (self.resol_t * 0.3))))
        self.responded = self.event(self.resp_bs, "respond")
        if rng.random() < 0.25:
            before = self.resp_bs + rng.randrange(0, self.resol_bs - self.resp_bs)
            self.paused_bs = rng.randrange(1800, 16 * 3600)
            self.event(before, "pause")
            self.event(before + self.paused_bs, "resume")
            if before < self.resol_t:  # a pause that begins before the deadline moves it on
                self.due_resol = self.office.at(self.b0 + self.resol_t + self.paused_bs)
        self.resolved = self.event(self.resol_bs + self.paused_bs, "resolve")

    def in_process(self, rng: random.Random, stage: str, now_b: int) -> str:
        """An open order as of now: responded (mostly), resolved in "completed", paused while waiting.
        Returns the stage, "in-progress" where there was no time for what the stage needs."""
        elapsed = now_b - self.b0
        if stage != "created" and elapsed > 180 and rng.random() < 0.85:
            self.resp_bs = min(elapsed - 120, max(60, int(rng.expovariate(1 / (self.resp_t * 0.35)))))
            self.responded = self.event(self.resp_bs, "respond")
        if stage == "completed":
            if self.resp_bs is None or elapsed - self.resp_bs <= 120:
                return "in-progress"
            self.resol_bs = self.resp_bs + rng.randrange(60, elapsed - self.resp_bs)
            self.resolved = self.event(self.resol_bs, "resolve")
        elif stage.startswith("waiting"):
            base = self.resp_bs or 0
            if elapsed - base <= 60:
                return "in-progress"
            self.paused_since = self.event(base + rng.randrange(0, elapsed - base), "pause")
        return stage

    @property
    def outcome(self) -> str:
        if self.canceled is not None:
            return "canceled"
        if self.resolved is not None:
            assert self.responded is not None
            return "met" if self.responded <= self.due_resp and self.resolved <= self.due_resol else "breached"
        if self.responded is not None and self.responded > self.due_resp:
            return "breached"
        return "open"

    def row(self, number: str, tier: str, priority: str) -> tuple:
        def opt(t: int | None) -> str | None:
            return stamp(t) if t is not None else None

        return (
            number, tier, priority, stamp(self.created), self.resp_t, self.resol_t, opt(self.responded),
            opt(self.resolved), opt(self.canceled), opt(self.paused_since), stamp(self.due_resp),
            stamp(self.due_resol), self.resp_bs, self.resol_bs, self.paused_bs, self.outcome,
        )  # fmt: skip


def line_rows(
    rng: random.Random, number: str, kind: str, stage: str, created: int, signed: int, technician: str
) -> list[tuple]:
    """1-3 lines: posted on finished orders (1 % canceled); on canceled orders mostly none, else
    canceled; on open ones one line (a few have more, some of them posted already) and none for half
    of the fresh calls. About 93 % of all lines are posted."""
    if kind == "open":
        count = 0 if stage == "created" and rng.random() < 0.5 else rng.choices([1, 2, 3], [75, 20, 5])[0]
    elif kind == "canceled":
        count = 0 if rng.random() < 0.7 else rng.choices([1, 2, 3], [50, 30, 20])[0]
    else:
        count = rng.choices([1, 2, 3], [40, 35, 25])[0]
    if kind in ("closed", "completed"):
        statuses = ["canceled" if rng.random() < 0.01 else "posted" for _ in range(count)]
    elif kind == "canceled":
        statuses = ["canceled"] * count
    else:  # the last line open, the others posted or open
        statuses = ["posted" if rng.random() < 0.5 else "created" for _ in range(count - 1)] + ["created"] * min(
            count, 1
        )
    rows = []
    for line_no, status in enumerate(statuses, start=1):
        line_type = rng.choices(["hour", "item", "fee", "expense"], [60, 25, 8, 7])[0]
        task = item = worker = None
        if line_type == "hour":
            task, _skill, price = rng.choice(TASKS)
            quantity = rng.choice([500, 1000, 1500, 2000, 3000])
            worker = technician if status == "posted" else None
        elif line_type == "item":
            item, price = rng.choice(ITEMS)
            quantity = 1000 * rng.randint(1, 4)
        elif line_type == "fee":
            price, quantity = 2500, 1000
        else:
            price, quantity = rng.randrange(500, 5000), 1000
        done = stamp(signed) if status == "posted" else None
        rows.append(
            (
                stamp(created),
                number,
                line_no,
                line_type,
                worker,
                item,
                task,
                quantity,
                price,
                f"{line_type} {line_no}",
                status,
                done,
                "bench" if done else None,
            )  # fmt: skip
        )
    return rows


def assignment_start(rng: random.Random, kind: str, stage: str, clock: Clock, now_t: int) -> int | None:
    """When the order's visit is (was): most finished orders had one, planned and worked-on open
    orders mostly have one, fresh calls none, a tenth of the canceled ones had one."""
    if kind in ("closed", "completed"):
        return (clock.responded or clock.created + 3600) if rng.random() < 0.75 else None
    if kind == "canceled":
        return clock.created + 86400 if rng.random() < 0.10 else None
    if stage == "planned":
        return (now_t + rng.randrange(3600, 5 * 86400)) // 900 * 900 if rng.random() < 0.8 else None
    if stage != "created" and rng.random() < 0.8:
        return clock.responded or clock.created + 1800
    return None


def generate(count: int, customers: int, now_t: int) -> Iterator[dict[str, list[tuple]]]:
    """The rows of ``count`` orders, ``CHUNK`` orders at a time (the same rows for the same count)."""
    rng = random.Random(7)
    office = Office(date(2025, 12, 1), date(2027, 6, 30))
    year_start = epoch(datetime(2026, 1, 1, tzinfo=UTC))
    closed_end = now_t - 10 * 86400
    now_b = office.b(now_t)
    out: dict[str, list[tuple]] = {"orders": [], "lines": [], "clocks": [], "logs": [], "assignments": []}
    for n in range(count):
        number = f"SO-{n + 1:07d}"
        customer = rng.randrange(customers)
        tier = TIERS[customer % 3]
        priority = rng.choices(["high", "normal", "low"], [15, 70, 15])[0]
        draw = rng.random()
        kind = "open" if draw < 0.10 else "canceled" if draw < 0.12 else "completed" if draw < 0.15 else "closed"
        if kind == "open":
            created = (now_t - min(21 * 86400, 300 + int(rng.expovariate(1 / (3 * 86400))))) // 60 * 60
        else:
            created = (year_start + rng.randrange(0, closed_end - year_start)) // 60 * 60
        clock = Clock(office, created, tier)
        stage = kind
        if kind in ("closed", "completed"):
            clock.done(rng)
        elif kind == "canceled":
            clock.canceled = created + rng.randrange(600, 5 * 86400)
            clock.logs.append((clock.canceled, "cancel"))
        else:
            stage = clock.in_process(rng, rng.choices(*OPEN_STAGES)[0], now_b)
        last = max(t for t, _e in clock.logs)
        preferred = rng.choice(TECHNICIANS) if rng.random() < 0.25 else None
        technician = preferred or rng.choice(TECHNICIANS)
        out["lines"] += line_rows(rng, number, kind, stage, created, clock.resolved or last, technician)
        service_day = (EPOCH + timedelta(seconds=created + 3 * 3600)).date()
        assigned = assignment_start(rng, kind, stage, clock, now_t)
        if assigned is not None:
            if assigned > now_t:
                service_day = (EPOCH + timedelta(seconds=assigned)).date()
            ends = assigned + rng.choice([1, 2, 3]) * 3600
            out["assignments"].append(
                (number, technician, stamp(assigned), stamp(ends), stamp(min(created + 600, assigned)))
            )
        signed_off = clock.resolved if kind in ("closed", "completed") else None
        out["orders"].append(
            (
                number,
                f"C-{customer:05d}",
                priority,
                stage,
                preferred,
                f"Service call {n + 1}",
                f"Street {customer % 997}, Riga",
                service_day.isoformat(),
                stamp(signed_off) if signed_off else None,
                "bench" if signed_off else None,
                stamp(created),
                stamp(last),
            )  # fmt: skip
        )
        out["clocks"].append(clock.row(number, tier, priority))
        out["logs"] += [(number, stamp(t), event) for t, event in clock.logs]
        if (n + 1) % CHUNK == 0 or n + 1 == count:
            yield out
            out = {key: [] for key in out}


INSERTS = {
    "orders": "INSERT INTO service_order (number, customer, priority, stage, technician, description, address, "
    "service_date, signed_off_at, signed_off_by, created_at, updated_at, created_by, updated_by, requires_sign_off) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench', 'bench', 1)",
    "lines": "INSERT INTO order_line (created_at, order_number, line_no, type, worker, item, task, quantity_milli, "
    "price_cents, description, status, signed_off_at, signed_off_by, created_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench')",
    "clocks": "INSERT INTO order_sla (order_number, sla, calendar, priority, started_at, response_target, "
    "resolution_target, responded_at, resolved_at, canceled_at, paused_since, response_due, resolution_due, "
    "response_seconds, resolution_seconds, paused_seconds, outcome) "
    "VALUES (?, ?, 'office', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "logs": "INSERT INTO sla_log (order_number, at, event, actor) VALUES (?, ?, ?, 'bench')",
    "assignments": "INSERT INTO assignment (order_number, technician, starts_at, ends_at, created_at, created_by) "
    "VALUES (?, ?, ?, ?, ?, 'bench')",
}


def build(path: Path, count: int, env: dict[str, str]) -> dict[str, int]:
    setup_commands(path.parent, env)
    customers = max(300, count // 40)
    stamp_now = "2026-01-01 00:00:00.000000"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    totals: Counter[str] = Counter()
    with conn:
        conn.executemany(
            "INSERT INTO customer (account, name, tier, address, created_at, created_by) VALUES (?, ?, ?, ?, ?, 'bench')",
            [
                (f"C-{n:05d}", f"Customer {n}", TIERS[n % 3], f"Street {n % 997}, Riga", stamp_now)
                for n in range(customers)
            ],
        )
        now_t = epoch(datetime.fromisoformat(NOW))
        for chunk in generate(count, customers, now_t):
            for key, rows in chunk.items():
                conn.executemany(INSERTS[key], rows)
                totals[key] += len(rows)
        conn.execute("UPDATE number_sequence SET next_value = ?, width = 7 WHERE name = 'order'", (count + 1,))
    conn.close()
    totals["customers"] = customers
    return dict(totals)


# --- the raw baselines (each run as `python -c`, argv: database, now) -----------------------------

ALL_ORDERS = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
orders = conn.execute("SELECT * FROM service_order ORDER BY number").fetchall()
logs = conn.execute("SELECT * FROM sla_log ORDER BY id").fetchall()
print(len(orders), len(logs))
"""

OPEN_SQL = (
    "SELECT o.* FROM service_order o WHERE o.stage NOT IN (SELECT stage FROM stage WHERE cancels = 1) "
    "AND (NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number) "
    "OR EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number AND l.status = 'created')) "
    "ORDER BY o.number"
)
OPEN_ORDERS = f"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
print(len(conn.execute({OPEN_SQL!r}).fetchall()))
"""

#: ``outcome_as_of`` (domain/sla.py) in SQL: breached when kept so, or open with a deadline passed
BREACHED_SQL = (
    "SELECT s.*, o.customer, o.technician FROM order_sla s JOIN service_order o ON o.number = s.order_number "
    "WHERE s.outcome = 'breached' OR (s.outcome = 'open' AND ("
    "(s.paused_since IS NULL AND ((s.responded_at IS NULL AND s.response_due < :now) OR s.resolution_due < :now)) "
    "OR (s.paused_since IS NOT NULL AND ((s.responded_at IS NULL AND s.response_due < s.paused_since) "
    "OR s.resolution_due < s.paused_since))))"
)
BREACHED = f"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
print(len(conn.execute({BREACHED_SQL!r}, {{"now": sys.argv[2]}}).fetchall()))
"""

#: what ``dispatch queue`` should list (board.waiting_orders in SQL), for the checks only
QUEUE_SQL = (
    "SELECT o.number FROM service_order o "
    "WHERE o.stage NOT IN (SELECT stage FROM stage WHERE cancels = 1 OR resolves = 1) "
    "AND (NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number) "
    "OR EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number AND l.status = 'created')) "
    "AND (NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number) "
    "OR EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = o.number AND l.status = 'created' "
    "AND (l.type = 'hour' OR l.task IS NOT NULL))) "
    "AND o.number NOT IN (SELECT a.order_number FROM assignment a WHERE NOT EXISTS (SELECT 1 FROM service_order o2 "
    "WHERE o2.number = a.order_number AND o2.stage IN (SELECT stage FROM stage WHERE cancels = 1)) "
    "AND NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_number = a.order_number AND l.line_no = a.line_no "
    "AND l.status = 'canceled'))"
)


# --- checks --------------------------------------------------------------------------------------


def count_key(path: Path, key: bytes = b'"order": ') -> int:
    """Records in a JSON array of records printed with indent, counted without parsing it."""
    total, tail = 0, b""
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            data = tail + block
            total += data.count(key)
            tail = data[-(len(key) - 1) :]
            total -= tail.count(key)  # counted again with the next block
    return total


def load(path: Path, limit_mb: int = 400) -> list[dict] | None:
    if path.stat().st_size > limit_mb << 20:
        return None
    return json.loads(path.read_bytes())


def checks(size: int, path: Path, runs: dict[str, Run], now_stamp: str) -> list[str]:
    conn = sqlite3.connect(path)
    open_numbers = {r[0] for r in conn.execute(OPEN_SQL.replace("SELECT o.*", "SELECT o.number"))}
    queue_numbers = {r[0] for r in conn.execute(QUEUE_SQL)}
    breached = {r[0] for r in conn.execute(BREACHED_SQL, {"now": now_stamp})}
    conn.close()
    out = []

    def compare(label: str, got: set[str] | int, want: set[str]) -> None:
        if isinstance(got, int):
            ok = got == len(want)
            out.append(f"{label}: {got} rows, raw SQL {len(want)}  {'OK' if ok else 'MISMATCH'}")
            return
        missing, extra = want - got, got - want
        ok = not missing and not extra
        text = f"{label}: {len(got)} orders, raw SQL {len(want)}  {'OK' if ok else 'MISMATCH'}"
        if not ok:
            text += f" (missing {len(missing)} e.g. {sorted(missing)[:3]}, extra {len(extra)} e.g. {sorted(extra)[:3]})"
        out.append(text)

    run = runs["list"]
    if run.ok:
        records = load(run.stdout)
        if records is None:
            out.append(f"order list: {count_key(run.stdout)} rows of {size} orders (output too large to parse)")
        else:
            statuses = Counter(str(r.get("sla_status")) for r in records)
            ok = len(records) == size
            out.append(
                f"order list: {len(records)} rows of {size} orders {'OK' if ok else 'MISMATCH'}; sla_status "
                + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
            )
    for key, label, want in (
        ("open", "order list --open", open_numbers),
        ("queue", "dispatch queue", queue_numbers),
    ):
        if runs[key].ok:
            records = load(runs[key].stdout)
            compare(label, {r["order"] for r in records} if records is not None else count_key(runs[key].stdout), want)
    if runs["breaches"].ok:
        records = load(runs["breaches"].stdout)
        if records is None:
            out.append(f"sla breaches: {count_key(runs['breaches'].stdout)} rows (too large to parse)")
        else:
            compare("sla breaches (distinct orders)", {r["order"] for r in records}, breached)
            targets = Counter(r["target"] for r in records)
            out[-1] += f"; {len(records)} rows: " + ", ".join(f"{k} {v}" for k, v in sorted(targets.items()))
    return out


# --- measuring -----------------------------------------------------------------------------------


def bench_size(size: int, folder: Path, data: Path | None, args: argparse.Namespace) -> dict[str, Run]:
    where = data or folder
    path = where / f"orders-{size}.db"
    meta = where / f"orders-{size}.json"
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": NOW}
    for key in ("CUSTSVC_DEBUG", "CUSTSVC_FORMAT", "CUSTSVC_USER"):
        env.pop(key, None)
    wanted = {"generator": GENERATOR, "orders": size}
    began = time.perf_counter()
    if path.exists() and meta.exists() and json.loads(meta.read_text()).get("key") == wanted:
        subprocess.run(custsvc("db", "upgrade"), env=env, check=True, capture_output=True)
        totals = json.loads(meta.read_text())["totals"]
        how = f"reused {path}"
    else:
        for old in where.glob(f"orders-{size}.db*"):
            old.unlink()
        totals = build(path, size, env)
        meta.write_text(json.dumps({"key": wanted, "totals": totals}))
        how = f"built in {time.perf_counter() - began:.1f} s"
    print(
        f"\n== {size:,} orders ({how}): {totals['customers']:,} customers, {totals['lines']:,} lines, "
        f"{totals['clocks']:,} SLA clocks, {totals['logs']:,} SLA log rows, {totals['assignments']:,} assignments"
    )
    repeat = args.repeat if size < 1_000_000 else 1
    out = folder / "out"
    out.mkdir(exist_ok=True)
    now_stamp = stamp(epoch(datetime.fromisoformat(NOW)))

    def m(key: str, label: str, argv: list[str]) -> Run:
        return measure(
            label, argv, env, out / f"{key}-{size}.json", repeat=repeat, timeout=args.timeout, retries=args.retries
        )

    runs: dict[str, Run] = {}
    runs["pass"] = m("pass", "python -c pass", python_code("pass"))
    runs["version"] = m("version", "custsvc --version (start-up)", custsvc("--version"))
    runs["raw_all"] = m("raw_all", "raw: all orders + all sla_log rows", python_code(ALL_ORDERS, str(path)))
    runs["list"] = m("list", "order list --format json", custsvc("order", "list", "--format", "json"))
    runs["raw_open"] = m("raw_open", "raw: open orders", python_code(OPEN_ORDERS, str(path)))
    runs["open"] = m("open", "order list --open --format json", custsvc("order", "list", "--open", "--format", "json"))
    runs["queue"] = m("queue", "dispatch queue --format json", custsvc("dispatch", "queue", "--format", "json"))
    runs["raw_breached"] = m(
        "raw_breached", "raw: breached order_sla rows", python_code(BREACHED, str(path), now_stamp)
    )
    runs["breaches"] = m("breaches", "sla breaches --format json", custsvc("sla", "breaches", "--format", "json"))
    print(f"median of {repeat} run(s) each; every command in a fresh process; NOW={NOW}")
    print_runs(
        [
            (runs["pass"], None),
            (runs["version"], runs["pass"]),
            (runs["raw_all"], None),
            (runs["list"], runs["raw_all"]),
            (runs["raw_open"], None),
            (runs["open"], runs["raw_open"]),
            (runs["queue"], runs["raw_open"]),
            (runs["raw_breached"], None),
            (runs["breaches"], runs["raw_breached"]),
        ],
        orders=size,
        baseline_name="the raw baseline above each (python -c pass for the start-up)",
    )
    ratio = runs["list"].wall / runs["raw_all"].wall if runs["list"].ok and runs["raw_all"].ok else None
    if ratio is not None:
        print(f"order list --format json: {ratio:.1f}x its baseline (target: at most 4x)")
    for line in checks(size, path, runs, now_stamp):
        print("check: " + line)
    return runs


def summary(results: dict[int, dict[str, Run]]) -> None:
    sizes = sorted(results)
    labels = [
        ("raw_all", "raw: all orders + sla_log"),
        ("list", "order list"),
        ("raw_open", "raw: open orders"),
        ("open", "order list --open"),
        ("queue", "dispatch queue"),
        ("raw_breached", "raw: breached"),
        ("breaches", "sla breaches"),
    ]
    width = max(len(label) for _k, label in labels) + 5
    for what in ("wall", "cpu"):
        print(f"\n== growth across sizes: {what} ms per 1,000 orders (flat = linear; start-up weighs on small sizes)")
        print(f"{'':<{width}}  " + "  ".join(f"{f'{s:,}':>12}" for s in sizes) + "   largest/smallest")
        for key, label in labels:
            cells, per = [], []
            for s in sizes:
                run = results[s][key]
                per.append(getattr(run, what) * 1000 / (s / 1000) if run.ok else None)
                cells.append(f"{per[-1]:12.3f}" if per[-1] is not None else f"{'failed':>12}")
            growth = f"{per[-1] / per[0]:.2f}x" if len(per) > 1 and per[0] and per[-1] else "-"
            print(f"{label:<{width}}  " + "  ".join(cells) + f"   {growth}")
    print()
    for key, label in (("list", "order list"), ("open", "--open"), ("queue", "queue"), ("breaches", "breaches")):
        cells = [f"{results[s][key].peak_mb:12.1f}" if results[s][key].ok else f"{'failed':>12}" for s in sizes]
        print(f"{'peak RSS MB, ' + label:<{width}}  " + "  ".join(cells))
    if 1_000_000 in results and 100_000 in results:
        big, small = results[1_000_000]["list"], results[100_000]["list"]
        if big.ok and small.ok:
            print(
                f"peak RSS of order list at 1,000,000 / at 100,000: {big.peak_mb:.0f} MB / {small.peak_mb:.0f} MB = "
                f"{big.peak_mb / small.peak_mb:.2f}x (target: at most 1.5x)"
            )
        else:
            print(f"peak RSS of order list at 1,000,000: {big.problem() or 'ok'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="numbers of orders, comma-separated")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 orders")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, median shown (1 at 1,000,000)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed (0: never)")
    parser.add_argument(
        "--retries", type=int, default=2, help="tries again a run that fails, 20 s later (the tree may be mid-edit)"
    )
    parser.add_argument("--data", type=Path, help="keep the databases in this folder and reuse them next time")
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes, args.million)
    print(
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, sizes {', '.join(f'{s:,}' for s in sizes)}"
    )
    if args.data:
        args.data.mkdir(parents=True, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            results[size] = bench_size(size, Path(folder), args.data, args)
            for file in (Path(folder) / "out").glob("*"):
                file.unlink()  # the outputs of a million orders run to gigabytes
            if not args.data:
                for file in Path(folder).glob(f"orders-{size}.db*"):
                    file.unlink()
    summary(results)


if __name__ == "__main__":
    main()
