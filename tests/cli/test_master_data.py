"""Master data through the real command: add, list (with filters), show, update, remove, import."""

import json

import pytest


def test_customer_lifecycle(cli):
    added = cli.json(
        "customer",
        "add",
        "C-1001",
        "--name",
        "Riga Bakery",
        "--tier",
        "gold",
        "--timezone",
        "Europe/Riga",
        "--email",
        "facility@bakery.example",
        "--phone",
        "+371 6700 1001",
        "--address",
        "Brivibas iela 1",
    )
    assert {k: added[k] for k in ("account", "name", "tier", "timezone", "email", "phone", "address")} == {
        "account": "C-1001",
        "name": "Riga Bakery",
        "tier": "gold",
        "timezone": "Europe/Riga",
        "email": "facility@bakery.example",
        "phone": "+371 6700 1001",
        "address": "Brivibas iela 1",
    }
    assert set(added) >= {"created_at", "created_by", "updated_at", "updated_by"}
    assert cli.json("customer", "show", "C-1001") == added
    cli("customer", "add", "C-2001", "--name", "Spa", "--tier", "silver")
    assert [c["account"] for c in cli.json("customer", "list", "--tier", "gold")] == ["C-1001"]
    updated = cli.json("customer", "update", "C-1001", "--tier", "silver", "--email", "")
    assert (updated["tier"], updated["email"]) == ("silver", None)
    result = cli("customer", "remove", "C-2001")
    assert result.stderr == "removed customer C-2001\n"
    assert [c["account"] for c in cli.json("customer", "list")] == ["C-1001"]


def test_item_task_and_object(cli):
    item = cli.json("item", "add", "PUMP-200", "--name", "Circulation pump", "--price", "189.5")
    assert (item["price"], item["unit"]) == ("189.50", "pcs")
    task = cli.json("task", "add", "BOILER", "--description", "Boiler service", "--hours", "1.5", "--skill", "gas")
    assert (task["hours"], task["skill"]) == ("1.5", "gas")
    assert cli.json("task", "list", "--skill", "gas")[0]["task"] == "BOILER"
    assert cli.json("item", "update", "PUMP-200", "--price", "199")["price"] == "199.00"
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("customer", "add", "C-2", "--name", "Cafe")
    obj = cli.json(
        "object", "add", "OBJ-1", "--customer", "C-1", "--item", "PUMP-200", "--serial", "SN-1", "--group", "heating"
    )
    assert (obj["object"], obj["customer"], obj["item"], obj["serial"], obj["group"]) == (
        "OBJ-1",
        "C-1",
        "PUMP-200",
        "SN-1",
        "heating",
    )
    cli("object", "add", "OBJ-2", "--customer", "C-2", "--description", "Software installation")
    assert [o["object"] for o in cli.json("object", "list", "--customer", "C-1")] == ["OBJ-1"]
    assert [o["object"] for o in cli.json("object", "list", "--group", "heating")] == ["OBJ-1"]
    assert [o["object"] for o in cli.json("object", "list", "--serial", "SN-1")] == ["OBJ-1"]
    result = cli("object", "add", "OBJ-3", "--customer", "C-2", "--item", "PUMP-200", "--serial", "SN-1", code=3)
    assert "serial number 'PUMP-200/SN-1' already belongs to OBJ-1" in result.stderr
    result = cli("item", "remove", "PUMP-200", code=1)
    assert (
        result.stderr
        == "error: item 'PUMP-200' is still referred to by 1 service object (item) (rule: referenced-records-stay)\n"
    )
    cli("object", "update", "OBJ-1", "--customer", "C-2")
    assert cli.json("object", "show", "OBJ-1")["customer"] == "C-2"


def test_workers_and_teams(cli):
    cli("worker", "add", "M-01", "--name", "Ilze", "--role", "manager", "--role", "dispatcher")
    team = cli.json("dispatch", "team", "add", "north", "--owner", "M-01", "--description", "Riga north")
    assert team["owner"] == "M-01"
    worker = cli.json(
        "worker",
        "add",
        "T-01",
        "--name",
        "Anna",
        "--role",
        "technician",
        "--skill",
        "gas",
        "--skill",
        "electrical",
        "--team",
        "north",
    )
    assert (worker["roles"], worker["skills"], worker["team"]) == (["technician"], ["electrical", "gas"], "north")
    assert [w["worker"] for w in cli.json("worker", "list", "--role", "technician")] == ["T-01"]
    assert [w["worker"] for w in cli.json("worker", "list", "--role", "dispatcher")] == ["M-01"]
    assert [w["worker"] for w in cli.json("worker", "list", "--skill", "gas", "--team", "north")] == ["T-01"]
    worker = cli.json("worker", "update", "T-01", "--add-skill", "refrigeration", "--remove-skill", "gas", "--team", "")
    assert (worker["skills"], worker["team"]) == (["electrical", "refrigeration"], None)
    teams = cli.json("dispatch", "team", "list")
    assert teams[0]["members"] == []
    cli("worker", "update", "T-01", "--team", "north")
    assert cli.json("dispatch", "team", "list")[0]["members"] == ["T-01"]
    result = cli("worker", "add", "T-02", "--name", "Bo", "--role", "plumber", code=2)
    assert result.stderr == "error: invalid --role 'plumber': must be one of technician, dispatcher or manager\n"
    result = cli("worker", "add", "T-02", "--name", "Bo", "--role", "technician", "--team", "south", code=1)
    assert result.stderr == "error: no team 'south' (in team)\n"
    cli("dispatch", "team", "remove", "north", code=1)
    plain = cli("worker", "list").stdout.splitlines()
    assert plain[0].split() == ["worker", "name", "roles", "team", "skills", "calendar"]
    assert "dispatcher, manager" in plain[1]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_and_import_round_trip(cli, tmp_path, fmt, monkeypatch):
    cli("customer", "add", "C-1", "--name", "Bakery, Riga", "--tier", "gold", "--timezone", "Europe/Riga")
    cli("customer", "add", "C-2", "--name", 'Cafe "Red"', "--email", "cafe@red.example")
    cli("worker", "add", "T-01", "--name", "Anna", "--role", "technician", "--role", "manager", "--skill", "gas")
    exported = {kind: cli(kind, "list", "--format", fmt).stdout for kind in ("customer", "worker")}

    other = tmp_path / "other.db"
    monkeypatch.setenv("CUSTSVC_DB", str(other))
    cli("db", "init")  # no command but db init and demo makes a database
    for kind, text in exported.items():
        path = tmp_path / f"{kind}.{fmt}"
        path.write_text(text)
        cli(kind, "import", str(path))
    for kind in ("customer", "worker"):
        again = json.loads(cli(kind, "list", "--format", "json").stdout)
        assert [{k: v for k, v in r.items() if not k.startswith(("created", "updated"))} for r in again] == [
            {k: v for k, v in r.items() if not k.startswith(("created", "updated"))}
            for r in json.loads(_as_json(exported[kind], fmt, cli, kind))
        ]


def _as_json(text, fmt, cli, kind):
    if fmt == "json":
        return text
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for key, value in row.items():
            row[key] = value if value != "" else None
        if kind == "worker":
            row["roles"] = row["roles"].split(",") if row["roles"] else []
            row["skills"] = row["skills"].split(",") if row["skills"] else []
    return json.dumps(rows)


def test_import_errors_are_row_numbered_and_nothing_is_written(cli, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        "account,name,tier,timezone\nC-1,Bakery,gold,Europe/Riga\nC-2,,silver,Mars/Base\nC-3,Cafe,bronze,Europe/Rigaa\n"
    )
    result = cli("customer", "import", str(path), code=1)
    assert result.stderr.splitlines() == [
        "error: 2 problems in 3 customer rows; nothing was imported",
        "error: row 2: invalid name '': is required",
        "error: row 3: invalid timezone 'Europe/Rigaa': not a known IANA time zone (e.g. Europe/Riga)",
    ]
    assert cli.json("customer", "list") == []


def test_import_dry_run_writes_nothing(cli, tmp_path):
    path = tmp_path / "items.json"
    path.write_text(
        json.dumps([{"item": "A", "name": "Filter", "price": "14.50"}, {"item": "B", "name": "Valve", "price": 96.4}])
    )
    summary = cli.json("item", "import", str(path), "--dry-run")
    assert summary == {"kind": "item", "rows": 2, "created": 2, "updated": 0, "unchanged": 0, "dry_run": True}
    assert cli.json("item", "list") == []
    cli("item", "import", str(path))
    assert [i["price"] for i in cli.json("item", "list")] == ["14.50", "96.40"]


def test_import_from_stdin_and_upsert(cli):
    cli("customer", "import", "-", input="account,name\nC-1,Bakery\n")
    cli("customer", "import", "-", "--upsert", input="account,phone\nC-1,+371 1\n")
    record = cli.json("customer", "show", "C-1")
    assert (record["name"], record["phone"]) == ("Bakery", "+371 1")
    result = cli("customer", "import", "-", input="account,name\nC-1,Again\n", code=3)
    assert "customer 'C-1' already exists" in result.stderr


def test_import_refuses_unreadable_input(cli, tmp_path):
    result = cli("customer", "import", str(tmp_path / "missing.csv"), code=1)
    assert result.stderr.startswith("error: cannot read")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = cli("customer", "import", str(bad), code=1)
    assert result.stderr.startswith(f"error: {bad} is not valid JSON")
    result = cli("customer", "import", "-", input="account,name,colour\nC-1,Bakery,red\n", code=1)
    assert "row 1: invalid field 'colour'" in result.stderr


def test_import_reports_ragged_rows_per_row_and_reads_other_delimiters(cli):
    text = "account;name\nC-1;Bakery\nC-2;Spa;extra\nC-3;Garage\n"
    result = cli("customer", "import", "-", "--delimiter", ";", input=text, code=1)
    assert result.stderr == "error: row 2: line 3: 3 values, 2 columns; nothing was imported\n"
    assert cli.json("customer", "list") == []
    summary = cli.json("customer", "import", "-", "--delimiter", ";", input=text.replace(";extra", ""))
    assert (summary["rows"], summary["created"]) == (3, 3)
    result = cli("customer", "import", "-", "--delimiter", ";;", input=text, code=2)
    assert "--delimiter" in result.stderr


def test_import_streams_a_json_array_from_stdin(cli):
    rows = [{"account": f"C-{n:04d}", "name": f"Customer {n}"} for n in range(12_000)]
    summary = cli.json("customer", "import", "-", "--input-format", "json", input=json.dumps(rows, indent=1))
    assert (summary["rows"], summary["created"]) == (12_000, 12_000)
    again = cli.json("customer", "import", "-", "--upsert", "--input-format", "json", input=json.dumps(rows))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 12_000)


def test_object_installed_and_warranty_until(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTSVC_NOW", "2026-03-10T09:00:00+02:00")
    cli("customer", "add", "C-1", "--name", "Bakery")
    obj = cli.json("object", "add", "O-1", "--customer", "C-1", "--installed", "2025-03-10")
    assert (obj["installed"], obj["warranty_until"]) == ("2025-03-10", None)
    obj = cli.json("object", "update", "O-1", "--warranty-until", "2027-06-30")
    assert (obj["installed"], obj["warranty_until"]) == ("2025-03-10", "2027-06-30")
    assert cli.json("object", "show", "O-1") == obj
    listed = cli.json("object", "list")[0]
    assert list(listed)[6:8] == ["installed", "warranty_until"] and listed["warranty_until"] == "2027-06-30"
    # typed on the command line a day may be relative, read in the shop's zone
    obj = cli.json("object", "add", "O-2", "--customer", "C-1", "--installed", "today", "--warranty-until", "+2y")
    assert (obj["installed"], obj["warranty_until"]) == ("2026-03-10", "2028-03-10")
    # "" clears, like any optional field
    obj = cli.json("object", "update", "O-2", "--warranty-until", "", "--installed", "")
    assert (obj["installed"], obj["warranty_until"]) == (None, None)
    # both round-trip through the export and the import
    for fmt in ("csv", "json"):
        exported = cli("object", "list", "--format", fmt).stdout
        assert "2027-06-30" in exported
        path = tmp_path / f"objects.{fmt}"
        path.write_text(exported)
        other = tmp_path / f"other-{fmt}.db"
        cli("--db", str(other), "db", "init")
        cli("--db", str(other), "customer", "import", "-", input="account,name\nC-1,Bakery\n")
        cli("--db", str(other), "object", "import", str(path))
        copy = cli.json("--db", str(other), "object", "show", "O-1")
        assert (copy["installed"], copy["warranty_until"]) == ("2025-03-10", "2027-06-30")
        cli("object", "import", str(path), "--upsert")
    assert cli.json("object", "show", "O-1")["warranty_until"] == "2027-06-30"


def test_object_bad_days_are_refused_and_write_nothing(cli):
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("object", "add", "O-1", "--customer", "C-1", "--installed", "2025-03-10", "--warranty-until", "2027-03-10")
    before = cli.json("object", "list")
    cases = [
        (["add", "O-2", "--customer", "C-1", "--installed", "2025-02-30"], 1, "invalid installed '2025-02-30'"),
        (["add", "O-2", "--customer", "C-1", "--warranty-until", "someday"], 1, "invalid warranty_until 'someday'"),
        (["add", "O-2", "--customer", "C-1", "--installed", "9999-01-01"], 2, "invalid installed '9999-01-01'"),
        (["update", "O-1", "--installed", "2025-13-01", "--description", "X"], 1, "invalid installed '2025-13-01'"),
        (["update", "O-1", "--warranty-until", "31.12.2027"], 1, "invalid warranty_until '31.12.2027'"),
        (["update", "O-9", "--installed", "2025-01-01"], 1, "no service object 'O-9'"),
    ]
    for args, code, text in cases:
        result = cli("object", *args, code=code)
        assert text in result.stderr and len(result.stderr.splitlines()) == 1, (args, result.stderr)
    result = cli(
        "object", "import", "-", input="object,customer,installed\nO-3,C-1,2025-01-01\nO-4,C-1,1.1.2025\n", code=1
    )
    assert result.stderr == (
        "error: row 2: invalid installed '1.1.2025': expected a date as YYYY-MM-DD; nothing was imported\n"
    )
    assert cli.json("object", "list") == before
