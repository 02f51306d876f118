"""``custsvc customer show`` / ``object show`` on the demo shop: the sections under the record in
every format, and a bounded number of statements whatever the number of orders."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

SECTIONS = ["objects", "agreements", "open_orders", "subscriptions", "invoiced_this_year"]


def test_customer_show_nests_its_sections_in_json(demo):
    record = demo.json("customer", "show", "C-1001")
    assert record["name"] == "Rigas Maiznica SIA"
    assert list(record)[-len(SECTIONS) :] == SECTIONS
    assert [o["object"] for o in record["objects"]] == ["OBJ-0001", "OBJ-0002", "OBJ-0003"]
    assert record["agreements"] == [
        {"agreement": "AGR-1001", "group": "gold", "start": "2025-06-10", "end": "2027-06-10", "status": "active"}
    ]
    listed = demo.json("order", "list", "--customer", "C-1001", "--open")
    assert [o["order"] for o in record["open_orders"]] == [
        o["order"] for o in sorted(listed, key=lambda o: (o["service_date"], o["order"]))
    ]
    closed = {o["order"] for o in demo.json("order", "list", "--customer", "C-1001")} - {o["order"] for o in listed}
    assert closed and not closed & {o["order"] for o in record["open_orders"]}
    by_number = {o["order"]: o for o in listed}
    for shown in record["open_orders"]:
        full = by_number[shown["order"]]
        assert shown == {k: full[k] for k in ("order", "service_date", "stage", "priority", "sla_status", "assigned")}
    assert record["subscriptions"] == [
        {
            "subscription": "SUB-1001",
            "group": "monthly-support",
            "fee": "189.00",
            "currency": "EUR",
            "status": "active",
            "billed_through": "2026-02-28",
        }
    ]


def _this_year(demo, account):
    """What ``invoice list`` says the customer was invoiced this year (the demo's clock: 2026)."""
    rows = demo.json("invoice", "list")
    return sum(float(r["total"]) for r in rows if r["customer"] == account and r["date"] >= "2026-01-01")


def test_the_year_total_counts_this_year_only_and_a_credit_note_subtracts(demo):
    (before,) = demo.json("customer", "show", "C-1001")["invoiced_this_year"]
    assert (before["year"], before["currency"], before["credit_notes"]) == (2026, "EUR", 0)
    assert float(before["total"]) == pytest.approx(_this_year(demo, "C-1001"))
    assert float(before["total"]) < _this_year(demo, "C-1001") + 1627.84  # 2025's invoices are not in it
    invoice = next(r for r in demo.json("invoice", "list") if r["customer"] == "C-1001" and r["date"] >= "2026-01-01")
    demo("invoice", "credit", invoice["invoice"])
    (after,) = demo.json("customer", "show", "C-1001")["invoiced_this_year"]
    assert (after["invoices"], after["credit_notes"]) == (before["invoices"], 1)
    assert after["invoiced"] == before["invoiced"] and after["credited"] == invoice["total"]
    assert float(after["total"]) == pytest.approx(float(before["total"]) - float(invoice["total"]))


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown"])
def test_customer_show_prints_each_section_under_the_record(demo, fmt):
    text = demo("customer", "show", "C-1001", "--format", fmt, env={"COLUMNS": "200"}).stdout
    positions = [text.index(title) for title in ("objects", "agreements", "open orders", "subscriptions")]
    assert positions == sorted(positions) and text.index("Rigas Maiznica SIA") < positions[0]
    assert "invoiced this year" in text and "credit notes" in text
    assert "AGR-1001" in text and "SUB-1001" in text and "OBJ-0003" in text
    assert "{" not in text and "Decimal" not in text  # no Python reprs of the nested lists


def test_customer_show_csv_is_the_record_alone(demo):
    rows = list(csv.DictReader(io.StringIO(demo("customer", "show", "C-1001", "--format", "csv").stdout)))
    assert len(rows) == 1 and rows[0]["account"] == "C-1001"
    assert not set(rows[0]) & set(SECTIONS)


def test_object_show_lists_orders_by_header_and_by_line_newest_first(demo):
    by_line = demo("order", "create", "--customer", "C-1001", "--format", "plain").stdout.strip()
    demo("order", "line", "add", by_line, "--type", "fee", "--price", "10", "--object", "OBJ-0001")
    elsewhere = demo("order", "create", "--customer", "C-1001", "--format", "plain").stdout.strip()
    demo("order", "line", "add", elsewhere, "--type", "fee", "--price", "10", "--object", "OBJ-0002")
    record = demo.json("object", "show", "OBJ-0001")
    numbers = [o["order"] for o in record["orders"]]
    by_header = [o["order"] for o in demo.json("order", "list", "--object", "OBJ-0001")]
    assert set(numbers) == set(by_header) and by_line in numbers and elsewhere not in numbers
    assert numbers[0] == by_line  # the newest first
    created = {n: demo.json("order", "show", n)["created_at"] for n in numbers}
    assert [created[n] for n in numbers] == sorted(created.values(), reverse=True)
    first = record["orders"][0]
    assert first == {
        "order": by_line,
        "service_date": first["service_date"],
        "stage": "created",
        "customer": "C-1001",
        "total": "10.00",
        "progress": "in-process",
    }
    text = demo("object", "show", "OBJ-0001", "--format", "plain").stdout
    assert "orders:" in text and by_line in text and "in-process" in text


def test_show_help_says_what_is_under_the_record(demo):
    assert "open orders" in demo("customer", "show", "--help").stdout
    assert "newest first" in demo("object", "show", "--help").stdout


@contextmanager
def statements():
    """Every SQL statement any engine runs inside the block (the command opens its own)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _shown(demo, *args):
    with statements() as seen:
        demo(*args, "--format", "json")
    return len(seen)


def test_the_statement_count_does_not_grow_with_the_orders(demo):
    few = (_shown(demo, "customer", "show", "C-1001"), _shown(demo, "object", "show", "OBJ-0001"))
    for _ in range(12):
        number = demo("order", "create", "--customer", "C-1001", "--object", "OBJ-0001", "--format", "plain")
        demo("order", "line", "add", number.stdout.strip(), "--type", "fee", "--price", "5", "--object", "OBJ-0001")
    assert len(demo.json("customer", "show", "C-1001")["open_orders"]) >= 12
    many = (_shown(demo, "customer", "show", "C-1001"), _shown(demo, "object", "show", "OBJ-0001"))
    assert many == few
