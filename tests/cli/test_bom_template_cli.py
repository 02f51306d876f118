"""`custsvc bom template`: templates, versions and components on the demo shop; show, diff and list;
export and import round trips (JSON and CSV) into a fresh database; bounded statement counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_customer_show_cli import statements


def build(cli, template: str = "VB-35", item: str = "BOILER-35") -> None:
    """Demo-like: two versions, the second copied from the first and changed."""
    cli("bom", "template", "add", template, "--item", item, "--description", "Gas condensing boiler")
    cli("bom", "template", "version", "add", template, "v1", "--from", "2025-01-01", "--to", "2025-12-31")
    cli("bom", "template", "component", "add", template, "v1", "--position", "pump", "--item", "PUMP-CIRC")
    cli("bom", "template", "component", "add", template, "v1", "--position", "ignition", "--item", "IGNITION-EL",
        "--qty", "2", "--note", "pair")  # fmt: skip
    cli("bom", "template", "version", "add", template, "v2", "--from", "2026-01-01", "--copy-from", "v1")
    cli("bom", "template", "component", "update", template, "v2", "pump", "--note", "high-efficiency")
    cli("bom", "template", "component", "add", template, "v2", "--position", "valve", "--item", "VALVE-3W")
    cli("bom", "template", "component", "remove", template, "v2", "ignition")


def test_show_the_version_in_force_as_one_json_object(demo):
    build(demo)
    record = demo.json("bom", "template", "show", "VB-35")
    assert {k: record[k] for k in ("template", "item", "version", "from", "to", "status", "objects")} == {
        "template": "VB-35",
        "item": "BOILER-35",
        "version": "v2",
        "from": "2026-01-01",
        "to": None,
        "status": "in force",
        "objects": 0,
    }
    assert record["components"] == [
        {
            "position": "pump",
            "item": "PUMP-CIRC",
            "item_name": "Circulation pump",
            "qty": "1",
            "note": "high-efficiency",
        },
        {"position": "valve", "item": "VALVE-3W", "item_name": "Three-way mixing valve", "qty": "1", "note": None},
    ]
    old = demo.json("bom", "template", "show", "VB-35", "--at", "2025-06-01")
    assert (old["version"], old["status"]) == ("v1", "expired")
    assert [c["position"] for c in old["components"]] == ["ignition", "pump"]
    text = demo("bom", "template", "show", "VB-35", "--version", "v1", "--format", "plain").stdout
    assert "Ignition electrode" in text and "expired" in text
    demo("bom", "template", "show", "VB-35", "--version", "v1", "--at", "today", code=2)


def test_list_and_diff(demo):
    build(demo)
    demo("bom", "template", "add", "EMPTY", "--item", "BOILER-24")
    rows = [r for r in demo.json("bom", "template", "list") if r["template"] in MINE]  # besides the demo's
    assert [(r["template"], r["versions"], r["in_force"]) for r in rows] == [("EMPTY", 0, None), ("VB-35", 2, "v2")]
    diff = demo.json("bom", "template", "diff", "VB-35", "v1", "v2")
    assert [(d["position"], d["change"], d["old_item"], d["new_item"], d["old_qty"], d["new_qty"]) for d in diff] == [
        ("ignition", "removed", "IGNITION-EL", None, "2", None),
        ("pump", "changed", "PUMP-CIRC", "PUMP-CIRC", "1", "1"),
        ("valve", "added", None, "VALVE-3W", None, "1"),
    ]
    assert diff[1]["old_note"] is None and diff[1]["new_note"] == "high-efficiency"
    same = demo("bom", "template", "diff", "VB-35", "v2", "v2")
    assert "no differences" in same.stderr


def test_errors_exit_codes_and_nothing_written(demo):
    build(demo)
    assert demo("bom", "template", "add", "VB-35", "--item", "BOILER-35", code=3).stderr.startswith(
        "error: bom template"
    )
    overlap = demo(
        "bom", "template", "version", "add", "VB-35", "v3", "--from", "2025-06-01", "--to", "2025-06-30", code=1
    )
    assert "overlaps version v1 (2025-01-01 to 2025-12-31)" in overlap.stderr
    backwards = demo(
        "bom", "template", "version", "add", "VB-35", "v3", "--from", "2030-02-01", "--to", "2030-01-01", code=1
    )
    assert "invalid to '2030-01-01'" in backwards.stderr
    position = demo(
        "bom", "template", "component", "add", "VB-35", "v2", "--position", "pump", "--item", "VALVE-3W", code=3
    )
    assert "position 'pump' is taken" in position.stderr
    demo(
        "bom",
        "template",
        "component",
        "add",
        "VB-35",
        "v2",
        "--position",
        "x",
        "--item",
        "VALVE-3W",
        "--qty",
        "0",
        code=1,
    )
    assert len(demo.json("bom", "template", "show", "VB-35")["components"]) == 2


def test_version_update_to_empty_is_open_ended(demo):
    build(demo)
    demo("bom", "template", "version", "update", "VB-35", "v2", "--to", "2026-12-31")
    assert demo.json("bom", "template", "show", "VB-35")["to"] == "2026-12-31"
    record = demo.json("bom", "template", "version", "update", "VB-35", "v2", "--to", "")
    assert record["to"] is None
    demo("bom", "template", "version", "update", "VB-35", "v2", code=2)
    demo("bom", "template", "version", "update", "VB-35", "v2", "--from", "2025-12-31", code=1)


def test_remove_version_and_template(demo):
    build(demo)
    demo("bom", "template", "version", "remove", "VB-35", "v2")
    assert _mine(demo)[0]["versions"] == 1
    demo("bom", "template", "remove", "VB-35")
    assert _mine(demo) == []
    demo("bom", "template", "remove", "VB-35", code=1)


#: the templates these tests make (the demo shop has its own: VB24, VB35, HPW9, CH40, ACS5)
MINE = ("EMPTY", "VB-24", "VB-35")


def _mine(demo) -> list[dict]:
    return [r for r in demo.json("bom", "template", "list") if r["template"] in MINE]


def _fresh(demo, tmp_path: Path) -> str:
    """A new database holding the demo's items only."""
    path = str(tmp_path / "fresh.db")
    demo("--db", path, "db", "init")
    items = tmp_path / "items.csv"
    items.write_text(demo("item", "list", "--format", "csv").stdout)
    demo("--db", path, "item", "import", str(items))
    return path


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_export_import_round_trip(demo, tmp_path, kind):
    build(demo)
    build(demo, "VB-24", "BOILER-24")
    demo("bom", "template", "add", "EMPTY", "--item", "HP-AW-9")
    demo("bom", "template", "version", "add", "EMPTY", "2026", "--from", "2026-01-01")
    exported = demo("bom", "template", "export", *MINE, "--format", kind).stdout
    assert len(exported.splitlines()) > 8
    file = tmp_path / f"templates.{kind}"
    file.write_text(exported)
    fresh = _fresh(demo, tmp_path)
    dry = json.loads(
        demo("--db", fresh, "bom", "template", "import", str(file), "--dry-run", "--format", "json").stdout
    )
    assert dry["dry_run"] and (dry["templates"], dry["versions"], dry["components"]) == (3, 5, 8)
    assert demo("--db", fresh, "bom", "template", "list", "--format", "json").stdout.strip() == "[]"
    summary = json.loads(demo("--db", fresh, "bom", "template", "import", str(file), "--format", "json").stdout)
    assert (summary["templates"], summary["versions"], summary["components"]) == (3, 5, 8)
    assert demo("--db", fresh, "bom", "template", "export", "--format", kind).stdout == exported
    again = demo("--db", fresh, "bom", "template", "import", str(file))
    assert "0 templates, 0 versions and 0 components new; 5 versions unchanged, skipped" in again.stderr
    assert demo("--db", fresh, "bom", "template", "export", "--format", kind).stdout == exported


def test_import_lists_every_problem_and_writes_nothing(demo, tmp_path):
    build(demo)
    file = tmp_path / "bad.csv"
    file.write_text(
        "template,item,version,from,to,position,component,qty\n"
        "NEW,BOILER-24,a,2026-01-01,,pump,PUMP-CIRC,1\n"
        "NEW,BOILER-24,a,2026-01-01,,pump,VALVE-3W,1\n"
        "VB-35,BOILER-35,v9,2026-06-01,,pump,GHOST,1\n"
        "VB-35,BOILER-35,v1,2025-01-01,2025-12-31,pump,VALVE-3W,1\n"
    )
    result = demo("bom", "template", "import", str(file), code=1)
    lines = result.stderr.splitlines()
    assert lines[0] == "error: 4 problems in 4 bom template rows; nothing was imported"
    assert [line.split(":")[1].strip() for line in lines[1:]] == ["row 2", "row 3", "row 3", "row 4"]
    assert "v9" in result.stderr and "GHOST" in result.stderr
    assert [r["template"] for r in _mine(demo)] == ["VB-35"]
    assert "NEW" not in {r["template"] for r in demo.json("bom", "template", "list")}


def test_import_of_a_file_with_another_header_is_refused(demo, tmp_path):
    file = tmp_path / "customers.csv"
    file.write_text("account,name\nC-7001,Someone\n")
    result = demo("bom", "template", "import", str(file), code=1)
    assert "invalid column 'account'" in result.stderr


def _count(demo, *args: str) -> int:
    with statements() as seen:
        demo(*args, "--format", "json")
    return len(seen)


def test_statement_counts_do_not_grow_with_templates_or_components(demo):
    build(demo)
    commands = [("bom", "template", "list"), ("bom", "template", "export"), ("bom", "template", "show", "VB-35")]
    few = [_count(demo, *c) for c in commands]
    for n in range(6):
        build(demo, f"T-{n}", "BOILER-24")
        demo("bom", "template", "component", "add", "VB-35", "v2", "--position", f"R{n}", "--item", "FILTER-G4")
    many = [_count(demo, *c) for c in commands]
    assert many == few
    assert len(demo.json("bom", "template", "show", "VB-35")["components"]) == 8
