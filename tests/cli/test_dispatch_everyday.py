"""Dispatch as a dispatcher uses it every day, through the real command on the demo shop (Tue 2026-03-10
09:00 Riga): one open assignment per order, visits past the SLA deadline, what enters the queue, the
.ics feed, the board without color and as a week, schedules, suggest's leftovers, 80 columns.

Golden files: the board (day and week) and the queue at 80 columns, with color and with NO_COLOR, are
compared with ``tests/cli/golden/*.txt``. After a deliberate change of the output, regenerate them with
``CUSTSVC_REGENERATE_GOLDEN=1 python -m pytest tests/cli/test_dispatch_everyday.py -k golden`` and
review the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
#: read at import: the test fixtures clear every CUSTSVC_ variable before each test
REGENERATE = os.environ.get("CUSTSVC_REGENERATE_GOLDEN") == "1"
#: a color terminal 80 columns wide, whatever the environment running the tests
COLOR = {"COLUMNS": "80", "FORCE_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": None, "NO_COLOR": None}
#: NO_COLOR, 80 columns, no terminal (what a pipe or a file gets)
NO_COLOR = {"COLUMNS": "80", "NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def golden(name: str, text: str) -> None:
    """Compare ``text`` with the golden file ``name`` (trailing blanks aside); with
    CUSTSVC_REGENERATE_GOLDEN=1 write the file instead."""
    path = GOLDEN / name
    normal = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(normal, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with CUSTSVC_REGENERATE_GOLDEN=1"
    assert normal == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def assignments_of(demo, number: str) -> list[dict]:
    return [r for r in demo.json("dispatch", "board", "--days", "3") if r["order"] == number]


def new_order(demo, *lines: list[str], customer: str = "C-1001", obj: str = "OBJ-0001") -> str:
    number = demo("order", "create", "--customer", customer, "--object", obj).stdout.strip()
    for line in lines:
        demo("order", "line", "add", number, *line)
    return number


# --- 2. one open assignment per order (or line) -----------------------------------------------


def test_assigning_an_assigned_order_is_refused_and_names_the_assignment(demo):
    held = demo.json("dispatch", "schedule", "T-01")
    first = next(r for r in held if r["order"] == "SO-000058")
    result = demo("dispatch", "assign", "SO-000058", "--technician", "T-04", "--start", "2026-03-10T15:00", code=1)
    assert result.stderr == (
        f"error: refused: SO-000058 already has an open assignment (assignment {first['assignment']}: "
        "T-01 2026-03-10 09:00-10:30); reassigning is `dispatch move SO-000058 --technician T` "
        "(rule: one-open-assignment)\n"
    )
    assert len(assignments_of(demo, "SO-000058")) == 1
    # reassigning is a move, and the order is not stuck
    moved = demo.json("dispatch", "move", "SO-000058", "--technician", "T-04", "--start", "2026-03-10T15:00")
    assert (moved["technician"], moved["id"]) == ("T-04", first["assignment"])
    demo("dispatch", "unassign", "SO-000058")
    demo("dispatch", "assign", "SO-000058", "--technician", "T-04", "--start", "2026-03-10T15:00")


def test_lines_have_one_open_assignment_each_and_a_canceled_line_frees_its_order(demo):
    number = new_order(
        demo,
        ["--type", "hour", "--task", "BOILER-SERVICE"],
        ["--type", "hour", "--task", "ELECTRICAL-CHECK"],
    )
    demo("dispatch", "assign", number, "--line", "1", "--technician", "T-01", "--start", "2026-03-11T08:00")
    again = demo(
        "dispatch", "assign", number, "--line", "1", "--technician", "T-06", "--start", "2026-03-11T08:00", code=1
    )
    assert f"{number} line 1 already has an open assignment" in again.stderr
    assert f"`dispatch move {number} --line 1 --technician T`" in again.stderr
    whole = demo("dispatch", "assign", number, "--technician", "T-06", "--start", "2026-03-11T08:00", code=1)
    assert f"refused: {number} already has an open assignment" in whole.stderr and ", line 1)" in whole.stderr
    demo("dispatch", "assign", number, "--line", "2", "--technician", "T-01", "--start", "2026-03-11T10:00")
    # an assignment stops being open with its line: once line 1 is canceled and line 2 unassigned,
    # the order can be assigned as a whole
    demo("order", "line", "cancel", number, "1")
    demo("dispatch", "unassign", number, "--line", "2")
    demo("dispatch", "assign", number, "--technician", "T-06", "--start", "2026-03-11T08:00")
    assert [(r["technician"], r["line"]) for r in assignments_of(demo, number)] == [("T-06", None)]


def test_the_same_order_assigned_by_another_dispatcher_meanwhile_is_a_conflict(demo, monkeypatch):
    """The race made deterministic: another dispatcher assigns the order after this one's check."""
    from custsvc.services import dispatch

    real_check = dispatch.check
    calls = {"n": 0}

    def check_then_lose_the_race(ctx, number, *args, **kwargs):
        result = real_check(ctx, number, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # right after our read-only check, the other dispatcher commits
            from custsvc.commands._common import run

            when = ctx.moment("2026-03-10T14:30", "start")
            run(lambda s: dispatch.assign(s, "SO-000060", "T-05", when, None))
        return result

    monkeypatch.setattr(dispatch, "check", check_then_lose_the_race)
    result = demo(
        "dispatch",
        "assign",
        "SO-000060",
        "--technician",
        "T-06",
        "--start",
        "2026-03-10T15:00",
        "--duration",
        "30m",
        code=3,
    )
    assert "SO-000060 already has an open assignment" in result.stderr
    assert "just assigned by another dispatcher" in result.stderr
    assert [r["technician"] for r in assignments_of(demo, "SO-000060")] == ["T-05"]


def test_two_dispatchers_assigning_one_order_at_once_make_one_assignment(demo):
    env = {k: v for k, v in os.environ.items() if k != "CUSTSVC_DEBUG"}
    slots = [("T-05", "2026-03-10T14:30"), ("T-06", "2026-03-10T15:00")]
    command = [sys.executable, "-m", "custsvc", "dispatch", "assign", "SO-000060", "--duration", "30m"]
    procs = [
        subprocess.Popen(
            [*command, "--technician", tech, "--start", start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tech, start in slots
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert sorted(code for code, _err in results) in ([0, 1], [0, 3]), results
    assert len(assignments_of(demo, "SO-000060")) == 1


# --- 5. visits past the SLA resolution deadline -----------------------------------------------


def test_a_visit_ending_after_the_resolution_deadline_warns_or_is_refused_with_strict(demo):
    # SO-000060 (gold) must be resolved by 2026-03-10 15:10; T-05 is free from 14:30
    late = ["dispatch", "assign", "SO-000060", "--technician", "T-05", "--start", "2026-03-10T14:30"]
    refused = demo(*late, "--strict", code=1)
    assert refused.stderr == (
        "error: refused: SO-000060 ends 2026-03-10 16:30, after its SLA resolution deadline 2026-03-10 15:10 "
        "(Europe/Riga) (--strict) (rule: sla-resolution-deadline)\n"
    )
    assert assignments_of(demo, "SO-000060") == []
    result = demo(*late)
    assert result.stderr.splitlines()[0] == (
        "warning: SO-000060 ends 2026-03-10 16:30, after its SLA resolution deadline 2026-03-10 15:10 (Europe/Riga)"
    )
    assert assignments_of(demo, "SO-000060")[0]["late"] is True
    # moving it to end in time: no warning; moving it later again warns
    on_time = demo("dispatch", "move", "SO-000060", "--start", "2026-03-10T08:00", "--technician", "T-06", code=None)
    assert on_time.exit_code == 1  # T-06 is busy then: refusals come first
    demo("dispatch", "unassign", "SO-000060")
    quick = demo(
        "dispatch",
        "assign",
        "SO-000060",
        "--technician",
        "T-05",
        "--start",
        "2026-03-10T14:30",
        "--duration",
        "30m",
        "--strict",
    )
    assert "warning" not in quick.stderr
    moved = demo("dispatch", "move", "SO-000060", "--start", "2026-03-10T16:00", "--format", "json")
    assert "after its SLA resolution deadline 2026-03-10 15:10" in moved.stderr
    record = json.loads(moved.stdout)
    assert record["late"] is True and record["resolution_due"] == "2026-03-10T15:10:00+02:00"
    demo("dispatch", "move", "SO-000060", "--start", "2026-03-10T16:30", "--strict", code=1)


def test_the_board_marks_late_visits(demo):
    rows = demo.json("dispatch", "board")
    late = {r["order"] for r in rows if r["late"]}
    assert late == {"SO-000053", "SO-000047", "SO-000050", "SO-000051"}
    for env in (COLOR, NO_COLOR):
        board = ANSI.sub("", demo("dispatch", "board", "--format", "table", env=env).stdout)
        anna = next(line for line in board.splitlines() if line.startswith("T-01"))
        assert "000053" in anna and "»" in anna[anna.index("000053") :]
        assert "» past SLA due" in board


# --- 6. only orders with work on site wait for a technician -----------------------------------


def test_only_orders_with_work_on_site_enter_the_queue_and_suggest(demo):
    fee = new_order(demo, ["--type", "fee", "--price", "45", "--description", "Monthly fee"])
    delivery = new_order(demo, ["--type", "item", "--item", "FILTER-G4", "--qty", "4"])
    expense = new_order(demo, ["--type", "expense", "--price", "12", "--description", "Parking"])
    done_work = new_order(demo, ["--type", "hour", "--task", "BOILER-SERVICE"], ["--type", "fee", "--price", "9"])
    demo("order", "line", "cancel", done_work, "1")  # only the fee is left
    hours = new_order(demo, ["--type", "hour", "--qty", "1", "--price", "50", "--description", "Look at it"])
    task = new_order(demo, ["--type", "expense", "--task", "AC-REPAIR", "--price", "10"])
    fresh = new_order(demo)  # a call nobody has worked out yet
    queued = {q["order"] for q in demo.json("dispatch", "queue")}
    assert {hours, task, fresh} <= queued
    assert not {fee, delivery, expense, done_work} & queued
    plan = demo.json("dispatch", "suggest", "--days", "5")
    considered = {p["order"] for p in plan["proposals"]} | {u["order"] for u in plan["unplaced"]} | set(plan["later"])
    assert {hours, task, fresh} <= considered
    assert not {fee, delivery, expense, done_work} & considered


# --- 7. the .ics feed -------------------------------------------------------------------------


def ics_events(path: Path) -> dict[str, dict]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    assert str(calendar["method"]) == "PUBLISH"
    return {
        str(e["uid"]): {
            "sequence": int(e["sequence"]),
            "status": str(e["status"]),
            "dtstamp": e.decoded("dtstamp").isoformat(),
            "start": e.decoded("dtstart").isoformat(),
            "summary": str(e["summary"]),
            "description": str(e.get("description", "")),
        }
        for e in calendar.walk("VEVENT")
    }


def test_ics_uids_are_stable_sequences_grow_and_dtstamp_is_now(demo, tmp_path):
    ids = {r["order"]: r["assignment"] for r in demo.json("dispatch", "schedule", "T-01")}
    path = tmp_path / "anna.ics"
    demo("--now", "2026-03-10T09:05", "dispatch", "schedule", "T-01", "--ics", str(path))
    first = ics_events(path)
    uid = f"assignment-{ids['SO-000058']}@custsvc"
    assert set(first) == {f"assignment-{n}@custsvc" for n in ids.values()}
    assert first[uid]["sequence"] == 0 and first[uid]["status"] == "CONFIRMED"
    assert first[uid]["dtstamp"] == "2026-03-10T07:05:00+00:00"  # when the file was written
    assert "Stage: planned" in first[uid]["description"]
    demo("--now", "2026-03-10T09:30", "dispatch", "move", "SO-000058", "--start", "2026-03-10T15:00")
    demo("--now", "2026-03-10T09:40", "dispatch", "schedule", "T-01", "--ics", str(path))
    second = ics_events(path)
    assert second[uid]["sequence"] == 30 * 60  # seconds from the assignment's creation to its last change
    assert second[uid]["start"] == "2026-03-10T13:00:00+00:00" and second[uid]["dtstamp"] == "2026-03-10T07:40:00+00:00"
    others = [u for u in second if u != uid]
    assert all(second[u]["sequence"] == first[u]["sequence"] for u in others)  # the others did not change


def test_ics_since_writes_the_visits_canceled_since_as_cancelled_events(demo, tmp_path):
    ids = {r["order"]: r["assignment"] for r in demo.json("dispatch", "schedule", "T-01")}
    uid = f"assignment-{ids['SO-000057']}@custsvc"
    path = tmp_path / "anna.ics"
    demo("--now", "2026-03-10T09:30", "order", "cancel", "SO-000057", "--reason", "CUSTOMER-CANCELED")
    result = demo(
        "--now", "2026-03-10T10:00", "dispatch", "schedule", "T-01", "--ics", str(path), "--since", "2026-03-10T09:15"
    )
    events = ics_events(path)
    assert events[uid]["status"] == "CANCELLED" and events[uid]["summary"].startswith("SO-000057 ")
    assert events[uid]["sequence"] > 0  # above the one the live event had
    assert [e["status"] for u, e in events.items() if u != uid] == ["CONFIRMED", "CONFIRMED"]
    assert "wrote 2 visits and 1 cancellation" in result.stderr
    # the canceled visit left the schedule and the board, and frees the technician's time
    assert "SO-000057" not in {r["order"] for r in demo.json("dispatch", "schedule", "T-01")}
    assert "SO-000057" not in {r["order"] for r in demo.json("dispatch", "board")}
    demo("dispatch", "assign", "SO-000060", "--technician", "T-01", "--start", "2026-03-10T10:30", "--duration", "1h")
    # without --since, or with a later one, the file holds only what stands
    demo("--now", "2026-03-10T10:00", "dispatch", "schedule", "T-01", "--ics", str(path))
    assert uid not in ics_events(path)
    demo("--now", "2026-03-10T10:00", "dispatch", "schedule", "T-01", "--ics", str(path), "--since", "2026-03-10T09:45")
    assert uid not in ics_events(path)
    misuse = demo("dispatch", "schedule", "T-01", "--since", "2026-03-10T09:00", code=2)
    assert "--since needs --ics" in misuse.stderr


def test_ics_since_cancels_what_was_unassigned_deleted_or_moved_to_someone_else(demo, tmp_path):
    ids = {r["order"]: r["assignment"] for r in demo.json("dispatch", "schedule", "T-01")}
    assert {"SO-000057", "SO-000058"} <= set(ids)
    path = tmp_path / "anna.ics"
    demo("--now", "2026-03-10T09:20", "dispatch", "unassign", "SO-000057")
    demo(
        "--now",
        "2026-03-10T09:25",
        "dispatch",
        "move",
        "SO-000058",
        "--start",
        "2026-03-10T15:00",
        "--technician",
        "T-06",
    )
    demo("--now", "2026-03-10T10:00", "dispatch", "schedule", "T-01", "--ics", str(path), "--since", "2026-03-10T09:15")
    events = ics_events(path)
    for order in ("SO-000057", "SO-000058"):
        event = events[f"assignment-{ids[order]}@custsvc"]
        assert event["status"] == "CANCELLED" and event["summary"].startswith(order) and event["sequence"] > 0
    # the new technician's file has the moved visit, with the same UID, confirmed
    demo("--now", "2026-03-10T10:00", "dispatch", "schedule", "T-06", "--ics", str(path))
    assert ics_events(path)[f"assignment-{ids['SO-000058']}@custsvc"]["status"] == "CONFIRMED"
    # moved back: T-01's file has it confirmed again, not cancelled
    demo(
        "--now",
        "2026-03-10T10:05",
        "dispatch",
        "move",
        "SO-000058",
        "--start",
        "2026-03-10T15:00",
        "--technician",
        "T-01",
    )
    demo("--now", "2026-03-10T10:10", "dispatch", "schedule", "T-01", "--ics", str(path), "--since", "2026-03-10T09:15")
    assert ics_events(path)[f"assignment-{ids['SO-000058']}@custsvc"]["status"] == "CONFIRMED"


def test_ics_since_cancels_the_visits_of_a_deleted_order(demo, tmp_path):
    number = demo("order", "create", "--customer", "C-1001", "--object", "OBJ-0001").stdout.strip()
    demo("dispatch", "assign", number, "--technician", "T-01", "--start", "2026-03-11T08:00", "--duration", "1h")
    assignment = demo.json("order", "show", number)["assignments"][0]["assignment"]
    demo("order", "move", number, "created", "--back")  # dispatching planned it; a planned order stays
    demo("--now", "2026-03-10T09:30", "order", "delete", number, "--yes")
    path = tmp_path / "anna.ics"
    demo(
        "--now",
        "2026-03-10T10:00",
        "dispatch",
        "schedule",
        "T-01",
        "--days",
        "3",
        "--ics",
        str(path),
        "--since",
        "2026-03-10T09:15",
    )
    assert ics_events(path)[f"assignment-{assignment}@custsvc"]["status"] == "CANCELLED"


# --- 9. no color ------------------------------------------------------------------------------


def test_without_color_the_board_shows_priorities_as_letters(demo):
    plain = demo("dispatch", "board", "--format", "table", env=NO_COLOR).stdout
    assert "\x1b[" not in plain
    lines = plain.splitlines()
    anna = next(line for line in lines if line.startswith("T-01"))
    assert "N!000058" in anna and "L!" in anna and "H!000053" in anna  # normal, low, high; touching bars apart
    assert any(line.startswith("H high  N normal  L low  ! SLA at risk") for line in lines)
    # a terminal with NO_COLOR: bold and dim, but no colors, and the same letters
    terminal = demo("dispatch", "board", "--format", "table", env={**COLOR, "NO_COLOR": "1"}).stdout
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|4[0-7])[;m]", terminal)
    assert ANSI.sub("", terminal).splitlines()[:12] == lines[:12]
    # with color the bars are colored and need no letters
    colored = demo("dispatch", "board", "--format", "table", env=COLOR).stdout
    assert "\x1b[" in colored and "N!000058" not in ANSI.sub("", colored)


# --- 10. the week view ------------------------------------------------------------------------


def test_the_week_view_shows_each_technicians_load_per_day(demo):
    week = demo("dispatch", "board", "--days", "7", "--format", "table", env=NO_COLOR).stdout
    lines = week.splitlines()
    assert lines[0] == "Dispatch week Tue 2026-03-10 to Mon 2026-03-16"
    days = lines[2].split()
    assert days == ["Tue", "03-10", "Wed", "03-11", "Thu", "03-12", "Fri", "03-13", "Sat", "03-14", "Mon", "03-16"]
    assert "nobody works Sun 03-15: not shown (--all-days shows them)" in week
    anna = next(line for line in lines if line.startswith("T-01")).split()
    assert anna[3:5] == ["4.5/8", "0/4"]  # 4.5 hours booked today; tomorrow's training leaves 4 hours
    martins = next(line for line in lines if line.startswith("T-02")).split()
    assert martins[2:6] == ["absent", "absent", "absent", "0/8"]  # on vacation until Friday
    every = demo("dispatch", "board", "--days", "7", "--all-days", "--format", "table", env=NO_COLOR).stdout
    assert "Sun 15" in every and "nobody works" not in every
    # more booked than there are hours: marked
    demo(
        "dispatch",
        "assign",
        "SO-000061",
        "--technician",
        "T-01",
        "--start",
        "2026-03-11T08:00",
        "--duration",
        "5h",
        "--force",
    )
    over = demo("dispatch", "board", "--days", "2", "--format", "table", env=NO_COLOR).stdout
    anna = next(line for line in over.splitlines() if line.startswith("T-01")).split()
    assert anna[3:] == ["4.5/8", "5/4!"]
    # one day keeps the time axis; JSON keeps the rows
    assert demo("dispatch", "board", "--days", "1", "--format", "table", env=NO_COLOR).stdout.startswith(
        "Dispatch board Tue"
    )
    assert {r["order"] for r in demo.json("dispatch", "board", "--days", "7")} >= {"SO-000056", "SO-000061"}


# --- 11 and 4. schedules ----------------------------------------------------------------------


def test_the_schedule_shows_stages_and_defaults_to_the_acting_technician(demo):
    mine = demo("dispatch", "schedule", env={"CUSTSVC_USER": "T-04"}).stdout
    assert mine.splitlines()[0].split()[:6] == ["time", "order", "customer", "phone", "stage", "address"]
    assert "waiting-for-parts" in mine and "SO-000046" in mine
    assert [r["stage"] for r in demo.json("--as", "T-04", "dispatch", "schedule")] == [
        "planned",
        "waiting-for-parts",
        "waiting-for-customer",
    ]
    refused = demo("--as", "D-01", "dispatch", "schedule", code=1)
    assert refused.stderr == (
        "error: no WORKER given, and the acting worker 'D-01' is not a technician: name the technician "
        "(dispatch schedule T-01) or act as one (--as T-01, or CUSTSVC_USER) (rule: technician-role)\n"
    )
    demo("dispatch", "schedule", code=1)  # the login name is no technician either
    demo("dispatch", "schedule", "T-99", code=1)


# --- 21. what suggest leaves for later --------------------------------------------------------


def test_suggest_counts_the_orders_left_for_later_and_lists_them_with_verbose(demo):
    later = demo.json("dispatch", "suggest")["later"]
    assert len(later) > 1
    quiet = demo("dispatch", "suggest")
    assert f"{len(later)} orders left for later (visits planned after these days); --verbose lists them" in quiet.stderr
    assert later[0] not in quiet.stderr
    verbose = demo("dispatch", "suggest", "--verbose")
    assert f"{len(later)} orders left for later (visits planned after these days): {', '.join(later)}" in verbose.stderr


# --- 8. 80 columns ----------------------------------------------------------------------------


def header_of(text: str) -> list[str]:
    return next(line for line in text.splitlines() if line.strip().startswith(("order", "time"))).split()


def test_at_80_columns_the_queue_and_the_schedule_keep_the_useful_columns(demo):
    queue = demo("dispatch", "queue", "--format", "table", env=NO_COLOR)
    assert header_of(queue.stdout) == ["order", "priority", "customer", "skills", "time", "left", "sla"]
    note = next(line for line in queue.stderr.splitlines() if "objects" in line)  # output.py says what it left out
    assert "duration" in note and "technician" in note
    schedule = demo("dispatch", "schedule", "T-04", "--days", "2", "--format", "table", env=NO_COLOR)
    assert header_of(schedule.stdout) == ["time", "order", "customer", "phone", "stage"]
    assert "Schedule of T-04 Laura Egle, Tue 2026-03-10" in schedule.stdout
    assert "Schedule of T-04 Laura Egle, Wed 2026-03-11" in schedule.stdout
    assert all(len(line) <= 80 for line in queue.stdout.splitlines() + schedule.stdout.splitlines())
    wide = demo("dispatch", "queue", "--format", "table", env={**NO_COLOR, "COLUMNS": "160"})
    assert header_of(wide.stdout)[-1] == "technician" and "objects" not in wide.stderr


# --- golden files -----------------------------------------------------------------------------

VIEWS = {
    "board_day": ["dispatch", "board", "--format", "table"],
    "board_week": ["dispatch", "board", "--days", "7", "--format", "table"],
    "queue": ["dispatch", "queue", "--format", "table"],
}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("mode", ["color", "no_color"])
def test_golden_views_at_80_columns(demo, view, mode):
    result = demo(*VIEWS[view], env=COLOR if mode == "color" else NO_COLOR)
    assert ("\x1b[" in result.stdout) == (mode == "color")
    assert all(len(line) <= 80 for line in ANSI.sub("", result.stdout).splitlines())
    golden(f"{view}.{mode}.txt", result.stdout)
