"""Agreement generation: agreements with 4 lines each (every 2 weeks to every 3 months).

    python benchmarks/generate.py [--agreements 1000] [--existing 10000,100000,300000]
                                  [--rows 100000] [--million] [--repeat 5] [--skip-first-run]

1. Re-run with nothing to do: a shop of ``--agreements`` agreements whose orders already exist up to
   the end of December 2026 (``--existing`` orders of history, written with raw sqlite3 inserts),
   then `custsvc agreement generate --from 2026-12-01 --to 2026-12-31 --summary` (which must create
   nothing), and the same over the whole history (all the orders in the period). The median times
   (wall and CPU) are printed beside the start-up of the same command on an empty database, run in
   turns with it, as the difference and the ratio. Target: start-up plus under 0.2 s.
2. Peak memory (ru_maxrss of a fresh process) of a generation run making ``--rows`` orders on a shop
   without orders (and 1,000,000 with ``--million``, which takes a few minutes). Target: the peak at
   1,000,000 no more than 1.5x the peak at 100,000.
3. The first run for a year against inserting the same rows with raw `sqlite3` `executemany`
   (target: within 10x), and one daily line at the cap of visits per run.
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
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc, paired, peak_rss_mb, show, timed  # noqa: E402

EVERY = [(2, "week"), (2, "week"), (1, "month"), (3, "month")]
STAMP = "2026-01-01 00:00:00.000000"
NOW = "2026-12-01T08:00:00+00:00"
WINDOW = ("2026-12-01", "2026-12-31")


def env_for(path: Path) -> dict[str, str]:
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": NOW, "CUSTSVC_FORMAT": "plain"}
    env.pop("CUSTSVC_DEBUG", None)
    return env


def init(path: Path) -> None:
    subprocess.run(custsvc("db", "init"), env=env_for(path), check=True, capture_output=True)


def line_start(n: int, k: int, year: int) -> date:
    return date(year, 1, 1 + (n + k) % 28)


def build_shop(path: Path, count: int, year: int = 2026) -> None:
    """``count`` agreements (combine by object) with 4 lines each starting in January of ``year``, with
    raw sqlite3 inserts into a freshly initialised database."""
    init(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO worker (worker, name, created_at, created_by) VALUES ('T-1', 'Tech', ?, 'bench')", (STAMP,)
        )
        conn.execute("INSERT INTO worker_role (worker, role) VALUES ('T-1', 'technician')")
        conn.execute(
            "INSERT INTO service_task (task, description, hours_milli, price_cents, created_at, created_by) "
            "VALUES ('SERVICE', 'Service visit', 1500, 6000, ?, 'bench')",
            (STAMP,),
        )
        conn.executemany(
            "INSERT INTO customer (account, name, created_at, created_by) VALUES (?, ?, ?, 'bench')",
            [(f"C-{n:05d}", f"Customer {n}", STAMP) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO service_object (object, customer, created_at, created_by) VALUES (?, ?, ?, 'bench')",
            [(f"O-{n:05d}-{k}", f"C-{n:05d}", STAMP) for n in range(count) for k in (1, 2)],
        )
        conn.executemany(
            "INSERT INTO agreement (agreement, customer, start, technician, combine, suspended, template, created_at,"
            " created_by) VALUES (?, ?, ?, 'T-1', 'object', 0, 0, ?, 'bench')",
            [(f"A-{n:05d}", f"C-{n:05d}", f"{year}-01-01", STAMP) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO agreement_line (id, agreement, line_no, type, object, task, every_count, every_unit, start,"
            " stopped, created_at, created_by) VALUES (?, ?, ?, 'hour', ?, 'SERVICE', ?, ?, ?, 0, ?, 'bench')",
            [
                (4 * n + k + 1, f"A-{n:05d}", k + 1, f"O-{n:05d}-{k % 2 + 1}", *EVERY[k], line_start(n, k, year), STAMP)
                for n in range(count)
                for k in range(4)
            ],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def planned_orders(count: int, first: date, last: date, year: int) -> list[tuple[date, str, str, list]]:
    """The orders generation makes for the shop of ``build_shop`` from ``first`` to ``last``:
    (day, agreement, object, [(line id, line no)]), in the order generation numbers them."""
    from custsvc.domain.recurrence import Interval, occurrences

    orders: dict[tuple[date, str, str], list] = {}
    for n in range(count):
        for k, (every, unit) in enumerate(EVERY):
            obj = f"O-{n:05d}-{k % 2 + 1}"
            for day in occurrences(line_start(n, k, year), first, last, every=Interval(every, unit), limit=10**6):
                orders.setdefault((day, f"A-{n:05d}", obj), []).append((4 * n + k + 1, k + 1))
    return sorted(
        ((day, agr, obj, lines) for (day, agr, obj), lines in orders.items()),
        key=lambda o: (o[0], str((o[1], f"object:{o[2]}"))),
    )


def fill_history(path: Path, agreements: int, existing: int, year: int, last: date) -> tuple[int, date]:
    """The orders of the newest whole days up to ``last`` (about ``existing`` of them), as generation
    would have made them; and the first of those days."""
    per_day = agreements * sum(365 / {"week": 7, "month": 30.44}[u] / e for e, u in EVERY) / 365
    first = last - timedelta(days=int(existing / per_day * 1.1) + 31)
    planned = planned_orders(agreements, max(first, date(year, 1, 1)), last, year)
    if len(planned) > existing:  # whole days only: a re-run from the first of them has nothing to do
        cut = planned[-existing][0]
        planned = [order for order in planned if order[0] > cut]
    orders, lines, objects = [], [], []
    for number, (day, agr, obj, members) in enumerate(planned, start=1):
        so = f"SO-{number:07d}"
        orders.append((so, f"C-{agr[2:]}", agr, f"Agreement {agr}", day.isoformat(), f"object:{obj}", STAMP))
        objects.append((so, obj))
        for line_no, (line_id, _k) in enumerate(members, start=1):
            lines.append((so, line_no, obj, line_id, day.isoformat(), STAMP))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO service_order (number, customer, agreement, priority, stage, technician, description,"
            " service_date, group_key, requires_sign_off, created_at, created_by)"
            " VALUES (?, ?, ?, 'normal', 'created', 'T-1', ?, ?, ?, 1, ?, 'bench')",
            orders,
        )
        conn.executemany("INSERT INTO order_object (order_number, object) VALUES (?, ?)", objects)
        conn.executemany(
            "INSERT INTO order_line (order_number, line_no, type, worker, task, object, quantity_milli, price_cents,"
            " description, status, agreement_line_id, visit_date, created_at, created_by)"
            " VALUES (?, ?, 'hour', 'T-1', 'SERVICE', ?, 1500, 6000, 'Service visit', 'created', ?, ?, ?, 'bench')",
            lines,
        )
        conn.execute("UPDATE number_sequence SET next_value = ?, width = 7 WHERE name = 'order'", (len(orders) + 1,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(orders), planned[0][0]


def generate_cmd(lo: str, hi: str) -> list[str]:
    return custsvc("agreement", "generate", "--from", lo, "--to", hi, "--summary")


def rerun(folder: Path, agreements: int, sizes: list[int], repeat: int) -> None:
    """The re-run of the last month (history before it), and of the whole history (all of it in the
    period), each in turns with the start-up of the same command on an empty database."""
    empty = folder / "empty.db"
    init(empty)
    print(
        f"start-up: the same command on an empty database, run in turns with each re-run (medians of {repeat}):"
        " the difference is what the re-run costs beyond it"
    )
    for size in sizes:
        path = folder / f"history-{size}.db"
        began = time.perf_counter()
        build_shop(path, agreements, year=2015)
        made, first = fill_history(path, agreements, size, 2015, date.fromisoformat(WINDOW[1]))
        setup = time.perf_counter() - began
        print(f"{made:>7,} existing orders from {first} ({agreements} agreements, set-up {setup:4.1f} s):")
        for label, period in (("the last month", WINDOW), ("all of them", (first.isoformat(), WINDOW[1]))):
            cmd = generate_cmd(*period)
            again, startup = paired((cmd, env_for(path)), (cmd, env_for(empty)), repeat)
            print(show(f"  re-run of {label:<14} (nothing to do)", again, startup))
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (folder / name).unlink(missing_ok=True)


def per_agreement_year() -> float:
    return len(planned_orders(28, date(2026, 1, 1), date(2026, 12, 31), 2026)) / 28


def memory(folder: Path, sizes: list[int]) -> dict[int, float]:
    peaks = {}
    for size in sizes:
        path = folder / f"memory-{size}.db"
        agreements = round(size / per_agreement_year())
        build_shop(path, agreements)
        peak, seconds, out = peak_rss_mb(generate_cmd("2026-01-01", "2026-12-31"), env_for(path))
        peaks[size] = peak
        print(f"peak memory, generating ~{size:>9,} orders ({agreements} agreements): {peak:7.1f} MB  {seconds:6.1f} s")
        print(f"  {out.splitlines()[-1] if out else ''}")
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (folder / name).unlink(missing_ok=True)
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(f"ratio peak {large:,} / peak {small:,}: {peaks[large] / peaks[small]:.2f}x   (target: at most 1.5x)")
    return peaks


def raw_insert(source: Path, empty: Path) -> tuple[float, int]:
    """Insert the rows generation made, with plain sqlite3 executemany, into an empty copy of the schema."""
    with sqlite3.connect(source) as src:
        data = {}
        for table in ("service_order", "order_object", "order_line"):
            cursor = src.execute(f"SELECT * FROM {table}")
            data[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    conn = sqlite3.connect(empty)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    with conn:
        for table, (columns, rows) in data.items():
            conn.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", rows)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, len(data["order_line"][1])


def first_run(folder: Path, agreements: int) -> None:
    path = folder / "bench.db"
    build_shop(path, agreements)
    empty = folder / "first-empty.db"
    shutil.copyfile(path, empty)
    cmd = generate_cmd("2026-01-01", "2026-12-31")
    first, out1 = timed(cmd, env_for(path))
    again, out2 = timed(cmd, env_for(path))
    baseline, rows = raw_insert(path, empty)
    print(f"custsvc agreement generate (1 year, {agreements} agreements): {first:7.2f} s  {out1}")
    print(f"same run again:                      {again:7.2f} s  {out2}")
    print(f"raw sqlite3 executemany of the rows: {baseline:7.2f} s  ({rows} order lines and their orders)")
    print(f"ratio generate / raw insert: {first / baseline:.1f}x   (target: within 10x)")


def near_cap(folder: Path) -> None:
    """One agreement line with a daily rule over exactly the most visits one run makes per line (3,660)."""
    from custsvc.domain.recurrence import MAX_VISITS_PER_RUN

    path = folder / "cap.db"
    init(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO customer (account, name, created_at, created_by) VALUES ('C-1', 'C', ?, 'b')", (STAMP,)
        )
        conn.execute(
            "INSERT INTO agreement (agreement, customer, start, combine, suspended, template, created_at, created_by)"
            " VALUES ('A-1', 'C-1', '2026-01-01', 'agreement', 0, 0, ?, 'b')",
            (STAMP,),
        )
        conn.execute(
            "INSERT INTO agreement_line (agreement, line_no, type, price_cents, rrule, start, stopped, created_at,"
            " created_by) VALUES ('A-1', 1, 'fee', 1000, 'FREQ=DAILY', '2026-01-01', 0, ?, 'b')",
            (STAMP,),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    empty = folder / "cap-empty.db"
    shutil.copyfile(path, empty)
    seconds, out = timed(generate_cmd("2026-01-01", "2036-01-08"), env_for(path))
    baseline, rows = raw_insert(path, empty)
    print(f"one daily line at the cap ({MAX_VISITS_PER_RUN} visits): {seconds:7.2f} s  {out}")
    print(f"raw sqlite3 executemany of its rows:        {baseline:7.2f} s  ({rows} order lines)")
    print(f"ratio near-cap generate / raw insert: {seconds / baseline:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=1000, help="agreements of the re-run and first-run shops")
    parser.add_argument(
        "--existing", default="10000,100000,300000", help="existing orders for the re-run (comma-separated)"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="orders the memory run makes")
    parser.add_argument("--million", action="store_true", help="also measure a run making 1,000,000 orders")
    parser.add_argument("--repeat", type=int, default=5, help="runs per re-run timing (the median is shown)")
    parser.add_argument("--skip-first-run", action="store_true", help="skip the first-run and near-cap timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rerun(folder, args.agreements, [int(s) for s in args.existing.split(",") if s], args.repeat)
        memory(folder, [args.rows, *([1_000_000] if args.million else [])])
        if not args.skip_first_run:
            first_run(folder, args.agreements)
            near_cap(folder)


if __name__ == "__main__":
    main()
