"""Agreement generation: 1,000 agreements with 4 lines each (every 2 weeks to every 3 months), one year.

    python benchmarks/generate.py [--agreements 1000]

Times `custsvc agreement generate` for the year, then the same run again (which must create
nothing), and inserting the same order and order-line rows with raw `sqlite3` `executemany` into
an empty database with the same schema. Prints the times and the ratios to the raw insert.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subprocess  # noqa: E402

from _util import custsvc  # noqa: E402

EVERY = ["2 weeks", "2 weeks", "1 month", "3 months"]


def build(path: Path, count: int) -> None:
    """The agreements, through the services (the same code `agreement create` / `line add` use)."""
    os.environ["CUSTSVC_DB"] = str(path)
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.services import agreements, master

    state.reset(db=str(path), now="2026-12-01T08:00:00+00:00", actor="bench")
    with open_context(create=True) as s:
        master.import_rows(s, "worker", [{"worker": "T-1", "name": "Tech", "roles": "technician"}])
        master.import_rows(
            s, "task", [{"task": "SERVICE", "description": "Service visit", "hours": "1.5", "price": "60.00"}]
        )
        master.import_rows(s, "customer", [{"account": f"C-{n:05d}", "name": f"Customer {n}"} for n in range(count)])
        master.import_rows(
            s, "object", [{"object": f"O-{n:05d}-{k}", "customer": f"C-{n:05d}"} for n in range(count) for k in (1, 2)]
        )
        for n in range(count):
            agreements.create(
                s, f"A-{n:05d}", customer=f"C-{n:05d}", start="2026-01-01", combine_rule="object", technician="T-1"
            )
            for k, every in enumerate(EVERY):
                agreements.add_line(
                    s,
                    f"A-{n:05d}",
                    type="hour",
                    task="SERVICE",
                    obj=f"O-{n:05d}-{k % 2 + 1}",
                    every=every,
                    start=f"2026-01-{1 + (n + k) % 28:02d}",
                )
    db.dispose_engines()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, (result.stdout + result.stderr).strip()


def raw_insert(source: Path, empty: Path) -> tuple[float, int]:
    """Insert the rows generation made, with plain sqlite3 executemany, into an empty copy of the schema."""
    with sqlite3.connect(source) as src:
        orders = src.execute("SELECT * FROM service_order").fetchall()
        order_cols = [d[0] for d in src.execute("SELECT * FROM service_order LIMIT 0").description]
        lines = src.execute("SELECT * FROM order_line").fetchall()
        line_cols = [d[0] for d in src.execute("SELECT * FROM order_line LIMIT 0").description]
        objects = src.execute("SELECT * FROM order_object").fetchall()
    conn = sqlite3.connect(empty)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    with conn:
        conn.executemany(
            f"INSERT INTO service_order ({','.join(order_cols)}) VALUES ({','.join('?' * len(order_cols))})", orders
        )
        conn.executemany("INSERT INTO order_object VALUES (?, ?)", objects)
        conn.executemany(
            f"INSERT INTO order_line ({','.join(line_cols)}) VALUES ({','.join('?' * len(line_cols))})", lines
        )
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, len(lines)


def near_cap(folder: Path) -> None:
    """One agreement line with a daily rule over exactly the most visits one run makes per line (3,660)."""
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.domain.recurrence import MAX_VISITS_PER_RUN
    from custsvc.services import agreements, master

    path = folder / "cap.db"
    state.reset(db=str(path), now="2026-01-01T08:00:00+00:00", actor="bench")
    with open_context(create=True) as s:
        master.import_rows(s, "customer", [{"account": "C-1", "name": "Customer"}])
        agreements.create(s, "A-1", customer="C-1", start="2026-01-01")
        agreements.add_line(s, "A-1", type="fee", price="10", rrule="FREQ=DAILY", start="2026-01-01")
    db.dispose_engines()
    empty = folder / "cap-empty.db"
    shutil.copyfile(path, empty)
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": "2026-01-01T08:00:00+00:00", "CUSTSVC_FORMAT": "plain"}
    env.pop("CUSTSVC_DEBUG", None)
    seconds, out = timed(
        custsvc("agreement", "generate", "--from", "2026-01-01", "--to", "2036-01-08", "--summary"), env
    )
    baseline, rows = raw_insert(path, empty)
    print(f"one daily line at the cap ({MAX_VISITS_PER_RUN} visits): {seconds:7.2f} s  {out}")
    print(f"raw sqlite3 executemany of its rows:        {baseline:7.2f} s  ({rows} order lines)")
    print(f"ratio near-cap generate / raw insert: {seconds / baseline:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=1000, help="number of agreements (4 lines each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        build(path, args.agreements)
        print(
            f"set-up: {args.agreements} agreements, {4 * args.agreements} lines in {time.perf_counter() - started:.1f} s"
        )
        empty = Path(folder) / "empty.db"
        shutil.copyfile(path, empty)
        with sqlite3.connect(empty) as conn:
            for table in ("order_line", "order_object", "service_order"):
                conn.execute(f"DELETE FROM {table}")
        env = {
            **os.environ,
            "CUSTSVC_DB": str(path),
            "CUSTSVC_NOW": "2026-12-01T08:00:00+00:00",
            "CUSTSVC_FORMAT": "plain",
        }
        env.pop("CUSTSVC_DEBUG", None)
        cmd = custsvc("agreement", "generate", "--from", "2026-01-01", "--to", "2026-12-31", "--summary")
        first, out1 = timed(cmd, env)
        again, out2 = timed(cmd, env)
        baseline, rows = raw_insert(path, empty)
        startup, _ = timed(custsvc("--version"), env)
        print(f"custsvc agreement generate (1 year): {first:7.2f} s  {out1}")
        print(f"same run again:                      {again:7.2f} s  {out2}")
        print(f"raw sqlite3 executemany of the rows: {baseline:7.2f} s  ({rows} order lines and their orders)")
        print(f"custsvc start-up alone (--version):  {startup:7.2f} s")
        print(f"ratio generate / raw insert: {first / baseline:.1f}x   (target: within 10x)")
        print(f"re-run: {again:.2f} s   (target: under 1 s)")
        near_cap(Path(folder))


if __name__ == "__main__":
    main()
