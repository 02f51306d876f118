"""Subscription invoicing: 10,000 monthly subscriptions invoiced for 12 months (120,000 lines), then again.

    python benchmarks/subscriptions.py [--subscriptions 10000]

Times `custsvc subscription invoice --through 2026-12-31` on a fresh database, then the same run
again (which must find nothing to do), and inserting the same invoice, invoice-line and billing rows
with raw `sqlite3` `executemany` into an empty copy of the schema. Targets: the first run within 10x
of the raw insert, the re-run under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc  # noqa: E402


def build(path: Path, count: int) -> None:
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": "2026-01-01T00:00:00+00:00"}
    subprocess.run(custsvc("db", "init"), env=env, check=True, capture_output=True)
    subprocess.run(
        custsvc("subscription", "group", "add", "monthly", "--period", "month", "--align", "calendar"),
        env=env,
        check=True,
        capture_output=True,
    )
    stamp = "2026-01-01 00:00:00.000000"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO customer (account, name, created_at, created_by) VALUES (?, ?, ?, 'bench')",
            [(f"C-{n:05d}", f"Customer {n}", stamp) for n in range(count // 5)],
        )
        conn.executemany(
            "INSERT INTO subscription (subscription, customer, \"group\", currency, start, created_at, created_by) VALUES (?, ?, 'monthly', 'EUR', ?, ?, 'bench')",
            [(f"S-{n:06d}", f"C-{n % (count // 5):05d}", date(2026, 1, 1).isoformat(), stamp) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO subscription_price (subscription, valid_from, fee_cents, created_at, created_by) VALUES (?, ?, ?, ?, 'bench')",
            [(f"S-{n:06d}", date(2026, 1, 1).isoformat(), 4900 + n % 5000, stamp) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO subscription_index (subscription, valid_from, index_milli, created_at, created_by) VALUES (?, ?, 100000, ?, 'bench')",
            [(f"S-{n:06d}", date(2026, 1, 1).isoformat(), stamp) for n in range(count)],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before it is copied
    conn.close()


def raw_insert(source: Path, empty: Path) -> tuple[float, int]:
    """The rows the run made, inserted again with plain sqlite3 executemany into an empty copy."""
    src = sqlite3.connect(source)
    data = {}
    for table in ("invoice", "invoice_line", "subscription_billing"):
        cursor = src.execute(f"SELECT * FROM {table}")
        data[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    src.close()
    conn = sqlite3.connect(empty)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    began = time.perf_counter()
    with conn:
        for table, (columns, rows) in data.items():
            quoted = ",".join(f'"{c}"' for c in columns)
            conn.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({','.join('?' * len(columns))})", rows)
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed, len(data["invoice_line"][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "subs.db"
        began = time.perf_counter()
        build(path, args.subscriptions)
        empty = Path(folder) / "empty.db"
        shutil.copyfile(path, empty)
        print(f"set-up: {args.subscriptions} monthly subscriptions in {time.perf_counter() - began:.1f} s")
        env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": datetime(2027, 1, 2, tzinfo=UTC).isoformat()}
        env.pop("CUSTSVC_DEBUG", None)
        cmd = custsvc("subscription", "invoice", "--through", "2026-12-31")
        began = time.perf_counter()
        first = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stderr.strip()
        first_time = time.perf_counter() - began
        began = time.perf_counter()
        again = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stderr.strip()
        again_time = time.perf_counter() - began
        raw, lines = raw_insert(path, empty)
        print(f"first run:  {first_time:6.2f} s  {first}")
        print(f"again:      {again_time:6.2f} s  {again}")
        print(
            f"raw sqlite3 executemany of the same rows: {raw:6.2f} s  ({lines} invoice lines, their invoices and billing rows)"
        )
        print(f"ratio first run / raw insert: {first_time / raw:.1f}x   (target: within 10x)")
        print(f"re-run: {again_time:.2f} s   (target: under 1 s)")


if __name__ == "__main__":
    main()
