"""Subscription invoicing: monthly subscriptions, five per customer.

    python benchmarks/subscriptions.py [--subscriptions 10000] [--existing 10000,100000,300000]
                                       [--rows 100000] [--million] [--repeat 5] [--skip-first-run]

1. Re-run with nothing to do: ``--subscriptions`` subscriptions with ``--existing`` periods already
   billed up to 2026-12-31 (invoices, lines and billing rows written with raw sqlite3 inserts), then
   `custsvc subscription invoice --through 2026-12-31` (which must bill nothing). Its median time is
   printed beside the start-up of the same command on an empty database, run in turns with it,
   as the difference and the ratio (target: start-up plus under 0.2 s); and the next month's run
   (one period each), whose time must not grow with the history either.
2. Peak memory (ru_maxrss of a fresh process) of a run billing ``--rows`` periods (12 months of
   ``--rows`` / 12 subscriptions), and 1,000,000 with ``--million`` (a few minutes). Target: the peak
   at 1,000,000 no more than 1.5x the peak at 100,000.
3. The first run for 10,000 subscriptions x 12 months against inserting the same invoice, line and
   billing rows with raw `sqlite3` `executemany` into an empty copy of the schema (target: within 10x).
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
from _util import custsvc, paired, peak_rss_mb, show, timed, timed_cpu  # noqa: E402

STAMP = "2026-01-01 00:00:00.000000"
NOW = datetime(2027, 1, 2, tzinfo=UTC).isoformat()


def env_for(path: Path) -> dict[str, str]:
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": NOW, "CUSTSVC_FORMAT": "plain"}
    env.pop("CUSTSVC_DEBUG", None)
    return env


def month(index: int) -> date:
    """The first day of month ``index`` (months since year 0)."""
    return date(index // 12, index % 12 + 1, 1)


def build(path: Path, count: int, start: date = date(2026, 1, 1)) -> None:
    """``count`` monthly (calendar) subscriptions from ``start``, five per customer, with raw inserts."""
    env = env_for(path)
    subprocess.run(custsvc("db", "init"), env=env, check=True, capture_output=True)
    subprocess.run(
        custsvc("subscription", "group", "add", "monthly", "--period", "month", "--align", "calendar"),
        env=env,
        check=True,
        capture_output=True,
    )
    customers = max(1, count // 5)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO customer (account, name, created_at, created_by) VALUES (?, ?, ?, 'bench')",
            [(f"C-{n:06d}", f"Customer {n}", STAMP) for n in range(customers)],
        )
        conn.executemany(
            'INSERT INTO subscription (subscription, customer, "group", currency, start, created_at, created_by)'
            " VALUES (?, ?, 'monthly', 'EUR', ?, ?, 'bench')",
            [(f"S-{n:07d}", f"C-{n % customers:06d}", start.isoformat(), STAMP) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO subscription_price (subscription, valid_from, fee_cents, created_at, created_by)"
            " VALUES (?, ?, ?, ?, 'bench')",
            [(f"S-{n:07d}", start.isoformat(), 4900 + n % 5000, STAMP) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO subscription_index (subscription, valid_from, index_milli, created_at, created_by)"
            " VALUES (?, ?, 100000, ?, 'bench')",
            [(f"S-{n:07d}", start.isoformat(), STAMP) for n in range(count)],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before it is copied
    conn.close()


def fill_history(path: Path, count: int, months: int, last: date) -> int:
    """``months`` months billed for each subscription up to the month of ``last``: one invoice per
    customer and month, a line and a billing row per period, ``billed_through`` at the end."""
    customers = max(1, count // 5)
    first = last.year * 12 + last.month - months
    conn = sqlite3.connect(path)
    invoice_no = line_id = 0
    with conn:
        for m in range(first, first + months):
            begin, end = month(m), date.fromordinal(month(m + 1).toordinal() - 1)
            invoices, lines, bills = [], [], []
            numbers = {}
            for c in range(customers):
                invoice_no += 1
                numbers[c] = f"INV-{invoice_no:07d}"
                invoices.append((numbers[c], f"C-{c:06d}", begin.isoformat(), STAMP))
            per_invoice: dict[int, int] = {}
            for n in range(count):
                c = n % customers
                per_invoice[c] = per_invoice.get(c, 0) + 1
                line_id += 1
                fee = 4900 + n % 5000
                key = f"S-{n:07d}"
                lines.append((line_id, numbers[c], per_invoice[c], f"Subscription {key}, {begin} - {end}", fee, fee,
                              key, key, begin.isoformat(), end.isoformat()))  # fmt: skip
                bills.append((key, begin.isoformat(), end.isoformat(), line_id, STAMP))
            conn.executemany(
                "INSERT INTO invoice (number, kind, customer, currency, invoice_date, total_cents, created_at,"
                " created_by) VALUES (?, 'invoice', ?, 'EUR', ?, 0, ?, 'bench')",
                invoices,
            )
            conn.executemany(
                "INSERT INTO invoice_line (id, invoice, line_no, description, quantity_milli, unit_price_cents,"
                " amount_cents, source_type, source, subscription, period_start, period_end)"
                " VALUES (?, ?, ?, ?, 1000, ?, ?, 'subscription', ?, ?, ?, ?)",
                lines,
            )
            conn.executemany(
                "INSERT INTO subscription_billing (subscription, period_start, period_end, invoice_line_id,"
                " billed_at, billed_by) VALUES (?, ?, ?, ?, ?, 'bench')",
                bills,
            )
        conn.execute(
            "UPDATE invoice SET total_cents = (SELECT sum(amount_cents) FROM invoice_line WHERE invoice = number)"
        )
        conn.execute("UPDATE subscription SET billed_through = ?", (last.isoformat(),))
        conn.execute("UPDATE number_sequence SET next_value = ?, width = 7 WHERE name = 'invoice'", (invoice_no + 1,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return line_id


def invoice_cmd(through: str) -> list[str]:
    return custsvc("subscription", "invoice", "--through", through)


def rerun(folder: Path, count: int, sizes: list[int], repeat: int) -> None:
    empty = folder / "empty.db"
    subprocess.run(custsvc("db", "init"), env=env_for(empty), check=True, capture_output=True)
    cmd = invoice_cmd("2026-12-31")
    print(
        f"start-up: the same command on an empty database, run in turns with each re-run (medians of {repeat}):"
        " the difference is what the re-run costs beyond it"
    )
    for size in sizes:
        months = max(1, round(size / count))
        path = folder / f"history-{size}.db"
        began = time.perf_counter()
        first = date(2026, 12, 1)
        first = month(first.year * 12 + first.month - months)
        build(path, count, start=first)
        made = fill_history(path, count, months, date(2026, 12, 31))
        setup = time.perf_counter() - began
        print(f"{made:>7,} billed periods ({count} subscriptions x {months} months, set-up {setup:4.1f} s):")
        again, startup = paired((cmd, env_for(path)), (cmd, env_for(empty)), repeat)
        print(show("  re-run (nothing to do)", again, startup))
        seconds, cpu, out = timed_cpu(invoice_cmd("2027-01-31"), env_for(path))
        print(f"  next month's run on that history: wall {seconds:6.2f} s, cpu {cpu:6.2f} s  {out}")
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (folder / name).unlink(missing_ok=True)


def memory(folder: Path, sizes: list[int]) -> None:
    peaks = {}
    for size in sizes:
        path = folder / f"memory-{size}.db"
        build(path, max(1, size // 12))
        peak, seconds, out = peak_rss_mb(invoice_cmd("2026-12-31"), env_for(path))
        peaks[size] = peak
        print(f"peak memory, invoicing {size:>9,} periods: {peak:7.1f} MB  {seconds:6.1f} s  {out}")
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (folder / name).unlink(missing_ok=True)
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(f"ratio peak {large:,} / peak {small:,}: {peaks[large] / peaks[small]:.2f}x   (target: at most 1.5x)")


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


def first_run(folder: Path, count: int) -> None:
    path = folder / "subs.db"
    began = time.perf_counter()
    build(path, count)
    empty = folder / "first-empty.db"
    shutil.copyfile(path, empty)
    print(f"set-up: {count} monthly subscriptions in {time.perf_counter() - began:.1f} s")
    cmd = invoice_cmd("2026-12-31")
    first_time, first = timed(cmd, env_for(path))
    again_time, again = timed(cmd, env_for(path))
    raw, lines = raw_insert(path, empty)
    print(f"first run:  {first_time:6.2f} s  {first}")
    print(f"again:      {again_time:6.2f} s  {again}")
    print(
        f"raw sqlite3 executemany of the same rows: {raw:6.2f} s  ({lines} invoice lines, their invoices and billing rows)"
    )
    print(f"ratio first run / raw insert: {first_time / raw:.1f}x   (target: within 10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000, help="subscriptions of the re-run and first run")
    parser.add_argument("--existing", default="10000,100000,300000", help="billed periods before the re-run")
    parser.add_argument("--rows", type=int, default=100_000, help="periods the memory run bills")
    parser.add_argument("--million", action="store_true", help="also measure a run billing 1,000,000 periods")
    parser.add_argument("--repeat", type=int, default=5, help="runs per re-run timing (the median is shown)")
    parser.add_argument("--skip-first-run", action="store_true", help="skip the first-run timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rerun(folder, args.subscriptions, [int(s) for s in args.existing.split(",") if s], args.repeat)
        memory(folder, [args.rows, *([1_000_000] if args.million else [])])
        if not args.skip_first_run:
            first_run(folder, args.subscriptions)


if __name__ == "__main__":
    main()
