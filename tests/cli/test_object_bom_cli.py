"""``custsvc bom`` for an object's own BOM, through the real commands: attach, changes with their
messages and exit codes, show at a version or time, history, diff, where, detach, and a round trip of
object BOMs through ``bom export`` and ``bom import`` in JSON and CSV; reading stays a few statements
whatever the length of the history."""

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
    cli("customer", "add", "C-2", "--name", "Cafe")
    cli("item", "add", "BOILER", "--name", "Boiler", "--price", "2000")
    cli("item", "add", "PUMP", "--name", "Pump", "--price", "189")
    cli("item", "add", "BURNER", "--name", "Burner", "--price", "450", "--serialized", "--warranty", "2y")
    for obj, customer in (("O-1", "C-1"), ("O-2", "C-1"), ("O-3", "C-2")):
        cli("object", "add", obj, "--customer", customer, "--item", "BOILER")
    cli("bom", "template", "add", "T", "--item", "BOILER")
    cli("bom", "template", "version", "add", "T", "v1", "--from", "2025-01-01")
    cli("bom", "template", "component", "add", "T", "v1", "--position", "pump", "--item", "PUMP")
    cli("bom", "template", "component", "add", "T", "v1", "--position", "burner", "--item", "BURNER")
    cli("config", "set", "sign_off_required", "no")
    return cli


def test_attach_change_and_read_back(shop):
    record = shop.json("bom", "attach", "O-1", "--template", "T", "--serial", "burner=B-1")
    assert (record["version"], record["template_version"]) == (1, "v1")
    assert [(c["position"], c["serial"]) for c in record["components"]] == [("burner", "B-1"), ("pump", None)]
    shop("stock", "receive", "BURNER", "--qty", "1", "--serial", "B-2")
    number = shop("order", "create", "--customer", "C-1", "--object", "O-1", "--format", "plain").stdout.strip()
    args = ("bom", "replace", "O-1", "burner", "--new-serial", "B-2", "--faulty", "--order", number, "--invoice")
    result = shop(*args)
    assert "O-1 burner: replaced, BURNER (B-1) -> BURNER (B-2); version 2 (order line 1 on" in result.stderr
    again = shop(*args)
    assert "holds BURNER (B-2) already; nothing changed" in again.stderr
    assert shop.json("order", "show", number)["lines"] == 1
    result = shop("bom", "set-qty", "O-1", "pump", "2", "--reason", "second circuit")
    assert "takes the shelf of PUMP to -1 pcs" in result.stderr
    history = shop.json("bom", "history", "O-1")
    assert [(h["version"], h["change"], h["order"]) for h in history] == [
        (1, "attach", None),
        (2, "replace", number),
        (3, "set-qty", None),
    ]
    assert shop.json("bom", "show", "O-1", "--version", "2")["components"][1]["qty"] == "1"
    at = shop.json("bom", "show", "O-1", "--at", history[1]["at"])
    assert at["version"] == 3  # the three changes share the command's time
    diff = shop.json("bom", "diff", "O-1", "1", "3")
    assert [(d["position"], d["old_serial"], d["new_serial"], d["new_qty"]) for d in diff] == [
        ("burner", "B-1", "B-2", "1"),
        ("pump", None, None, "2"),
    ]
    where = shop.json("bom", "where", "B-1")
    assert (where["location"], where["object"], where["places"][0]["left_change"]) == ("quarantine", None, "replace")
    assert "B-2" in shop("bom", "show", "O-1", "--format", "plain").stdout


def test_errors_are_one_line_with_their_exit_codes(shop):
    shop("bom", "attach", "O-1", "--template", "T", "--serial", "burner=B-1")
    cases = [
        (("bom", "attach", "O-1", "--template", "T"), 3, "BOM of service object 'O-1' exists already"),
        (("bom", "attach", "O-2", "--template", "T", "--serial", "burner=B-1"), 1, "installed in O-1"),
        (("bom", "attach", "O-2", "--template", "T", "--at", "2024-01-01"), 1, "no version in force"),
        (("bom", "show", "O-1", "--version", "4"), 1, "version 1 only"),
        (("bom", "show", "O-2"), 1, "no BOM of service object 'O-2'"),
        (("bom", "show", "O-1", "--at", "2026-01-01"), 1, "before the BOM of O-1 was attached"),
        (("bom", "show", "O-1", "--at", "2026-01-01", "--version", "1"), 2, "not both"),
        (("bom", "add", "O-1", "--position", "pump", "--item", "PUMP"), 3, "'pump' is taken"),
        (("bom", "set-qty", "O-1", "pump", "--", "-1"), 1, "invalid qty '-1'"),
        (("bom", "replace", "O-1", "pump", "--invoice"), 2, "--invoice needs --order"),
        (("bom", "remove", "O-1", "fan"), 1, "no position 'fan'"),
        (("bom", "where", "NOPE"), 1, "no serial 'NOPE'"),
    ]
    for args, code, text in cases:
        result = shop(*args, code=code)
        assert text in result.stderr and len(result.stderr.splitlines()) == 1, (args, result.stderr)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_object_boms_round_trip_through_export_and_import(shop, tmp_path, kind):
    shop("bom", "attach", "O-1", "--template", "T", "--serial", "burner=B-1")
    shop("bom", "attach", "O-2", "--template", "T")
    exported = shop("bom", "export", "--format", kind).stdout
    rows = json.loads(exported) if kind == "json" else list(csv.DictReader(io.StringIO(exported)))
    assert [(r["object"], r["position"]) for r in rows] == [
        ("O-1", "burner"),
        ("O-1", "pump"),
        ("O-2", "burner"),
        ("O-2", "pump"),
    ]
    shop("bom", "detach", "O-1")
    shop("bom", "detach", "O-2")
    assert shop.json("bom", "export") == []
    path = tmp_path / f"boms.{kind}"
    path.write_text(exported)
    assert "would attach 2 object BOMs with 4 components" in shop("bom", "import", str(path), "--dry-run").stderr
    shop("bom", "import", str(path))
    assert shop("bom", "export", "--format", kind).stdout == exported
    assert shop.json("bom", "where", "B-1")["location"] == "object:O-1"
    refused = shop("bom", "import", str(path), code=3)
    assert "2 problems in 4 rows; nothing was attached" in refused.stderr
    assert "row 3: BOM of service object 'O-2' exists already" in refused.stderr


def test_an_empty_export_has_its_header(shop):
    assert shop("bom", "export", "--format", "csv").stdout.splitlines() == [
        "object,template,template_version,version,position,item,qty,serial"
    ]


def _count(cli, *args):
    with statements() as seen:
        cli(*args, "--format", "json")
    return len(seen)


def test_reading_issues_the_same_statements_whatever_the_history(shop):
    shop("bom", "attach", "O-1", "--template", "T", "--serial", "burner=B-1")
    commands = [("bom", "show", "O-1", "--at", "2026-03-10T09:00"), ("bom", "where", "B-1"), ("bom", "history", "O-1")]
    few = [_count(shop, *c) for c in commands]
    for n in range(2, 9):
        shop("stock", "receive", "BURNER", "--qty", "1", "--serial", f"B-{n}")
        shop("bom", "replace", "O-1", "burner", "--new-serial", f"B-{n}")
        shop("bom", "set-qty", "O-1", "pump", str(n))
    shop("bom", "attach", "O-2", "--template", "T")
    shop("bom", "serial", "O-2", "burner", "B-1")  # back on the shelf since the first replace
    many = [_count(shop, *c) for c in commands]
    assert many == few
