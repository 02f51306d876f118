"""custsvc export / import: the whole shop as a bundle, round trip and checks."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXED_NOW, PG_SERVER, Cli, _new_database


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _new_db(template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from custsvc import db

    db.dispose_engines()
    url, cleanup = _new_database(template_db, tmp_path)
    monkeypatch.setenv("CUSTSVC_DB", url)
    return cleanup


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_the_demo_shop_goes_out_and_back_in_byte_for_byte(
    demo: Cli, template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    out = demo.json("export", str(first), "--bundle-format", kind)
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["format"] == kind and manifest["schema_revision"]
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts["service_order"] > 50 and counts["invoice"] > 10 and counts["team"] and counts["worker"]
    assert out["rows"] == sum(counts.values())
    # teams name workers as owners and workers name their teams: the cycle is loaded in two steps
    assert list(counts).index("worker") < list(counts).index("team")
    cleanup = _new_db(template_db, tmp_path, monkeypatch)
    try:
        loaded = demo.json("import", str(first))
        assert loaded["created"] == sum(counts.values()) and loaded["updated"] == 0
        demo("export", str(second), "--bundle-format", kind)
        assert _files(first) == _files(second)
        again = demo.json("import", str(first), "--upsert")
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, sum(counts.values()))
        demo("import", str(first), code=1)  # not into a database with data without --upsert
    finally:
        cleanup()


def _rewrite(path: Path, change: Any) -> None:
    with path.open(newline="", encoding="utf-8") as source:
        rows = list(csv.reader(source))
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)


def test_a_broken_bundle_reports_every_problem_and_writes_nothing(
    demo: Cli, template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bundle"
    demo("export", str(folder))
    header = (folder / "service_object.csv").read_text().splitlines()[0].split(",")
    at = header.index("customer")

    def broken_reference(rows: list[list[str]]) -> list[list[str]]:
        rows[2][at] = "C-NOPE"
        return rows

    _rewrite(folder / "service_object.csv", broken_reference)
    owner = (folder / "team.csv").read_text().splitlines()[0].split(",").index("owner")

    def no_such_owner(rows: list[list[str]]) -> list[list[str]]:  # checked once workers are read
        rows[1][owner] = "W-NOPE"
        return rows

    _rewrite(folder / "team.csv", no_such_owner)
    _rewrite(folder / "customer.csv", lambda rows: [*rows, rows[1]])  # a duplicate of data row 1
    _rewrite(folder / "order_stage_log.csv", lambda rows: [*rows[:3], rows[3][:2], *rows[4:]])  # a ragged row 3
    cleanup = _new_db(template_db, tmp_path, monkeypatch)
    try:
        before = demo.json("customer", "list")
        errors = tmp_path / "rejected.csv"
        result = demo("import", str(folder), "--errors", str(errors), code=1)
        text = result.stderr
        assert "4 problems" in text and "nothing was imported" in text
        assert "service_object.csv row 2: customer 'C-NOPE': no such customer" in text
        customers = len((folder / "customer.csv").read_text().splitlines()) - 1
        assert f"customer.csv row {customers}: customer " in text and "repeats row 1" in text
        assert "order_stage_log.csv row 3: has 2 values" in text
        assert demo.json("customer", "list") == before == []
        rejected = list(csv.DictReader(errors.open(encoding="utf-8")))
        assert [(r["file"], r["row"]) for r in rejected] == [
            ("customer.csv", str(customers)),
            ("order_stage_log.csv", "3"),
            ("service_object.csv", "2"),
            ("team.csv", "1"),
        ]
        assert rejected[2]["customer"] == "C-NOPE" and "no such customer" in rejected[2]["error"]
        assert rejected[3]["owner"] == "W-NOPE" and "no such worker" in rejected[3]["error"]
        demo("import", str(folder), "--dry-run", code=1)
    finally:
        cleanup()


def test_an_unknown_column_an_encoding_and_a_delimiter(
    demo: Cli, template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bundle"
    demo("export", str(folder))
    _rewrite(folder / "item.csv", lambda rows: [[*rows[0], "colour"], *[[*r, "red"] for r in rows[1:]]])
    cleanup = _new_db(template_db, tmp_path, monkeypatch)
    try:
        assert "item.csv: unknown column 'colour'" in demo("import", str(folder), code=1).stderr
        _rewrite(folder / "item.csv", lambda rows: [r[:-1] for r in rows])
        assert "not an encoding" in demo("import", str(folder), "--encoding", "klingon", code=2).stderr
        text = (folder / "customer.csv").read_text(encoding="utf-8")
        (folder / "customer.csv").write_bytes(text.replace(",", ";").encode("cp1252", errors="replace"))
        assert "customer.csv" in demo("import", str(folder), code=1).stderr
    finally:
        cleanup()


def test_upsert_updates_only_the_rows_that_differ_and_keeps_the_others_updated_at(demo: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    demo("export", str(folder))
    header = (folder / "customer.csv").read_text().splitlines()[0].split(",")
    name, stamp = header.index("name"), header.index("updated_at")
    rows = list(csv.reader((folder / "customer.csv").open(newline="", encoding="utf-8")))
    key, unchanged_stamp = rows[1][0], rows[2][stamp]
    _rewrite(
        folder / "customer.csv",
        lambda rows: [rows[0], [*rows[1][:name], "Renamed Ltd", *rows[1][name + 1 :]], *rows[2:]],
    )
    result = demo.json("import", str(folder), "--upsert")
    assert result["tables"]["customer"] == {"created": 0, "updated": 1, "unchanged": len(rows) - 2}
    assert (result["created"], result["updated"]) == (0, 1)
    shown = demo.json("customer", "show", key)
    assert shown["name"] == "Renamed Ltd" and shown["updated_at"].startswith("2026-03-10")
    other = demo.json("customer", "show", rows[2][0])
    assert (other["updated_at"] or "")[:10] == unchanged_stamp[:10]


@pytest.mark.skipif(not PG_SERVER, reason="needs a PostgreSQL server: set CUSTSVC_TEST_PG")
def test_the_demo_shop_moves_from_sqlite_to_postgresql_byte_for_byte(
    template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custsvc import db

    cli = Cli()
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    monkeypatch.setenv("CUSTSVC_DB", str(tmp_path / "shop.db"))  # a shop on SQLite
    cli("--quiet", "demo")
    for kind in ("csv", "json"):
        cli("export", str(tmp_path / f"sqlite-{kind}"), "--bundle-format", kind)
    db.dispose_engines()
    cleanup = _new_db(template_db, tmp_path, monkeypatch)  # on the PostgreSQL server
    try:
        assert os.environ["CUSTSVC_DB"].startswith("postgresql")
        loaded = cli.json("import", str(tmp_path / "sqlite-csv"))
        assert loaded["created"] > 3000 and loaded["updated"] == 0
        for kind in ("csv", "json"):
            cli("export", str(tmp_path / f"pg-{kind}"), "--bundle-format", kind)
            assert _files(tmp_path / f"sqlite-{kind}") == _files(tmp_path / f"pg-{kind}")
        assert cli.json("order", "list", "--open") != []  # the moved shop works on PostgreSQL
    finally:
        cleanup()


def test_every_table_is_in_one_kind_and_kinds_refer_only_to_earlier_ones() -> None:
    from custsvc.services.bundle.groups import KINDS
    from custsvc.services.bundle.layout import shapes

    kind_of = {table: kind for kind, tables in KINDS.items() for table in tables}
    assert sum(len(tables) for tables in KINDS.values()) == len(kind_of)  # none in two kinds
    assert set(kind_of) == set(shapes())
    order = list(KINDS)
    later = [
        f"{name}.{'/'.join(ref.fields)} -> {ref.target}"
        for name, shape in shapes().items()
        for ref in shape.refs
        if order.index(kind_of[ref.target]) > order.index(kind_of[name])
    ]
    assert later == []


def test_the_shop_moves_kind_by_kind_and_arrives_the_same(
    demo: Cli, template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custsvc.services.bundle.groups import KINDS

    demo("export", str(tmp_path / "whole"))
    for kind in KINDS:
        demo("export", str(tmp_path / kind), "--only", kind)
    manifest = json.loads((tmp_path / "order" / "manifest.json").read_text())
    assert manifest["kinds"] == ["order"] and {t["table"] for t in manifest["tables"]} == set(KINDS["order"])
    cleanup = _new_db(template_db, tmp_path, monkeypatch)
    try:
        orders = demo("import", str(tmp_path / "order"), code=1)  # before the customers, objects ... it names
        assert "no such worker in the bundle or the database" in orders.stderr
        for kind in KINDS:
            demo("import", str(tmp_path / kind))
        again = demo("import", str(tmp_path / "customer"), code=1)  # its tables hold rows now
        assert "already holds customer rows" in again.stderr and "--upsert" in again.stderr
        demo("export", str(tmp_path / "arrived"))
        assert _files(tmp_path / "whole") == _files(tmp_path / "arrived")
    finally:
        cleanup()


def test_a_json_bundle_nests_a_documents_lines_and_names_a_bad_line_by_its_document(
    demo: Cli, template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custsvc.services.bundle.layout import NESTED, shapes

    for child, nesting in NESTED.items():  # a nested row always has its document
        assert not shapes()[child].table.c[shapes()[child].field(nesting.link).column].nullable, child
    folder = tmp_path / "bundle"
    demo("export", str(folder), "--bundle-format", "json")
    assert not (folder / "order_line.json").exists() and not (folder / "invoice_line.json").exists()
    manifest = {t["table"]: t for t in json.loads((folder / "manifest.json").read_text())["tables"]}
    assert manifest["order_line"]["file"] == "service_order.json" and manifest["order_line"]["field"] == "lines"
    path = folder / "service_order.json"
    lines = path.read_text(encoding="utf-8").split("\n")
    number, record = next((n, json.loads(t.rstrip(","))) for n, t in enumerate(lines[1:], 1) if '"lines": [{' in t)
    assert "order_number" not in record["lines"][0]  # the document's key is its lines' link
    record["lines"][-1]["quantity"] = "lots"
    lines[number] = json.dumps(record) + ","
    path.write_text("\n".join(lines), encoding="utf-8")
    cleanup = _new_db(template_db, tmp_path, monkeypatch)
    try:
        result = demo("import", str(folder), code=1)
        item = len(record["lines"])
        assert f"service_order.json row {number}: lines item {item}: invalid quantity 'lots'" in result.stderr
        assert demo.json("order", "list") == []
    finally:
        cleanup()
