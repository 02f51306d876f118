"""Master-data import and upsert at 100,000 (and 1,000,000) rows, against raw executemany.

    python benchmarks/import.py [--sizes 100000] [--million] [--repeat 1] [--keep DIR]

For each size a CSV of customers (account, name, tier, timezone, email, phone, address) and one of
objects (object, customer, description, group, installed) are written, each in the shape
`custsvc customer list --format csv` prints. Each measured command runs in a fresh process on a
fresh copy of a database (`custsvc db init`; for objects, with the customers imported already):

* `custsvc customer import FILE`            vs  raw: `csv.reader` + `sqlite3.executemany` of the
                                                same rows into the same table, with the audit
                                                columns, in one transaction (no checks at all)
* `custsvc customer import FILE --upsert`   the same file again, every row unchanged
* `sqlite3 .import --csv`                   the same file into a new table (when the sqlite3 shell is installed)
* `sqlite-utils insert --csv`               the same file into a new table (when installed)
* the same three for objects (each refers to a customer, which the import checks)

It prints wall and CPU time, peak RSS and the ratio to the raw baseline, and rows per second.
Targets (issue 16): import within 2x raw executemany (at least 4x the sqlite-utils rate), upsert
of unchanged rows within 3x, and peak memory at 1,000,000 rows at most 1.5x that at 100,000
(with --million).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import Run, custsvc, measure, parse_sizes, print_runs, python_code, run_quiet  # noqa: E402

TIERS = ("gold", "silver", "bronze", "")
CUSTOMER_COLUMNS = ("account", "name", "tier", "timezone", "email", "phone", "address")
OBJECT_COLUMNS = ("object", "customer", "description", "group", "installed")
#: the table column of each CSV column where the names differ
TABLE_COLUMN = {"group": "object_group", "installed": "installed_on"}

#: the raw baseline: read the CSV and insert every row as it is, stamped, in one transaction
RAW = r"""
import csv, sqlite3, sys
db, table, path = sys.argv[1:4]
renamed = dict(arg.split("=") for arg in sys.argv[4:])
with open(path, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    header = next(reader)
    columns = [renamed.get(c, c) for c in header] + ["created_at", "created_by"]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    stamp = ("2026-03-10 07:00:00.000000", "bench")
    con = sqlite3.connect(db)
    with con:
        con.executemany(sql, ((*(v or None for v in row), *stamp) for row in reader))
    con.close()
"""


def write_customers(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CUSTOMER_COLUMNS)
        for n in range(count):
            out.writerow(
                (
                    f"C-{n:07d}",
                    f"Customer {n} SIA",
                    TIERS[n % 4],
                    "Europe/Riga" if n % 3 else "",
                    f"office{n}@customer.example",
                    f"+371 6{n:07d}"[:15] if n % 2 else "",
                    f"Street {n % 997}, Riga",
                )
            )


def write_objects(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(OBJECT_COLUMNS)
        for n in range(count):
            installed = f"20{10 + n % 15:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}" if n % 5 else ""
            out.writerow((f"OBJ-{n:07d}", f"C-{n:07d}", f"Boiler {n % 7}", "heating" if n % 2 else "", installed))


def _fresh(template: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(template, target)
    return target


def bench_kind(
    kind: str, table: str, file: Path, template: Path, folder: Path, env: dict[str, str], repeat: int
) -> list[tuple[Run, Run | None]]:
    """Raw executemany, custsvc import, custsvc import --upsert (unchanged) and sqlite-utils for one file."""
    renames = [f"{c}={TABLE_COLUMN[c]}" for c in OBJECT_COLUMNS if c in TABLE_COLUMN] if kind == "object" else []
    raw_db = _fresh(template, folder, f"raw-{kind}.db")
    raw = measure(f"raw executemany ({kind})", python_code(RAW, str(raw_db), table, str(file), *renames), env,
                  folder / "raw.out")  # fmt: skip
    runs: list[tuple[Run, Run | None]] = [(raw, None)]
    db = _fresh(template, folder, f"custsvc-{kind}.db")
    with_db = {**env, "CUSTSVC_DB": str(db)}
    runs.append((measure(f"custsvc {kind} import", custsvc(kind, "import", str(file)), with_db, folder / "imp.out",
                         repeat=1), raw))  # fmt: skip
    runs.append((measure(f"custsvc {kind} import --upsert (unchanged)", custsvc(kind, "import", str(file), "--upsert"),
                         with_db, folder / "ups.out", repeat=repeat), raw))  # fmt: skip
    cli = shutil.which("sqlite3")
    if cli:
        imp_db = _fresh(template, folder, f"imp-{kind}.db")
        runs.append((measure(f"sqlite3 .import --csv ({kind})", [cli, str(imp_db), f".import --csv {file} imp_{table}"],
                             env, folder / "imp.out"), raw))  # fmt: skip
    utils = shutil.which("sqlite-utils")
    if utils:
        su_db = _fresh(template, folder, f"su-{kind}.db")
        runs.append((measure(f"sqlite-utils insert --csv ({kind})", [utils, "insert", str(su_db), f"su_{table}",
                             str(file), "--csv"], env, folder / "su.out"), raw))  # fmt: skip
    return runs


def _check_counts(folder: Path, kind: str, table: str, count: int) -> None:
    import sqlite3

    con = sqlite3.connect(folder / f"custsvc-{kind}.db")
    (stored,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 (a fixed table name)
    (stamped,) = con.execute(f"SELECT count(*) FROM {table} WHERE updated_at IS NOT NULL").fetchone()  # noqa: S608
    con.close()
    if stored != count or stamped:
        raise SystemExit(f"{kind}: {stored} rows stored ({count} expected), {stamped} marked updated by the upsert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated row counts")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 rows")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each upsert (median shown; the inserts run once, each on a fresh copy)",
    )
    parser.add_argument("--keep", type=Path, help="keep the files and databases in this folder")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="custsvc-import-"))
    base.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CUSTSVC_NOW": "2026-03-10T09:00", "CUSTSVC_FORMAT": "plain", "NO_COLOR": "1"}
    env.pop("CUSTSVC_DB", None)
    try:
        for size in parse_sizes(args.sizes, args.million):
            folder = base / str(size)
            folder.mkdir(exist_ok=True)
            customers, objects = folder / "customers.csv", folder / "objects.csv"
            write_customers(customers, size)
            write_objects(objects, size)
            empty = folder / "empty.db"
            empty.unlink(missing_ok=True)
            run_quiet(custsvc("--db", str(empty), "db", "init"), env)
            print(f"\n== {size:,} rows ==")
            rows = bench_kind("customer", "customer", customers, empty, folder, env, args.repeat)
            _check_counts(folder, "customer", "customer", size)
            with_customers = folder / "custsvc-customer.db"
            rows += bench_kind("object", "service_object", objects, with_customers, folder, env, args.repeat)
            _check_counts(folder, "object", "service_object", size)
            print_runs(rows)
            print("rows/s: " + ", ".join(f"{run.label} {size / run.wall:,.0f}" for run, _b in rows if run.ok))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
