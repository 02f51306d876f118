"""Dispatch through the real command: absences, checked assignments, queue, schedule, board rows."""

import json
import os
import subprocess
import sys

import pytest

NOW = "2026-03-09T07:00"  # a Monday morning in Riga


@pytest.fixture
def shop(cli, monkeypatch):
    cli("config", "set", "timezone", "Europe/Riga")
    cli("calendar", "add", "office", "--timezone", "Europe/Riga", "--hours", "mon-fri 08:00-12:00,13:00-17:00")
    cli("calendar", "add", "late", "--timezone", "Europe/Riga", "--hours", "mon-fri 12:00-20:00")
    cli("config", "set", "calendar", "office")
    cli("worker", "add", "M-1", "--name", "Mara", "--role", "manager", "--role", "dispatcher")
    cli("dispatch", "team", "add", "north", "--owner", "M-1")
    cli("dispatch", "team", "add", "south", "--owner", "M-1")
    cli("worker", "add", "T-1", "--name", "Anna", "--role", "technician", "--skill", "gas", "--team", "north")
    cli(
        "worker",
        "add",
        "T-2",
        "--name",
        "Bo",
        "--role",
        "technician",
        "--skill",
        "refrigeration",
        "--team",
        "north",
        "--calendar",
        "late",
    )
    cli(
        "worker",
        "add",
        "T-3",
        "--name",
        "Cy",
        "--role",
        "technician",
        "--skill",
        "gas",
        "--skill",
        "refrigeration",
        "--team",
        "south",
    )
    cli("customer", "add", "C-1", "--name", "Bakery", "--address", "Main st 1", "--phone", "+371 1")
    cli("object", "add", "O-1", "--customer", "C-1", "--description", "Boiler")
    cli("task", "add", "BOIL", "--description", "Boiler service", "--hours", "1.5", "--skill", "gas", "--price", "60")
    cli(
        "task",
        "add",
        "COOL",
        "--description",
        "Chiller check",
        "--hours",
        "3",
        "--skill",
        "refrigeration",
        "--price",
        "70",
    )
    monkeypatch.setenv("CUSTSVC_NOW", NOW)
    return cli


def order(cli, task=None, **options):
    args = ["order", "create", "--customer", "C-1", "--object", "O-1"]
    for key, value in options.items():
        args += [f"--{key}", value]
    number = cli(*args).stdout.strip()
    if task:
        cli("order", "line", "add", number, "--type", "hour", "--task", task)
    return number


def test_assign_checks_overlap_working_time_absence_and_skills(shop):
    a = order(shop, "BOIL")
    b = order(shop, "BOIL")
    c = order(shop, "COOL")
    shop("dispatch", "assign", a, "--technician", "T-1", "--start", "2026-03-09T08:00")
    rows = shop.json("dispatch", "board", "--date", "2026-03-09")
    assert [(r["technician"], r["order"], r["start"], r["end"]) for r in rows] == [
        ("T-1", a, "2026-03-09T08:00:00+02:00", "2026-03-09T09:30:00+02:00")
    ]
    result = shop(
        "dispatch", "assign", b, "--technician", "T-1", "--start", "2026-03-09T09:00", "--duration", "1h", code=1
    )
    assert (
        result.stderr
        == f"error: refused: T-1 already has {a} from 2026-03-09 08:00 to 2026-03-09 09:30 (rule: no-double-booking)\n"
    )
    shop(
        "dispatch",
        "assign",
        b,
        "--technician",
        "T-1",
        "--start",
        "2026-03-09T09:00",
        "--duration",
        "1h",
        "--force",
        code=1,
    )
    result = shop(
        "dispatch", "assign", b, "--technician", "T-1", "--start", "2026-03-09T11:00", code=1
    )  # 11:00-12:30 runs into lunch
    assert "partly outside T-1's working time" in result.stderr and "(rule: working-time)" in result.stderr
    result = shop("dispatch", "assign", c, "--technician", "T-1", "--start", "2026-03-09T13:00", code=1)
    assert "T-1 lacks the skill refrigeration" in result.stderr and "(rule: technician-skills)" in result.stderr
    shop(
        "worker",
        "absence",
        "add",
        "T-3",
        "--from",
        "2026-03-09T13:00",
        "--to",
        "2026-03-09T15:00",
        "--reason",
        "training",
    )
    result = shop("dispatch", "assign", c, "--technician", "T-3", "--start", "2026-03-09T14:00", code=1)
    assert "T-3 is absent 2026-03-09 13:00 to 2026-03-09 15:00 (training)" in result.stderr
    forced = shop(
        "dispatch", "assign", c, "--technician", "T-3", "--start", "2026-03-09T14:00", "--force", "--format", "json"
    )
    record = json.loads(forced.stdout)
    assert "absent" in record["overridden"] and forced.stderr.startswith("warning: forced past")
    shop("dispatch", "assign", b, "--technician", "T-1", "--start", "2026-03-09T13:00")
    # T-2 works 12:00-20:00 on their own calendar
    d = order(shop, "COOL")
    shop("dispatch", "assign", d, "--technician", "T-2", "--start", "2026-03-09T16:00")


def test_assigning_plans_the_order_and_records_the_response(shop):
    shop("sla", "add", "std", "--calendar", "office", "--response", "4h", "--resolution", "16h")
    shop("sla", "apply", "std", "--default")
    number = order(shop, "BOIL")
    shop(
        "--now", "2026-03-09T08:30", "dispatch", "assign", number, "--technician", "T-1", "--start", "2026-03-09T10:00"
    )
    shown = shop.json("order", "show", number)
    assert shown["stage"] == "planned" and shown["history"][-1]["note"] == "dispatched"
    assert shop.json("sla", "status", number)["responded_at"] == "2026-03-09T08:30:00+02:00"


def test_unassign_move_and_queue(shop):
    a = order(shop, "BOIL", priority="high")
    b = order(shop, "COOL")
    c = order(shop)
    queued = shop.json("dispatch", "queue")
    assert [q["order"] for q in queued] == [a, b, c]  # no SLAs: by priority, then number
    assert (queued[1]["skills"], queued[1]["duration"]) == (["refrigeration"], "3h")
    assert queued[2]["duration"] == "2h"  # the visit_duration setting
    assert [q["order"] for q in shop.json("dispatch", "queue", "--team", "south")] == [a, b, c]
    assert [q["order"] for q in shop.json("dispatch", "queue", "--team", "north")] == [a, b, c]
    shop("dispatch", "assign", a, "--technician", "T-1", "--start", "2026-03-09T08:00")
    assert [q["order"] for q in shop.json("dispatch", "queue")] == [b, c]
    moved = shop.json("dispatch", "move", a, "--start", "2026-03-09T13:00", "--technician", "T-3")
    assert (moved["technician"], moved["start"], moved["end"]) == (
        "T-3",
        "2026-03-09T13:00:00+02:00",
        "2026-03-09T14:30:00+02:00",
    )
    shop("dispatch", "move", a, "--start", "2026-03-09T12:00", code=1)  # lunch
    shop("dispatch", "unassign", a)
    assert [q["order"] for q in shop.json("dispatch", "queue")][0] == a
    shop("dispatch", "unassign", a, code=1)


def test_schedule_with_addresses_and_ics(shop, tmp_path):
    a = order(shop, "BOIL", description="Burner noise")
    shop("dispatch", "assign", a, "--technician", "T-1", "--start", "2026-03-10T08:00")
    rows = shop.json("dispatch", "schedule", "T-1", "--date", "2026-03-09", "--days", "3")
    assert [(r["order"], r["address"], r["tasks"], r["objects"]) for r in rows] == [(a, "Main st 1", ["BOIL"], ["O-1"])]
    path = tmp_path / "anna.ics"
    shop("dispatch", "schedule", "T-1", "--date", "2026-03-09", "--days", "3", "--ics", str(path))
    from icalendar import Calendar

    events = [c for c in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    assert len(events) == 1
    assert str(events[0]["summary"]) == f"{a} Bakery" and str(events[0]["location"]) == "Main st 1"
    assert events[0].decoded("dtstart").isoformat() == "2026-03-10T06:00:00+00:00"
    assert "Burner noise" in str(events[0]["description"])


def test_absences(shop):
    shop("worker", "absence", "add", "T-1", "--from", "2026-03-16", "--to", "2026-03-21", "--reason", "vacation")
    listed = shop.json("worker", "absence", "list", "T-1")
    assert [(a["from"], a["to"], a["reason"]) for a in listed] == [
        ("2026-03-16T00:00:00+02:00", "2026-03-21T00:00:00+02:00", "vacation")
    ]
    shop("worker", "absence", "add", "T-1", "--from", "2026-03-16", "--to", "2026-03-15", code=1)
    shop("worker", "absence", "remove", str(listed[0]["id"]))
    assert shop.json("worker", "absence", "list", "T-1") == []


def test_two_dispatchers_at_once_one_wins_the_other_gets_a_conflict(shop):
    orders_ = [order(shop, "BOIL"), order(shop, "BOIL")]
    env = {**os.environ}
    env.pop("CUSTSVC_DEBUG", None)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "custsvc",
                "dispatch",
                "assign",
                number,
                "--technician",
                "T-1",
                "--start",
                "2026-03-09T08:00",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in orders_
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _err in results)
    assert codes in ([0, 1], [0, 3]), results  # 3 when both saw the slot free, 1 when the loser looked after the winner
    assert len(shop.json("dispatch", "board", "--date", "2026-03-09")) == 1


def test_the_slot_taken_between_check_and_write_is_a_conflict(shop, monkeypatch):
    """The race made deterministic: another dispatcher books the slot after this one's check."""
    from custsvc.services import dispatch

    a, b = order(shop, "BOIL"), order(shop, "BOIL")
    real_check = dispatch.check
    calls = {"n": 0}

    def check_then_lose_the_race(session, number, *args, **kwargs):
        result = real_check(session, number, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # right after our read-only check, the other dispatcher commits
            from custsvc.commands._common import run

            run(lambda s: dispatch.assign(s, a, "T-1", result[0], None))
        return result

    monkeypatch.setattr(dispatch, "check", check_then_lose_the_race)
    result = shop("dispatch", "assign", b, "--technician", "T-1", "--start", "2026-03-09T08:00", code=3)
    assert "just taken by another dispatcher" in result.stderr


def test_suggest_places_orders_on_time_and_apply_writes_them(shop):
    shop("sla", "add", "std", "--calendar", "office", "--response", "2h", "--resolution", "6h")
    shop("sla", "apply", "std", "--default")
    gas = [order(shop, "BOIL"), order(shop, "BOIL"), order(shop, "BOIL", technician="T-3")]
    cool = order(shop, "COOL")
    nobody = order(shop)
    shop("order", "line", "add", nobody, "--type", "hour", "--task", "BOIL", "--qty", "1")
    shop("order", "line", "add", nobody, "--type", "hour", "--task", "COOL", "--qty", "1")
    shop("task", "add", "WELD", "--description", "Welding", "--skill", "welding")
    unskilled = order(shop, "WELD")
    plan = shop.json("dispatch", "suggest", "--date", "2026-03-09")
    placed = {p["order"]: p for p in plan["proposals"]}
    assert set(placed) == {*gas, cool, nobody}
    assert plan["late"] == [] and plan["exact"] is True
    assert plan["missed_deadlines"] == 1  # the order nobody can do cannot meet its deadline either
    assert placed[gas[2]]["technician"] == "T-3" and placed[gas[2]]["reason"].startswith("preferred technician")
    assert (
        placed[cool]["technician"] in ("T-2", "T-3") and placed[nobody]["technician"] == "T-3"
    )  # both skills: only T-3
    assert plan["unplaced"] == [
        {"order": unskilled, "reason": "no technician has the skills welding", "priority": "normal", "customer": "C-1"}
    ]
    for p in plan["proposals"]:  # inside working time, never overlapping
        shop(
            "dispatch",
            "assign",
            p["order"],
            "--technician",
            p["technician"],
            "--start",
            p["start"],
            "--duration",
            "1m",
            "--format",
            "json",
        )
        shop("dispatch", "unassign", p["order"])
    assert shop.json("dispatch", "board", "--date", "2026-03-09") == []
    applied = shop.json("dispatch", "suggest", "--date", "2026-03-09", "--apply")
    assert applied["applied"] is True
    rows = shop.json("dispatch", "board", "--date", "2026-03-09")
    assert sorted(r["order"] for r in rows) == sorted(placed)
    assert all(shop.json("order", "show", number)["stage"] == "planned" for number in placed)
    again = shop.json("dispatch", "suggest", "--date", "2026-03-09")
    assert again["proposals"] == [] and [u["order"] for u in again["unplaced"]] == [unskilled]


def test_suggest_keeps_agreement_visits_on_their_day(shop):
    shop("agreement", "create", "A-1", "--customer", "C-1", "--start", "2026-01-01")
    shop("agreement", "line", "add", "A-1", "--type", "hour", "--task", "BOIL", "--start", "2026-03-11")
    visit = shop.json("agreement", "generate", "--from", "2026-03-01", "--to", "2026-03-31")[0]["order"]
    plan = shop.json("dispatch", "suggest", "--date", "2026-03-09", "--days", "3")
    assert [(p["order"], p["start"][:10]) for p in plan["proposals"]] == [(visit, "2026-03-11")]
    early = shop.json("dispatch", "suggest", "--date", "2026-03-09", "--days", "2")  # the visit is after these days
    assert (early["proposals"], early["unplaced"], early["missed_deadlines"], early["later"]) == ([], [], 0, [visit])


def test_suggest_for_a_team(shop):
    order(shop, "COOL")
    plan = shop.json("dispatch", "suggest", "--date", "2026-03-09", "--team", "south")
    assert {p["technician"] for p in plan["proposals"]} == {"T-3"}


def test_board_table_fits_80_columns_and_plain_without_terminal(shop):
    a = order(shop, "BOIL", priority="high")
    shop("dispatch", "assign", a, "--technician", "T-1", "--start", "2026-03-09T08:00")
    shop(
        "worker",
        "absence",
        "add",
        "T-3",
        "--from",
        "2026-03-09T13:00",
        "--to",
        "2026-03-09T17:00",
        "--reason",
        "training",
    )
    order(shop, "COOL")
    table = shop("dispatch", "board", "--date", "2026-03-09", "--format", "table", env={"COLUMNS": "80"}).stdout
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any(
        line.startswith("T-1 Anna") and "000001" in line for line in lines
    )  # a short bar shows the number's tail
    assert any(line.startswith("T-3 Cy") and "\u2592" in line for line in lines)  # the absence shaded
    assert "Not dispatched (1)" in table
    wide = shop("dispatch", "board", "--date", "2026-03-09", "--format", "table", env={"COLUMNS": "160"}).stdout
    assert max(len(line) for line in wide.splitlines()) > 120  # uses the room
    plain = shop("dispatch", "board", "--date", "2026-03-09").stdout
    assert plain.splitlines()[0].split() == [
        "technician",
        "order",
        "start",
        "end",
        "priority",
        "sla",
        "status",
        "customer",
        "team",
        "line",
        "late",
    ]
    rows = shop.json("dispatch", "board", "--date", "2026-03-09")
    assert set(rows[0]) >= {"technician", "order", "start", "end", "priority", "sla_status"}
    assert shop("dispatch", "board", "--date", "2026-03-09", "--format", "csv").stdout.startswith(
        "technician,order,start,end,priority,sla_status"
    )
