"""Dispatch: `dispatch suggest` for 500 orders and 30 technicians over 5 days, and `dispatch board` for 30 technicians.

    python benchmarks/dispatch.py [--orders 500] [--technicians 30]

Builds the shop through the services (technicians in 3 teams with 1-3 of 4 skills and absences,
an SLA, orders with 1-2 task lines each), then times the command-line runs and prints the
number of SLA resolution deadlines the plan misses, next to `python -c pass` as a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc  # noqa: E402

NOW = "2026-03-09T07:00:00+02:00"  # Monday morning
SKILLS = ["gas", "refrigeration", "electrical", "plumbing"]


def build(path: Path, orders: int, technicians: int) -> None:
    os.environ["CUSTSVC_DB"] = str(path)
    from custsvc import db, state
    from custsvc.bootstrap import open_context
    from custsvc.services import calendars, dispatch, master, settings, sla
    from custsvc.services import orders as order_service

    rng = random.Random(11)
    state.reset(db=str(path), now=NOW, actor="bench")
    with open_context(create=True) as s:
        settings.set_value(s, "timezone", "Europe/Riga")
    with open_context() as s:
        calendars.add(s, "office", timezone="Europe/Riga", hours=["mon-fri 08:00-12:00,13:00-17:00"])
        settings.set_value(s, "calendar", "office")
        sla.add(s, "std", calendar="office", response=["high=1h", "4h"], resolution=["high=8h", "24h"])
        sla.apply(s, "std", "default", None)
        master.import_rows(s, "worker", [{"worker": "M-1", "name": "Manager", "roles": "manager"}])
        master.import_rows(s, "team", [{"team": f"team-{k}", "owner": "M-1"} for k in range(3)])
        master.import_rows(
            s,
            "worker",
            [
                {
                    "worker": f"T-{n:02d}",
                    "name": f"Technician {n}",
                    "roles": "technician",
                    "team": f"team-{n % 3}",
                    "skills": ",".join(rng.sample(SKILLS, rng.randint(1, 3))),
                }
                for n in range(technicians)
            ],
        )
        master.import_rows(
            s,
            "task",
            [
                {
                    "task": f"TASK-{skill}",
                    "description": f"{skill} work",
                    "hours": str(rng.choice([1, 1.5, 2, 3])),
                    "skill": skill,
                }
                for skill in SKILLS
            ],
        )
        master.import_rows(
            s,
            "customer",
            [{"account": f"C-{n:03d}", "name": f"Customer {n}", "address": f"Street {n}"} for n in range(100)],
        )
        from datetime import timedelta

        from custsvc.domain.timeparse import parse_datetime

        start = parse_datetime(NOW)
        for n in range(technicians // 6):
            day = start + timedelta(days=rng.randint(0, 4))
            dispatch.add_absence(s, f"T-{n * 6:02d}", day, day + timedelta(hours=rng.choice([4, 24])), "absent")
        for n in range(orders):
            with s.at(start - timedelta(hours=rng.randint(0, 48))):
                number = order_service.create(
                    s, customer=f"C-{n % 100:03d}", priority=rng.choice(["high", "normal", "normal", "low"])
                )["order"]
                for skill in rng.sample(SKILLS, rng.choice([1, 1, 1, 2])):
                    order_service.add_line(s, number, type="hour", task=f"TASK-{skill}")
    db.dispose_engines()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--technicians", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dispatch.db"
        began = time.perf_counter()
        build(path, args.orders, args.technicians)
        print(f"set-up: {args.orders} orders, {args.technicians} technicians in {time.perf_counter() - began:.1f} s")
        env = {**os.environ, "CUSTSVC_DB": str(path), "CUSTSVC_NOW": NOW, "COLUMNS": "160"}
        env.pop("CUSTSVC_DEBUG", None)
        baseline, _ = timed([sys.executable, "-c", "pass"], env)
        seconds, out = timed(custsvc("--format", "json", "dispatch", "suggest", "--days", "5"), env)
        plan = json.loads(out)
        late = len(plan["late"])
        print(
            f"dispatch suggest (5 days):  {seconds:6.2f} s  placed {len(plan['proposals'])}/{plan['orders']}, "
            f"{plan['missed_deadlines']} SLA deadlines missed ({late} placed late, {len(plan['unplaced'])} not placed), "
            f"{'exact' if plan['exact'] else 'heuristic'}"
        )
        apply_seconds, _ = timed(custsvc("--format", "json", "dispatch", "suggest", "--days", "5", "--apply"), env)
        print(f"dispatch suggest --apply:   {apply_seconds:6.2f} s")
        board_seconds, board = timed(custsvc("--format", "table", "dispatch", "board"), env)
        print(f"dispatch board (30 techs):  {board_seconds:6.2f} s  ({len(board.splitlines())} lines at 160 columns)")
        print(f"python -c pass:             {baseline:6.2f} s")


if __name__ == "__main__":
    main()
