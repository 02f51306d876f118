"""``custsvc stock``, ``custsvc serial`` and the item fields they use, through the real commands:
what they print, their errors and exit codes, round trips of items through CSV and JSON, posting an
order's item lines, and a bounded number of statements for the lists."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.test_customer_show_cli import statements
from tests.conftest import FIXED_NOW


@pytest.fixture
def shop(cli, monkeypatch):
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("object", "add", "O-1", "--customer", "C-1")
    cli("item", "add", "FILTER", "--name", "Air filter", "--price", "14.50", "--reorder-level", "10")
    cli("item", "add", "PUMP", "--name", "Pump", "--price", "189", "--serialized", "--warranty", "2y")
    cli("config", "set", "sign_off_required", "no")
    return cli


def test_item_fields_show_and_round_trip_through_csv_and_json(shop, tmp_path):
    record = shop.json("item", "show", "PUMP")
    assert (record["serialized"], record["warranty"], record["reorder_level"]) == (True, "24m", None)
    assert shop.json("item", "show", "FILTER")["reorder_level"] == "10"
    text = shop("item", "list", "--format", "csv").stdout
    rows = {r["item"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows["PUMP"]["serialized"], rows["PUMP"]["warranty"], rows["FILTER"]["serialized"]) == (
        "true",
        "24m",
        "false",
    )
    (tmp_path / "items.csv").write_text(text)
    shop("item", "import", str(tmp_path / "items.csv"), "--upsert")
    (tmp_path / "items.json").write_text(shop("item", "list", "--format", "json").stdout)
    shop("item", "import", str(tmp_path / "items.json"), "--upsert")
    assert shop.json("item", "show", "PUMP")["warranty"] == "24m"
    fresh = text.replace("PUMP,", "PUMP-2,").replace("FILTER,", "FILTER-2,")
    (tmp_path / "new.csv").write_text(fresh)
    shop("item", "import", str(tmp_path / "new.csv"))
    copy = shop.json("item", "show", "PUMP-2")
    assert (copy["serialized"], copy["warranty"]) == (True, "24m")
    assert shop.json("item", "show", "FILTER-2")["reorder_level"] == "10"
    listed = shop("item", "list", "--format", "plain").stdout
    assert "serialized" in listed.splitlines()[0] and "24m" in listed


def test_item_update_changes_the_new_fields(shop):
    record = shop.json("item", "update", "FILTER", "--warranty", "6 months", "--reorder-level", "")
    assert (record["warranty"], record["reorder_level"]) == ("6m", None)
    assert shop.json("item", "update", "FILTER", "--warranty", "")["warranty"] is None
    assert shop.json("item", "update", "FILTER", "--serialized")["serialized"] is True
    assert shop.json("item", "update", "FILTER", "--not-serialized")["serialized"] is False
    shop("stock", "receive", "FILTER", "--qty", "2")
    result = shop("item", "update", "FILTER", "--serialized", code=1)
    assert "the stock ledger has 1 movement of it" in result.stderr
    result = shop("item", "update", "FILTER", "--warranty", "forever", code=1)
    assert result.stderr.startswith("error: invalid warranty 'forever'")


def test_receive_adjust_move_and_list(shop):
    record = shop.json("stock", "receive", "FILTER", "--qty", "8", "--note", "delivery 4711")
    assert (record["qty"], record["on_hand"], record["to"]) == ("8", "8", "stock")
    assert shop.json("stock", "adjust", "FILTER", "--qty", "-2", "--reason", "count")["on_hand"] == "6"
    assert shop.json("stock", "adjust", "FILTER", "--qty=+1", "--reason", "found")["on_hand"] == "7"
    shop("stock", "move", "FILTER", "--qty", "2", "--from", "stock", "--to", "quarantine")
    rows = shop.json("stock", "list")
    assert [(r["location"], r["on_hand"], r["hint"]) for r in rows] == [
        ("stock", "5", "reorder 5"),
        ("quarantine", "2", None),
    ]
    assert shop.json("stock", "list", "--below", "5") == []
    assert [r["item"] for r in shop.json("stock", "list", "--below", "6")] == ["FILTER"]
    text = shop("stock", "list", "--format", "plain").stdout
    assert "reorder 5" in text and "quarantine" in text
    ledger = shop.json("stock", "ledger", "--item", "FILTER")
    assert [r["doc_type"] for r in ledger] == ["receive", "adjust", "adjust", "manual"]
    assert set(ledger[0]) == {"id", "at", "item", "serial", "qty", "from", "to", "doc_type", "doc", "actor", "note"}
    assert shop.json("stock", "ledger", "--from", "tomorrow") == []
    assert len(shop.json("stock", "ledger", "--from", "today", "--to", "today")) == 4
    empty = shop("stock", "ledger", "--item", "PUMP", "--format", "csv").stdout
    assert empty.strip() == "id,at,item,serial,qty,from,to,doc_type,doc,actor,note"
    assert shop("stock", "list", "--item", "PUMP", "--format", "csv").stdout.startswith("item,name,location")


def test_errors_are_one_line_with_their_exit_codes(shop):
    shop("stock", "receive", "PUMP", "--qty", "1", "--serial", "P-1")
    cases = [
        (
            ["stock", "receive", "PUMP", "--qty", "1", "--serial", "P-1"],
            3,
            "serial 'PUMP P-1' is known already (now in stock)",
        ),
        (["stock", "receive", "PUMP", "--qty", "2", "--serial", "P-2"], 1, "1 serial given"),
        (["stock", "receive", "FILTER", "--qty", "1", "--serial", "X"], 1, "not serialized"),
        (["stock", "receive", "GHOST", "--qty", "1"], 1, "GHOST"),
        (["stock", "receive", "FILTER", "--qty", "0"], 1, "invalid qty '0'"),
        (["stock", "adjust", "FILTER", "--qty", "0", "--reason", "x"], 1, "invalid qty '0'"),
        (["stock", "adjust", "PUMP", "--qty", "+1", "--reason", "x"], 1, "stock receive PUMP"),
        (
            ["stock", "move", "FILTER", "--qty", "1", "--from", "stock", "--to", "scrap"],
            1,
            "stock holds 0 pcs of FILTER",
        ),
        (["stock", "move", "FILTER", "--qty", "1", "--from", "shelf", "--to", "scrap"], 1, "invalid from 'shelf'"),
        (["serial", "show", "P-9"], 1, "P-9"),
    ]
    for args, code, text in cases:
        result = shop(*args, code=code)
        assert text in result.stderr and result.stderr.count("error:") == 1, (args, result.stderr)


def test_serial_show_and_list(shop):
    shop("stock", "receive", "PUMP", "--qty", "2", "--serial", "P-1", "--serial", "P-2")
    shop("stock", "move", "PUMP", "--qty", "1", "--from", "stock", "--to", "object:O-1", "--serial", "P-1")
    record = shop.json("serial", "show", "P-1")
    assert list(record) == [
        "item",
        "name",
        "serial",
        "location",
        "received_at",
        "in_service_on",
        "warranty",
        "warranty_end",
        "under_warranty",
        "movements",
        "installed",
        "repairs",
    ]
    assert (record["location"], record["in_service_on"], record["warranty_end"]) == (
        "object:O-1",
        "2026-03-10",
        "2028-03-10",
    )
    assert record["under_warranty"] is True and record["installed"] == []
    assert [(m["from"], m["to"]) for m in record["movements"]] == [("vendor", "stock"), ("stock", "object:O-1")]
    text = shop("serial", "show", "P-1", "--format", "plain").stdout
    assert "movements:" in text and "object:O-1" in text and "installed:" not in text
    units = shop.json("serial", "list", "--item", "PUMP")
    assert [(u["serial"], u["location"]) for u in units] == [("P-1", "object:O-1"), ("P-2", "stock")]
    assert [u["serial"] for u in shop.json("serial", "list", "--location", "stock")] == ["P-2"]


def _posted(cli, *args):
    number = cli("order", "create", "--customer", "C-1", "--format", "plain").stdout.strip()
    cli("order", "line", "add", number, "--type", "item", "--item", "FILTER", "--qty", "3")
    for stage in ("planned", "in-progress", "completed"):
        cli("order", "move", number, stage)
    return number, cli("order", "post", number, *args, code=None)


def test_posting_an_item_line_takes_it_from_the_shelf(shop):
    shop("stock", "receive", "FILTER", "--qty", "1")
    number, result = _posted(shop)
    assert result.exit_code == 0
    assert f"posting {number} takes the shelf of FILTER to -2 pcs" in result.stderr
    (row,) = [r for r in shop.json("stock", "ledger") if r["doc_type"] == "order"]
    assert (row["from"], row["to"], row["qty"], row["doc"]) == ("stock", "customer", "3", number)
    shop("config", "set", "negative_stock", "refuse")
    number, result = _posted(shop)
    assert result.exit_code == 1 and "which holds -2" in result.stderr and "stock-on-hand" in result.stderr
    assert shop("order", "post", number, "--force").exit_code == 0
    assert shop.json("stock", "list", "--item", "FILTER")[0]["on_hand"] == "-5"


def _count(cli, *args):
    with statements() as seen:
        cli(*args, "--format", "json")
    return len(seen)


def test_lists_issue_the_same_statements_whatever_the_rows(shop):
    shop("stock", "receive", "FILTER", "--qty", "5")
    shop("stock", "receive", "PUMP", "--qty", "1", "--serial", "P-0")
    commands = [("stock", "list"), ("stock", "ledger"), ("serial", "list"), ("serial", "show", "P-0")]
    few = [_count(shop, *c) for c in commands]
    for n in range(1, 8):
        shop("item", "add", f"PART-{n}", "--name", "Part", "--reorder-level", "3")
        shop("stock", "receive", f"PART-{n}", "--qty", "2")
        shop("stock", "move", f"PART-{n}", "--qty", "1", "--from", "stock", "--to", "scrap")
        shop("stock", "receive", "PUMP", "--qty", "1", "--serial", f"P-{n}")
    shop("stock", "move", "PUMP", "--qty", "1", "--from", "stock", "--to", "object:O-1", "--serial", "P-0")
    assert len(shop.json("stock", "list")) == 1 + 1 + 14
    assert json.loads(shop("stock", "ledger", "--format", "json").stdout)[-1]["serial"] == "P-0"
    many = [_count(shop, *c) for c in commands]
    assert many == few


def test_serial_update_sets_and_clears_the_units_own_warranty_end(shop):
    shop("stock", "receive", "PUMP", "--qty", "2", "--serial", "P-1", "--serial", "P-2")
    shop("stock", "move", "PUMP", "--qty", "1", "--from", "stock", "--to", "object:O-1", "--serial", "P-1")
    assert shop.json("serial", "show", "P-1")["warranty_end"] == "2028-03-10"  # in service today + 24 months
    result = shop("serial", "update", "P-1", "--warranty-until", "2029-01-31")
    assert (result.stdout, result.stderr) == ("", "PUMP P-1: warranty until 2029-01-31\n")
    assert shop.json("serial", "show", "P-1")["warranty_end"] == "2029-01-31"
    assert [u["warranty_end"] for u in shop.json("serial", "list", "--item", "PUMP")] == ["2029-01-31", None]
    # its own end counts even when it is shorter than the computed one
    record = shop.json("serial", "update", "P-1", "--warranty-until", "2026-01-01")
    assert record == {
        "item": "PUMP",
        "serial": "P-1",
        "location": "object:O-1",
        "in_service_on": "2026-03-10",
        "warranty": "24m",
        "warranty_end": "2026-01-01",
        "under_warranty": False,
        "warranty_set": True,
    }
    assert shop.json("serial", "update", "P-1", "--warranty-until", "+1y")["warranty_end"] == "2027-03-10"
    result = shop("serial", "update", "P-1", "--warranty-until", "")
    assert result.stderr == "PUMP P-1: warranty until 2028-03-10 (in service 2026-03-10 + 24m)\n"
    record = shop.json("serial", "show", "P-1")
    assert (record["warranty_end"], record["under_warranty"]) == ("2028-03-10", True)
    # a unit on the shelf: its own end, or none until it goes into service
    assert shop("serial", "update", "P-2", "--item", "PUMP", "--warranty-until", " ").stderr == (
        "PUMP P-2: no warranty end (not in service yet)\n"
    )
    record = shop.json("serial", "update", "P-2", "--warranty-until", "2027-12-31")
    assert (record["warranty_end"], record["under_warranty"], record["warranty_set"]) == ("2027-12-31", True, True)
    assert shop("--quiet", "serial", "update", "P-2", "--warranty-until", "2027-12-30").stderr == ""
    assert shop.json("serial", "show", "P-2")["warranty_end"] == "2027-12-30"


def test_serial_update_errors_are_one_line_and_write_nothing(shop):
    shop("item", "add", "PUMP-B", "--name", "Other pump", "--serialized", "--warranty", "1y")
    shop("stock", "receive", "PUMP", "--qty", "1", "--serial", "P-1")
    shop("stock", "receive", "PUMP-B", "--qty", "1", "--serial", "P-1")
    shop("serial", "update", "P-1", "--item", "PUMP", "--warranty-until", "2028-06-30")
    before = [shop.json("serial", "show", "P-1", "--item", item) for item in ("PUMP", "PUMP-B")]
    cases = [
        (["P-9", "--warranty-until", "2028-01-01"], 1, "no serial 'P-9'"),
        (["P-9", "--item", "PUMP", "--warranty-until", "2028-01-01"], 1, "no serial 'PUMP P-9'"),
        (["P-1", "--item", "GHOST", "--warranty-until", "2028-01-01"], 1, "no item 'GHOST'"),
        (["P-1", "--warranty-until", "2028-01-01"], 1, "is a serial of several items (PUMP, PUMP-B)"),
        (["P-1", "--item", "PUMP", "--warranty-until", "2028-02-30"], 1, "invalid warranty_until '2028-02-30'"),
        (["P-1", "--item", "PUMP", "--warranty-until", "soon"], 1, "invalid warranty_until 'soon'"),
        (["P-1", "--item", "PUMP", "--warranty-until", "9999-01-01"], 2, "invalid warranty_until '9999-01-01'"),
        (["P-1", "--item", "PUMP"], 2, "--warranty-until"),
    ]
    for args, code, text in cases:
        result = shop("serial", "update", *args, code=code)
        assert text in result.stderr and result.stderr.count("error:") == 1, (args, result.stderr)
        assert result.stdout == ""
    assert [shop.json("serial", "show", "P-1", "--item", item) for item in ("PUMP", "PUMP-B")] == before
    assert before[0]["warranty_end"] == "2028-06-30" and before[1]["warranty_end"] is None
