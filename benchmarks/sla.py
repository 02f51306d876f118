"""SLA report over 10,000 and 100,000 (and 1,000,000) orders with SLA logs, on SQLite and PostgreSQL.

    python benchmarks/sla.py [--sizes 10000,100000] [--million] [--repeat 3] [--pg URL [--pg-keep]]

For each size fills a database with customers in three tiers, orders over a year with their SLA clock
(as `order_sla` keeps it) and 2-3 log entries each, then times `custsvc sla report --by tier` for the
year and a single SQL aggregate over the same rows in raw `sqlite3`, each in a fresh process in the
same run, and prints wall time, CPU time (user + system) and peak RSS of both, and the ratio.
Targets (issue 15): the report at most 3x the raw aggregate, and under 2 s at 100,000 orders.

With ``--pg URL`` (e.g. postgresql+psycopg://postgres@127.0.0.1:55433/postgres) the same rows are
also loaded with COPY into a fresh PostgreSQL database per size, created next to the one in the URL
(`custsvc db init` makes the schema; the database is dropped afterwards unless --pg-keep), and the
report with CUSTSVC_DB set to it is timed against the same aggregate run through psycopg (the CPU
and memory columns are the client's; the server's work shows in the wall time only).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import Run, custsvc, measure, parse_sizes, print_runs, python_code  # noqa: E402

TIERS = ["gold", "silver", "bronze"]
NOW = "2027-01-01T00:00:00+00:00"
CHUNK = 50_000

COLUMNS = {
    "customer": ("account", "name", "tier", "created_at", "created_by"),
    "service_order": (
        "number", "customer", "priority", "stage", "created_at", "service_date", "updated_at", "created_by",
        "requires_sign_off",
    ),
    "order_sla": (
        "order_number", "sla", "calendar", "priority", "started_at", "response_target", "resolution_target",
        "responded_at", "resolved_at", "response_due", "resolution_due", "response_seconds", "resolution_seconds",
        "paused_seconds", "outcome",
    ),
    "sla_log": ("order_number", "at", "event", "actor"),
}  # fmt: skip

AGGREGATE = (
    "SELECT c.tier, count(*), sum(CASE WHEN s.outcome = 'met' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN s.outcome = 'breached' THEN 1 ELSE 0 END), avg(s.response_seconds), avg(s.resolution_seconds) "
    "FROM order_sla s JOIN service_order o ON o.number = s.order_number JOIN customer c ON c.account = o.customer "
    "GROUP BY c.tier"
)
RAW_SQLITE = f"""
import json, sqlite3, sys
with sqlite3.connect(sys.argv[1]) as conn:
    rows = conn.execute({AGGREGATE!r}).fetchall()
print(json.dumps([list(r[:4]) for r in rows]))
"""
RAW_PG = f"""
import json, psycopg, sys
with psycopg.connect(sys.argv[1]) as conn:
    rows = conn.execute({AGGREGATE!r}).fetchall()
print(json.dumps([list(r[:4]) for r in rows]))
"""


def setup_commands(env: dict[str, str]) -> None:
    """The schema, the calendar and the SLAs by tier, through the command line."""

    def run(*args: str) -> None:
        done = subprocess.run(custsvc(*args), env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"custsvc {' '.join(args)} failed: {done.stderr.strip()}")

    run("db", "init")
    run("calendar", "add", "office", "--timezone", "Europe/Riga", "--hours", "mon-fri 08:00-17:00")
    for tier, (resp, resol) in zip(TIERS, [("1h", "8h"), ("4h", "16h"), ("8h", "24h")], strict=True):
        run("sla", "add", tier, "--calendar", "office", "--response", resp, "--resolution", resol)
        run("sla", "apply", tier, "--tier", tier)


def generate(count: int) -> Iterator[dict[str, list[tuple]]]:
    """The rows, ``CHUNK`` orders at a time: 300 customers, then orders with their clocks and logs
    (the same rows as this benchmark always made for the same count)."""
    rng = random.Random(7)
    stamp = "2026-01-01 00:00:00.000000"
    yield {
        "customer": [(f"C-{n:04d}", f"Customer {n}", TIERS[n % 3], stamp, "bench") for n in range(300)],
    }
    start = datetime(2026, 1, 1, tzinfo=UTC)
    targets = {"gold": (3600, 8 * 3600), "silver": (4 * 3600, 16 * 3600), "bronze": (8 * 3600, 24 * 3600)}

    def fmt(d: datetime) -> str:
        return d.strftime("%Y-%m-%d %H:%M:%S.%f")

    out: dict[str, list[tuple]] = {"service_order": [], "order_sla": [], "sla_log": []}
    for n in range(count):
        number = f"SO-{n + 1:07d}"
        customer = n % 300
        tier = TIERS[customer % 3]
        created = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        out["service_order"].append(
            (
                number,
                f"C-{customer:04d}",
                "normal",
                "completed",
                fmt(created),
                created.date().isoformat(),
                fmt(created),
                "bench",
                True,
            )  # fmt: skip
        )
        resp_t, resol_t = targets[tier]
        response = int(rng.expovariate(1 / (resp_t * 0.6)))
        resolution = response + int(rng.expovariate(1 / (resol_t * 0.5)))
        open_ = rng.random() < 0.05
        outcome = "open" if open_ else ("met" if response <= resp_t and resolution <= resol_t else "breached")
        responded = created + timedelta(seconds=response * 1.6)
        resolved = None if open_ else created + timedelta(seconds=resolution * 1.6)
        out["order_sla"].append(
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
            )  # fmt: skip
        )
        out["sla_log"].append((number, fmt(created), "start", "bench"))
        out["sla_log"].append((number, fmt(responded), "respond", "bench"))
        if resolved:
            out["sla_log"].append((number, fmt(resolved), "resolve", "bench"))
        if (n + 1) % CHUNK == 0 or n + 1 == count:
            yield out
            out = {key: [] for key in out}


def load_sqlite(path: Path, count: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        for chunk in generate(count):
            for table, rows in chunk.items():
                columns = COLUMNS[table]
                marks = ", ".join("?" * len(columns))
                conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    conn.close()


def load_pg(conninfo: str, count: int) -> None:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # the stamps are UTC, as in SQLite
        with conn.cursor() as cur:
            for chunk in generate(count):
                for table, rows in chunk.items():
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        for table in COLUMNS:
            conn.execute(f"ANALYZE {table}")


# --- PostgreSQL databases next to the one in the URL --------------------------------------------


def pg_urls(url: str, name: str) -> tuple[str, str, str]:
    """(the SQLAlchemy URL of database ``name``, its psycopg conninfo, the psycopg conninfo of ``url``)."""
    from sqlalchemy.engine import make_url

    given = make_url(url)
    fresh = given.set(database=name)

    def plain(u: object) -> str:
        return u.set(drivername="postgresql").render_as_string(hide_password=False)  # type: ignore[attr-defined]

    return fresh.render_as_string(hide_password=False), plain(fresh), plain(given)


def pg_admin(conninfo: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(statement)


# --- measuring -----------------------------------------------------------------------------------


def tier_lines(report: Run) -> list[str]:
    rows = json.loads(report.stdout.read_text())
    return [
        f"  {row['tier']:<7} orders {row['orders']:>7}  met {row['met']:>7}  breached {row['breached']:>7}  "
        f"open {row['open']:>6}  compliance {row['compliance_pct']}%  p90 response {row['p90_response_seconds']} s"
        for row in rows
    ]


def check(report: Run, raw: Run) -> str:
    """The report's orders and met per tier against the raw aggregate (its breached also counts the
    open orders whose deadline passed by now, which the stored outcome does not)."""
    if not (report.ok and raw.ok):
        return "not compared (a run failed)"
    got = {r["tier"]: (r["orders"], r["met"], r["breached"] + r["open"]) for r in json.loads(report.stdout.read_text())}
    want = {tier: (n, met, n - met) for tier, n, met, _breached in json.loads(raw.stdout.read_text())}
    return f"orders and met per tier {'equal to' if got == want else 'DIFFER from'} the raw aggregate" + (
        "" if got == want else f": report {got}, raw {want}"
    )


def bench(
    label: str, size: int, env: dict[str, str], raw_argv: list[str], out: Path, args: argparse.Namespace
) -> tuple[Run, Run]:
    repeat = args.repeat if size < 1_000_000 else 1
    env = {**env, "CUSTSVC_NOW": NOW, "CUSTSVC_FORMAT": "json"}
    env.pop("CUSTSVC_DEBUG", None)

    def m(key: str, name: str, argv: list[str]) -> Run:
        return measure(name, argv, env, out / f"{key}.json", repeat=repeat, timeout=args.timeout, retries=args.retries)

    started = m("pass", "python -c pass", python_code("pass"))
    version = m("version", "custsvc --version (start-up)", custsvc("--version"))
    raw = m("raw", f"raw {label} single aggregate", raw_argv)
    report = m(
        "report",
        "custsvc sla report --by tier",
        custsvc("sla", "report", "--from", "2026-01-01", "--to", "2026-12-31", "--by", "tier"),
    )
    if report.ok:
        print("\n".join(tier_lines(report)))
    print(f"median of {repeat} run(s) each; every command in a fresh process")
    print_runs(
        [(started, None), (version, started), (raw, None), (report, raw)],
        orders=size,
        baseline_name=f"the raw {label} aggregate (python -c pass for the start-up)",
    )
    if report.ok and raw.ok:
        target = "; target: under 2 s" if size == 100_000 else ""
        print(
            f"sla report ({label}): {report.wall:.2f} s, {report.wall / raw.wall:.1f}x the raw aggregate "
            f"(target: at most 3x{target})"
        )
    print("check: " + check(report, raw))
    return raw, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="numbers of orders, comma-separated")
    parser.add_argument("--orders", type=int, help="one size only (what this benchmark took before --sizes)")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 orders")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, median shown (1 at 1,000,000)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed (0: never)")
    parser.add_argument(
        "--retries", type=int, default=2, help="tries again a run that fails, 20 s later (the tree may be mid-edit)"
    )
    parser.add_argument("--pg", metavar="URL", help="also on PostgreSQL: a database in this server is made per size")
    parser.add_argument("--pg-keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args()
    sizes = [args.orders] if args.orders else parse_sizes(args.sizes, args.million)
    print(
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, sizes {', '.join(f'{s:,}' for s in sizes)}"
    )
    results: dict[tuple[str, int], tuple[Run, Run]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            out = Path(folder) / f"out-{size}"
            out.mkdir()
            path = Path(folder) / f"sla-{size}.db"
            env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": "2026-01-01T00:00:00+00:00"}
            began = time.perf_counter()
            setup_commands(env)
            load_sqlite(path, size)
            print(f"\n== {size:,} orders, SQLite (set-up {time.perf_counter() - began:.1f} s)")
            results[("sqlite", size)] = bench("sqlite3", size, env, python_code(RAW_SQLITE, str(path)), out, args)
            path.unlink()
            if args.pg:
                name = f"custsvc_bench_sla_{size}"
                url, conninfo, admin = pg_urls(args.pg, name)
                pg_admin(admin, f"DROP DATABASE IF EXISTS {name}")
                pg_admin(admin, f"CREATE DATABASE {name}")
                env = {**os.environ, "CUSTSVC_DB": url, "CUSTSVC_NOW": "2026-01-01T00:00:00+00:00"}
                began = time.perf_counter()
                setup_commands(env)
                load_pg(conninfo, size)
                print(
                    f"\n== {size:,} orders, PostgreSQL {name} (set-up with COPY and ANALYZE {time.perf_counter() - began:.1f} s)"
                )
                raw_argv = python_code(RAW_PG, conninfo)
                results[("postgresql", size)] = bench("psycopg", size, env, raw_argv, out, args)
                if not args.pg_keep:
                    pg_admin(admin, f"DROP DATABASE {name}")
    print("\n== summary: sla report --by tier")
    print(f"{'':<11} {'orders':>10} {'report s':>9} {'raw s':>8} {'ratio':>6} {'report MB':>9} {'ms/1k orders':>12}")
    for (db, size), (raw, report) in results.items():
        if not (raw.ok and report.ok):
            print(f"{db:<11} {size:>10,} {report.problem() or raw.problem()}")
            continue
        print(
            f"{db:<11} {size:>10,} {report.wall:9.2f} {raw.wall:8.3f} {report.wall / raw.wall:5.1f}x "
            f"{report.peak_mb:9.1f} {report.wall * 1000 / (size / 1000):12.3f}"
        )


if __name__ == "__main__":
    main()
