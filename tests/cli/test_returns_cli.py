"""``custsvc return`` through the real commands: reasons and dispositions, return orders with their
number on stdout and deadline, lines, the status machine, list filters and show; every refusal is one
``error:`` line with its exit code (1 domain, 2 usage, 3 conflict) and writes nothing."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.test_bad_input import differences, dump
from tests.conftest import FIXED_NOW


@pytest.fixture
def shop(cli, monkeypatch):
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    cli("config", "set", "timezone", "Europe/Riga")
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("customer", "add", "C-2", "--name", "Cafe")
    cli("item", "add", "VALVE", "--name", "Valve", "--price", "96.40")
    cli("item", "add", "FILTER", "--name", "Filter", "--price", "12.35")
    return cli


def create(cli, *args, now=None):
    clock = ("--now", now) if now else ()
    return cli(*clock, "return", "create", *args, "--format", "plain").stdout.strip()


def with_line(cli, customer="C-1", *args, now=None):
    rma = create(cli, "--customer", customer, *args, now=now)
    clock = ("--now", now) if now else ()
    cli(*clock, "return", "line", "add", rma, "--item", "VALVE", "--qty", "1")
    return rma


def refused(cli, db_url, args, code, message):
    """The command fails with exactly ``message`` as its one line, and the database stays as it was."""
    before = dump(db_url)
    result = cli(*args, code=code)
    assert result.stderr == message + "\n", result.stderr
    assert result.stdout == ""
    assert differences(before, dump(db_url)) == []


# --- reasons and dispositions ------------------------------------------------------------------------


def test_reason_commands(shop, db_url):
    assert (
        shop("return", "reason", "add", "damaged", "--description", "Damaged").stderr == "added return reason damaged\n"
    )
    assert [r["code"] for r in shop.json("return", "reason", "list")] == [
        "damaged",
        "defective",
        "for-repair",
        "not-needed",
        "wrong-item",
    ]
    assert shop.json("return", "reason", "update", "damaged", "--description", "Broken in transit") == {
        "code": "damaged",
        "description": "Broken in transit",
    }
    refused(shop, db_url, ["return", "reason", "add", "damaged", "--description", "x"], 3,
            "error: return reason 'damaged' already exists")  # fmt: skip
    assert shop("return", "reason", "remove", "damaged").stderr == "removed return reason damaged\n"
    refused(shop, db_url, ["return", "reason", "remove", "damaged"], 1, "error: no return reason 'damaged'")
    refused(shop, db_url, ["return", "reason", "add", "bad code", "--description", "x"], 1,
            "error: invalid code 'bad code': use 1-64 letters, digits and . _ - : / @ + (starting with a letter or "
            "digit), no spaces")  # fmt: skip
    refused(shop, db_url, ["return", "reason", "add", "x"], 2, "error: missing option '--description'")


def test_a_reason_in_use_stays(shop, db_url):
    rma = create(shop, "--customer", "C-1", "--reason", "defective")
    shop("return", "line", "add", rma, "--item", "VALVE", "--qty", "1")
    refused(shop, db_url, ["return", "reason", "remove", "defective"], 1,
            "error: return reason defective is used by 1 return order and 1 return line; it cannot be removed "
            "(rule: reason-in-use)")  # fmt: skip


def test_disposition_commands(shop, db_url):
    result = shop("return", "disposition", "add", "refurbish", "--action", "repair", "--description", "Refurbished")
    assert result.stderr == "added return disposition refurbish (repair)\n"
    assert [d["code"] for d in shop.json("return", "disposition", "list", "--action", "repair")] == [
        "refurbish",
        "repair",
    ]
    table = shop("return", "disposition", "list", "--format", "plain").stdout
    assert "return-to-customer" in table and "Refurbished" in table
    assert shop.json("return", "disposition", "update", "refurbish", "--action", "SCRAP")["action"] == "scrap"
    refused(shop, db_url, ["return", "disposition", "add", "burn", "--action", "burn", "--description", "x"], 2,
            "error: invalid --action 'burn': must be one of credit, credit-only, scrap, replace-credit, replace-scrap, "
            "return-to-customer or repair")  # fmt: skip
    refused(shop, db_url, ["return", "disposition", "add", "credit", "--action", "credit", "--description", "x"], 3,
            "error: return disposition 'credit' already exists")  # fmt: skip
    refused(shop, db_url, ["return", "disposition", "update", "nope", "--description", "x"], 1,
            "error: no return disposition 'nope'")  # fmt: skip
    assert shop("return", "disposition", "remove", "refurbish").stderr == "removed return disposition refurbish\n"


# --- return orders -----------------------------------------------------------------------------------


def test_create_prints_the_number_and_the_deadline(shop):
    result = shop("return", "create", "--customer", "C-1", "--reason", "wrong-item", "--format", "plain")
    assert result.stdout == "RMA-000001\n"
    assert result.stderr == "return order RMA-000001 for C-1, goods due by 2026-06-08\n"
    record = shop.json("--now", "2026-05-01T09:00", "return", "create", "--customer", "C-2", "--note", "Leaks")
    assert {k: record[k] for k in ("rma", "status", "validity_days", "deadline", "note", "lines")} == {
        "rma": "RMA-000002",
        "status": "created",
        "validity_days": 90,
        "deadline": "2026-07-30",
        "note": "Leaks",
        "lines": 0,
    }
    shop("config", "set", "return_validity_days", "30")
    assert shop.json("return", "create", "--customer", "C-1")["deadline"] == "2026-04-09"
    assert shop.json("return", "create", "--customer", "C-1", "--validity", "7")["deadline"] == "2026-03-17"


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--customer", "C-9"], 1, "error: no customer 'C-9'"),
        (["--customer", "C-1", "--reason", "nope"], 1, "error: no return reason 'nope'"),
        (["--customer", "C-1", "--validity", "0"], 1,
         "error: invalid validity '0': expected a number of days from 1 to 3650"),
        (["--customer", "C-1", "--validity", "3651"], 1,
         "error: invalid validity '3651': expected a number of days from 1 to 3650"),
        (["--customer", "C-1", "--validity", "ten"], 2, "error: invalid --validity 'ten': must be a whole number"),
        (["--customer", "C-1", "--note", "two\nlines"], 1,
         "error: invalid note 'two\\nlines': must be one line of text, without control characters"),
        ([], 2, "error: missing option '--customer'"),
    ],
)  # fmt: skip
def test_create_refusals_write_nothing(shop, db_url, args, code, message):
    refused(shop, db_url, ["return", "create", *args], code, message)


def test_line_add_prints_the_line_number(shop, db_url):
    rma = create(shop, "--customer", "C-1", "--reason", "defective")
    result = shop("return", "line", "add", rma, "--item", "VALVE", "--qty", "2", "--format", "plain")
    assert (result.stdout, result.stderr) == ("1\n", f"return line {rma}/1: 2 VALVE expected\n")
    record = shop.json("return", "line", "add", rma, "--item", "FILTER", "--qty", "1", "--price", "10")
    assert {k: record[k] for k in ("line", "item", "quantity", "price", "reason", "status")} == {
        "line": 2,
        "item": "FILTER",
        "quantity": "1",
        "price": "10.00",
        "reason": "defective",
        "status": "expected",
    }
    refused(shop, db_url, ["return", "line", "add", rma, "--item", "GHOST", "--qty", "1"], 1, "error: no item 'GHOST'")
    refused(shop, db_url, ["return", "line", "add", "RMA-000009", "--item", "VALVE", "--qty", "1"], 1,
            "error: no return order 'RMA-000009'")  # fmt: skip
    refused(shop, db_url, ["return", "line", "add", rma, "--item", "VALVE", "--qty", "1", "--invoice-line", "one"], 2,
            "error: invalid --invoice-line 'one': must be a whole number")  # fmt: skip
    refused(shop, db_url, ["return", "line", "add", rma, "--item", "VALVE"], 2, "error: missing option '--qty'")


def test_the_status_machine(shop, db_url):
    rma = create(shop, "--customer", "C-1")
    refused(
        shop,
        db_url,
        ["return", "open", rma],
        1,
        f"error: {rma} has no lines: add lines first (rule: return-needs-lines)",
    )
    refused(shop, db_url, ["return", "close", rma], 1,
            f"error: {rma} is created: only an open return order closes (rule: return-closes-when-open)")  # fmt: skip
    shop("return", "line", "add", rma, "--item", "VALVE", "--qty", "1")
    shop("return", "line", "add", rma, "--item", "FILTER", "--qty", "3")
    assert shop("return", "open", rma).stderr == f"opened {rma}: goods expected by 2026-06-08\n"
    refused(shop, db_url, ["return", "open", rma], 1,
            f"error: {rma} is open: only a created return order opens (rule: return-opens-once)")  # fmt: skip
    refused(shop, db_url, ["return", "cancel", rma], 1,
            f"error: {rma} is open: only a created return order can be canceled (rule: return-cancel-while-created)")  # fmt: skip
    refused(shop, db_url, ["return", "close", rma], 1,
            f"error: {rma} has open lines: 1 (expected), 2 (expected); finish them, or close with --reason to mark "
            "them lost (rule: return-lines-finished)")  # fmt: skip
    refused(shop, db_url, ["return", "close", rma, "--reason", "\x1b]0;pwned\x07"], 1,
            "error: invalid reason '\\x1b]0;pwned\\x07': must be one line of text, without control characters")  # fmt: skip
    result = shop("return", "close", rma, "--reason", "Customer kept them")
    assert result.stderr == f"closed {rma} (2 lines lost)\n"
    record = shop.json("return", "show", rma)
    assert (record["status"], record["close_reason"], record["closed_at"]) == (
        "closed",
        "Customer kept them",
        "2026-03-10T09:00:00+02:00",
    )
    assert [line["status"] for line in record["lines"]] == ["lost", "lost"]


def test_cancel_while_created(shop, db_url):
    rma = create(shop, "--customer", "C-1")
    assert shop("return", "cancel", rma).stderr == f"canceled {rma}\n"
    refused(shop, db_url, ["return", "cancel", rma], 1,
            f"error: {rma} is canceled: only a created return order can be canceled (rule: return-cancel-while-created)")  # fmt: skip
    refused(shop, db_url, ["return", "line", "add", rma, "--item", "VALVE", "--qty", "1"], 1,
            f"error: {rma} is canceled: it takes no more lines (rule: return-takes-lines)")  # fmt: skip
    assert shop.json("return", "show", rma)["status"] == "canceled"


def test_status_changes_print_the_record_as_json(shop):
    rma = with_line(shop)
    record = shop.json("return", "open", rma)
    assert (record["rma"], record["status"], record["lines"][0]["item"]) == (rma, "open", "VALVE")


# --- list and show -----------------------------------------------------------------------------------


def test_list_filters_and_formats(shop, db_url):
    old = with_line(shop, "C-1", "--validity", "10", now="2026-01-05T09:00")
    shop("--now", "2026-01-05T10:00", "return", "open", old)
    fresh = with_line(shop, "C-2", now="2026-03-01T09:00")
    shop("return", "open", fresh)
    created = create(shop, "--customer", "C-2")

    def numbers(*args):
        return [r["rma"] for r in shop.json("return", "list", *args)]

    assert numbers() == [old, fresh, created]
    assert numbers("--status", "open") == [old, fresh]
    assert numbers("--status", "Created") == [created]
    assert numbers("--customer", "C-2") == [fresh, created]
    assert numbers("--overdue") == [old]
    assert numbers("--from", "2026-03-01") == [fresh, created]
    assert numbers("--from", "2026-01-01", "--to", "2026-02-28") == [old]
    assert numbers("--to", "-10d") == [old]
    assert numbers("--to", "-9d") == [old, fresh]
    rows = list(csv.DictReader(io.StringIO(shop("return", "list", "--format", "csv").stdout)))
    assert [(r["rma"], r["overdue"], r["lines"], r["open_lines"]) for r in rows] == [
        (old, "true", "1", "1"),
        (fresh, "false", "1", "1"),
        (created, "false", "0", "0"),
    ]
    plain = shop("return", "list", "--format", "plain").stdout
    assert old in plain and "open lines" in plain
    empty = shop("return", "list", "--status", "closed", "--format", "csv")
    assert empty.stdout.startswith("rma,customer,reason,status,validity_days,deadline,overdue")
    assert shop("return", "list", "--status", "closed", "--format", "plain").stderr == "no return orders\n"
    refused(shop, db_url, ["return", "list", "--status", "dormant"], 2,
            "error: invalid --status 'dormant': must be one of created, open, closed or canceled")  # fmt: skip
    refused(shop, db_url, ["return", "list", "--customer", "C-9"], 1, "error: no customer 'C-9'")
    refused(shop, db_url, ["return", "list", "--from", "2026-03-01", "--to", "2026-01-01"], 1,
            "error: invalid to '2026-01-01': is before --from 2026-03-01")  # fmt: skip


def test_show_prints_the_header_and_the_lines(shop, db_url):
    rma = with_line(shop, "C-1", "--reason", "wrong-item")
    text = shop("return", "show", rma, "--format", "plain").stdout
    assert rma in text and "wrong-item" in text and "VALVE" in text and "lines" in text
    assert f"return order {rma}" in shop("return", "show", rma, "--format", "table").stdout
    record = shop.json("return", "show", rma)
    assert (record["deadline"], record["overdue"], record["open_lines"], len(record["lines"])) == (
        "2026-06-08",
        False,
        1,
        1,
    )
    shop("return", "open", rma)
    assert shop.json("--now", "2026-06-09T09:00", "return", "show", rma)["overdue"] is True
    refused(shop, db_url, ["return", "show", "RMA-000404"], 1, "error: no return order 'RMA-000404'")


def test_a_line_returns_a_demo_invoice_line(demo):
    rma = demo("return", "create", "--customer", "C-1001", "--format", "plain").stdout.strip()
    assert rma.startswith("RMA-")
    record = demo.json("return", "line", "add", rma, "--item", "FILTER-G4", "--qty", "2", "--invoice", "INV-000152",
                       "--invoice-line", "2")  # fmt: skip
    assert (record["price"], record["amount"], record["invoice"], record["invoice_line"]) == (
        "14.50",
        "29.00",
        "INV-000152",
        2,
    )
    result = demo("return", "line", "add", rma, "--item", "FILTER-G4", "--qty", "1", "--invoice", "INV-000152",
                  "--invoice-line", "2", code=1)  # fmt: skip
    assert len(result.stderr.splitlines()) == 1 and "0 of it can still be returned, not 1" in result.stderr
