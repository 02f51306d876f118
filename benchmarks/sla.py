"""SLA report over 100,000 orders with SLA logs.

    python benchmarks/sla.py [--orders 100000]

Fills a database with customers in three tiers, orders over a year with their SLA clock (as
`order_sla` keeps it) and 3-4 log entries each, then times `custsvc sla report --by tier` for the
year and a single SQL aggregate over the same rows in raw `sqlite3`, and prints both and the ratio.
Target: the report under 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc  # noqa: E402

TIERS = ["gold", "silver", "bronze"]


def build(path: Path, count: int) -> None:
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": "2026-01-01T00:00:00+00:00"}
    run = lambda *a: subprocess.run(custsvc(*a), env=env, check=True, capture_output=True)  # noqa: E731
    run("db", "init")
    run("calendar", "add", "office", "--timezone", "Europe/Riga", "--hours", "mon-fri 08:00-17:00")
    for tier, (resp, resol) in zip(TIERS, [("1h", "8h"), ("4h", "16h"), ("8h", "24h")], strict=True):
        run("sla", "add", tier, "--calendar", "office", "--response", resp, "--resolution", resol)
        run("sla", "apply", tier, "--tier", tier)
    rng = random.Random(7)
    stamp = "2026-01-01 00:00:00.000000"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO customer (account, name, tier, created_at, created_by) VALUES (?, ?, ?, ?, 'bench')",
            [(f"C-{n:04d}", f"Customer {n}", TIERS[n % 3], stamp) for n in range(300)],
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        orders, clocks, logs = [], [], []
        targets = {"gold": (3600, 8 * 3600), "silver": (4 * 3600, 16 * 3600), "bronze": (8 * 3600, 24 * 3600)}
        for n in range(count):
            number = f"SO-{n + 1:07d}"
            customer = n % 300
            tier = TIERS[customer % 3]
            created = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            fmt = lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
            orders.append(
                (
                    number,
                    f"C-{customer:04d}",
                    "normal",
                    "completed",
                    fmt(created),
                    created.date().isoformat(),
                    fmt(created),
                )
            )
            resp_t, resol_t = targets[tier]
            response = int(rng.expovariate(1 / (resp_t * 0.6)))
            resolution = response + int(rng.expovariate(1 / (resol_t * 0.5)))
            open_ = rng.random() < 0.05
            outcome = "open" if open_ else ("met" if response <= resp_t and resolution <= resol_t else "breached")
            responded = created + timedelta(seconds=response * 1.6)
            resolved = None if open_ else created + timedelta(seconds=resolution * 1.6)
            clocks.append(
                (
                    number,
                    tier,
                    "office",
                    "normal",
                    fmt(created),
                    resp_t,
                    resol_t,
                    fmt(responded),
                    fmt(resolved) if resolved else None,
                    fmt(created + timedelta(seconds=resp_t * 1.6)),
                    fmt(created + timedelta(seconds=resol_t * 1.6)),
                    response,
                    None if open_ else resolution,
                    0,
                    outcome,
                )
            )
            logs.append((number, fmt(created), "start"))
            logs.append((number, fmt(responded), "respond"))
            if resolved:
                logs.append((number, fmt(resolved), "resolve"))
        conn.executemany(
            "INSERT INTO service_order (number, customer, priority, stage, created_at, service_date, updated_at, created_by, requires_sign_off) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 1)",
            orders,
        )
        conn.executemany(
            "INSERT INTO order_sla (order_number, sla, calendar, priority, started_at, response_target, resolution_target, responded_at, "
            "resolved_at, response_due, resolution_due, response_seconds, resolution_seconds, paused_seconds, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            clocks,
        )
        conn.executemany("INSERT INTO sla_log (order_number, at, event, actor) VALUES (?, ?, ?, 'bench')", logs)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="number of orders")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sla.db"
        began = time.perf_counter()
        build(path, args.orders)
        print(f"set-up: {args.orders} orders with SLA clocks and logs in {time.perf_counter() - began:.1f} s")
        env = {
            **os.environ,
            "CUSTSVC_DB": str(path),
            "CUSTSVC_NOW": "2027-01-01T00:00:00+00:00",
            "CUSTSVC_FORMAT": "json",
        }
        env.pop("CUSTSVC_DEBUG", None)
        began = time.perf_counter()
        out = subprocess.run(
            custsvc("sla", "report", "--from", "2026-01-01", "--to", "2026-12-31", "--by", "tier"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        report = time.perf_counter() - began
        began = time.perf_counter()
        with sqlite3.connect(path) as conn:
            rows = conn.execute(
                "SELECT c.tier, count(*), sum(s.outcome = 'met'), sum(s.outcome = 'breached'), avg(s.response_seconds), avg(s.resolution_seconds) "
                "FROM order_sla s JOIN service_order o ON o.number = s.order_number JOIN customer c ON c.account = o.customer GROUP BY c.tier"
            ).fetchall()
        raw = time.perf_counter() - began
        import json

        for row in json.loads(out.stdout):
            print(
                f"  {row['tier']:<7} orders {row['orders']:>6}  met {row['met']:>6}  breached {row['breached']:>6}  open {row['open']:>5}  compliance {row['compliance_pct']}%"
            )
        print(f"custsvc sla report (100% of the rows, with p90): {report:6.2f} s   (target: under 2 s)")
        print(f"raw sqlite3 single aggregate:                    {raw:6.2f} s   ({len(rows)} groups)")
        print(f"ratio: {report / raw:.1f}x")


if __name__ == "__main__":
    main()
