"""Return processing over 10,000 inspected return lines on 1,000 return orders (RMAs).

    python benchmarks/returns.py [--rmas 1000] [--lines-per 10]
    python benchmarks/returns.py --rmas 100     # a quick check

Builds the shop through the command line (`db init`, customers, items with prices, and one return
order made end to end: `return create`, `return line add`, `return open`, `return arrive`, `return
inspect`, then `return process` of it), checks that the raw rows below fill the same columns as the
commands do, then fills open return orders with inspected lines in raw SQL in that shape: each line
arrived (its goods moved from the customer into quarantine) and inspected with a disposition mixing
credit, scrap, credit-only (inspected without the goods back, as the command allows), return-to-
customer and replace-credit. The database is copied before processing.

Then times `custsvc --format json return process --all` (one run: the work is done once) on the
first database, checks its processed lines, credit notes and replacement orders, and on the copy
times raw `sqlite3` inserting the same documents in one transaction (the stock moves out of
quarantine, a credit note with its lines per return order, a replacement order with its item lines,
the lines processed and the return orders closed), checks both databases hold the same number of
rows of each, and prints both times and the ratio.
Target: none stated beyond printing the ratio to raw inserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc  # noqa: E402

ACTOR = "bench"
SETUP_NOW = "2026-01-01T00:00:00+00:00"
PROCESS_NOW = "2026-02-01T12:00:00+00:00"
CREATED = "2026-01-01 00:00:00.000000"
PROCESSED = "2026-02-01 12:00:00.000000"
TODAY = "2026-02-01"
DEADLINE = "2026-04-01"  # creation day + 90 validity days, past the processing day
CUSTOMERS = [f"C-{n:04d}" for n in range(5)]
#: item, name, price
ITEMS = [
    ("FLT-G4", "Filter G4", "12.50"),
    ("PUMP-A", "Circulation pump A", "189.00"),
    ("IGN-1", "Ignition electrode", "24.50"),
    ("SENSOR-NTC", "NTC sensor", "18.90"),
    ("GASKET-KIT", "Gasket kit", "12.00"),
]
CENTS = {item: round(float(price) * 100) for item, _n, price in ITEMS}
NAME = {item: name for item, name, _p in ITEMS}
DISPOSITIONS = ["credit", "scrap", "credit-only", "return-to-customer", "replace-credit"]
CREDITS = {"credit", "scrap", "credit-only", "replace-credit"}
REPLACES = {"replace-credit"}
DESTINATION = {"credit": "stock", "replace-credit": "stock", "scrap": "scrap", "return-to-customer": "customer"}
TABLES = ["stock_move", "invoice", "invoice_line", "service_order", "order_line"]


def _filled(conn: sqlite3.Connection, table: str, where: str) -> set[str]:
    """The columns of the rows of ``table`` matching ``where`` that hold a value."""
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}")  # noqa: S608
    names = [d[0] for d in cur.description]
    return {n for row in cur.fetchall() for n, v in zip(names, row, strict=True) if v is not None}


def build(path: Path, rmas: int, lines_per: int) -> dict[str, int]:
    env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": SETUP_NOW}
    env.pop("CUSTSVC_FORMAT", None)

    def run(*a: str, now: str | None = None) -> None:
        subprocess.run(custsvc(*a), env={**env, "CUSTSVC_NOW": now or SETUP_NOW}, check=True, capture_output=True)

    run("db", "init")
    for account in CUSTOMERS:
        run("customer", "add", account, "--name", f"Customer {account}")
    for item, name, price in ITEMS:
        run("item", "add", item, "--name", name, "--price", price)
    # one return order end to end through the command line: a credited and a replaced line
    run("return", "create", "--customer", CUSTOMERS[0], "--reason", "defective")
    run("return", "line", "add", "RMA-000001", "--item", "FLT-G4", "--qty", "2")
    run("return", "line", "add", "RMA-000001", "--item", "PUMP-A", "--qty", "1")
    run("return", "open", "RMA-000001")
    for line in ("1", "2"):
        run(
            "return",
            "arrive",
            "RMA-000001",
            "--line",
            line,
            "--qty",
            "2" if line == "1" else "1",
            now="2026-01-05T09:00:00+00:00",
        )
    run("return", "inspect", "RMA-000001", "--line", "1", "--disposition", "credit", now="2026-01-06T09:00:00+00:00")
    run(
        "return",
        "inspect",
        "RMA-000001",
        "--line",
        "2",
        "--disposition",
        "replace-credit",
        now="2026-01-06T09:00:00+00:00",
    )
    conn = sqlite3.connect(path)
    cli_shape = {
        "return_order": _filled(conn, "return_order", "number = 'RMA-000001'"),
        "return_line": _filled(conn, "return_line", "rma = 'RMA-000001'"),
        "stock_move": _filled(conn, "stock_move", "doc = 'RMA-000001'"),
    }
    conn.close()
    run("return", "process", "RMA-000001", now="2026-01-07T09:00:00+00:00")

    rng = random.Random(11)
    orders, lines, moves = [], [], []
    counts = {"lines": 0, "credited_rmas": 0, "replaced_rmas": 0}
    for n in range(rmas):
        number = f"RMA-{n + 2:06d}"
        customer = CUSTOMERS[n % len(CUSTOMERS)]
        orders.append((number, customer, "defective", "open", 90, DEADLINE, CREATED, ACTOR, CREATED, ACTOR))
        kinds = [rng.choice(DISPOSITIONS) for _ in range(lines_per)]
        counts["credited_rmas"] += any(k in CREDITS for k in kinds)
        counts["replaced_rmas"] += any(k in REPLACES for k in kinds)
        for line_no, disposition in enumerate(kinds, start=1):
            item = rng.choice(ITEMS)[0]
            qty = rng.randint(1, 5) * 1000
            day = rng.randint(2, 20)
            arrived = None if disposition == "credit-only" else f"2026-01-{day:02d} 09:00:00.000000"
            inspected = f"2026-01-{day + 1:02d} 10:00:00.000000"
            lines.append(
                (number, line_no, item, qty, CENTS[item], "defective", "inspected", arrived, disposition, inspected)
                + (CREATED, ACTOR, inspected, ACTOR)
            )
            if arrived is not None:
                moves.append((item, qty, "customer", "quarantine", arrived, ACTOR, "return", number))
        counts["lines"] += lines_per
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO return_order (number, customer, reason, status, validity_days, deadline, created_at, created_by, "
            "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            orders,
        )
        conn.executemany(
            "INSERT INTO return_line (rma, line_no, item, quantity_milli, price_cents, reason, status, arrived_at, late, "
            "disposition, inspected_at, created_at, created_by, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
            lines,
        )
        conn.executemany(
            "INSERT INTO stock_move (item, quantity_milli, from_location, to_location, at, actor, doc_type, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            moves,
        )
        conn.execute("UPDATE number_sequence SET next_value = ? WHERE name = 'return'", (rmas + 2,))
    raw_shape = {
        "return_order": _filled(conn, "return_order", "number != 'RMA-000001'"),
        "return_line": _filled(conn, "return_line", "rma != 'RMA-000001' AND arrived_at IS NOT NULL"),
        "stock_move": _filled(conn, "stock_move", "doc != 'RMA-000001'"),
    }
    conn.close()
    for table, columns in cli_shape.items():
        assert raw_shape[table] == columns, (table, sorted(raw_shape[table] ^ columns))
    print(
        f"  shape: raw return_order, return_line and stock_move rows fill the columns the commands fill ({', '.join(cli_shape)})"
    )
    return counts


def raw_process(path: Path) -> None:
    """The documents `return process --all` makes, inserted with raw sqlite3 in one transaction."""
    conn = sqlite3.connect(path)
    with conn:
        currency, sign_off = conn.execute(
            "SELECT i.currency, (SELECT requires_sign_off FROM service_order LIMIT 1) FROM invoice i LIMIT 1"
        ).fetchone()
        seq = dict(conn.execute("SELECT name, next_value FROM number_sequence").fetchall())
        rows = conn.execute(
            "SELECT l.id, l.rma, l.line_no, l.item, l.quantity_milli, l.price_cents, l.arrived_at, d.action, o.customer, "
            "i.name, i.price_cents FROM return_line l JOIN return_order o ON o.number = l.rma "
            "JOIN return_disposition d ON d.code = l.disposition JOIN item i ON i.item = l.item "
            "WHERE l.status = 'inspected' AND o.status = 'open' ORDER BY l.rma, l.line_no"
        ).fetchall()
        line_id = conn.execute("SELECT coalesce(max(id), 0) FROM invoice_line").fetchone()[0]
        order_line_id = conn.execute("SELECT coalesce(max(id), 0) FROM order_line").fetchone()[0]
        moves, invoices, invoice_lines, orders, order_lines, updates, closed = [], [], [], [], [], [], []
        by_rma: dict[str, list[tuple]] = {}
        for row in rows:
            by_rma.setdefault(row[1], []).append(row)
        for rma, group in by_rma.items():
            customer = group[0][8]
            credited = [r for r in group if r[7] in CREDITS]
            note = replacement = None
            if credited:
                note = f"INV-{seq['invoice']:06d}"
                seq["invoice"] += 1
                total = 0
                for no, r in enumerate(credited, start=1):
                    amount = r[4] * r[5] // 1000
                    total += amount
                    line_id += 1
                    invoice_lines.append(
                        (line_id, note, no, f"Return {rma}/{r[2]}: {r[9]}", -r[4], r[5], -amount, "return", rma)
                    )
                invoices.append(
                    (PROCESSED, ACTOR, note, "credit", customer, currency, TODAY, -total, f"Credit for return {rma}")
                )
            credit_ids = {r[0]: line_id - len(credited) + k for k, r in enumerate(credited, start=1)}
            replaced = [r for r in group if r[7] in REPLACES]
            if replaced:
                replacement = f"SO-{seq['order']:06d}"
                seq["order"] += 1
                orders.append((PROCESSED, ACTOR, PROCESSED, ACTOR, replacement, customer, "normal", "created",
                               f"Replacement for return {rma}", TODAY, sign_off))  # fmt: skip
                for no, r in enumerate(replaced, start=1):
                    order_line_id += 1
                    order_lines.append(
                        (PROCESSED, ACTOR, order_line_id, replacement, no, "item", r[3], r[4], r[10], r[9], "created")
                    )
            for r in group:
                if r[7] in DESTINATION and r[6] is not None:
                    moves.append((r[3], r[4], "quarantine", DESTINATION[r[7]], PROCESSED, ACTOR, "return", rma))
                updates.append(
                    (PROCESSED, credit_ids.get(r[0]), replacement if r[7] in REPLACES else None, PROCESSED, ACTOR, r[0])
                )
            closed.append((PROCESSED, PROCESSED, ACTOR, rma))
        conn.executemany(
            "INSERT INTO stock_move (item, quantity_milli, from_location, to_location, at, actor, doc_type, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            moves,
        )
        conn.executemany(
            "INSERT INTO invoice (created_at, created_by, number, kind, customer, currency, invoice_date, total_cents, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            invoices,
        )
        conn.executemany(
            "INSERT INTO invoice_line (id, invoice, line_no, description, quantity_milli, unit_price_cents, amount_cents, "
            "source_type, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            invoice_lines,
        )
        conn.executemany(
            "INSERT INTO service_order (created_at, created_by, updated_at, updated_by, number, customer, priority, stage, "
            "description, service_date, requires_sign_off) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            orders,
        )
        conn.executemany(
            "INSERT INTO order_line (created_at, created_by, id, order_number, line_no, type, item, quantity_milli, "
            "price_cents, description, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            order_lines,
        )
        conn.executemany(
            "UPDATE return_line SET status = 'processed', processed_at = ?, credit_line_id = ?, replacement_order = ?, "
            "updated_at = ?, updated_by = ? WHERE id = ?",
            updates,
        )
        conn.executemany(
            "UPDATE return_order SET status = 'closed', closed_at = ?, updated_at = ?, updated_by = ? WHERE number = ?",
            closed,
        )
        conn.executemany("UPDATE number_sequence SET next_value = ? WHERE name = ?", [(v, k) for k, v in seq.items()])
    conn.close()


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
        counts["processed lines"] = conn.execute(
            "SELECT count(*) FROM return_line WHERE status = 'processed'"
        ).fetchone()[0]
        counts["closed RMAs"] = conn.execute("SELECT count(*) FROM return_order WHERE status = 'closed'").fetchone()[0]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rmas", type=int, default=1000, help="number of return orders")
    parser.add_argument("--lines-per", type=int, default=10, help="inspected lines per return order")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "returns.db"
        copy = Path(folder) / "returns-raw.db"
        began = time.perf_counter()
        counts = build(path, args.rmas, args.lines_per)
        shutil.copyfile(path, copy)
        print(
            f"set-up: {args.rmas} return orders with {counts['lines']} inspected lines in {time.perf_counter() - began:.1f} s"
        )
        env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": PROCESS_NOW}
        env.pop("CUSTSVC_DEBUG", None)
        env.pop("CUSTSVC_FORMAT", None)
        began = time.perf_counter()
        out = subprocess.run(
            custsvc("--format", "json", "return", "process", "--all"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        command = time.perf_counter() - began
        result = json.loads(out.stdout)
        began = time.perf_counter()
        raw_process(copy)
        raw = time.perf_counter() - began
        assert result["processed_lines"] == counts["lines"], (result["processed_lines"], counts["lines"])
        assert len(result["credit_notes"]) == counts["credited_rmas"], (len(result["credit_notes"]), counts)
        assert len(result["replacement_orders"]) == counts["replaced_rmas"], (len(result["replacement_orders"]), counts)
        assert not result["rejected"], result["rejected"][:3]
        made, baseline = row_counts(path), row_counts(copy)
        assert made == baseline, (made, baseline)
        print(
            f"  processed {result['processed_lines']} lines of {len(result['return_orders'])} return orders:"
            f" {len(result['credit_notes'])} credit notes, {len(result['replacement_orders'])} replacement orders,"
            f" {len(result['closed'])} closed"
        )
        print("  checked: both databases hold the same rows: " + ", ".join(f"{k} {v}" for k, v in made.items()))
        print(f"custsvc return process --all: {command:6.2f} s   (target: none stated; the ratio is the result)")
        print(f"raw sqlite3 inserts:          {raw:6.2f} s")
        print(f"ratio: {command / raw:.1f}x")


if __name__ == "__main__":
    main()
