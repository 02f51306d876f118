"""Dispatch: `dispatch suggest` for 500 orders and 30 technicians over 5 days, with and without `--apply`,
and `dispatch board` for 30 technicians.

    python benchmarks/dispatch.py [--orders 500] [--technicians 30] [--repeat 3]

Builds the shop through the services (technicians in 3 teams with 1-3 of 4 skills and absences,
an SLA, orders with 1-2 task lines each), then times the command-line runs, each the median of
``--repeat`` runs on a fresh copy of the shop: `dispatch suggest` and `dispatch suggest --apply`
(which must cost at most 1.5 times the suggestion alone), once with the heuristic alone
(`--time-limit 0`) and once with the improvement search at its default time limit; prints the
ratio of each pair, the SLA resolution deadlines the plan misses, and `python -c pass` as a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
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
    seconds, _cpu, out = timed_cpu(args, env)
    return seconds, out


def timed_cpu(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds (user + system, less disturbed by other work on the machine)
    and the output of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, result.stdout


def _copy(shop: Path, folder: Path, n: int) -> Path:
    target = folder / f"run-{n}.db"
    shutil.copyfile(shop, target)
    return target


Times = tuple[float, float]  # median wall-clock and CPU seconds


def _pair(shop: Path, folder: Path, env: dict[str, str], extra: list[str], repeat: int) -> tuple[Times, Times, dict]:
    """Median seconds of `suggest` and of `suggest --apply`, each pair on a fresh copy of the shop,
    and the plan; the applied plan must be the suggested one (the planner is deterministic)."""
    plain: list[tuple[float, float]] = []
    applied: list[tuple[float, float]] = []
    plan: dict = {}
    for n in range(repeat):
        run_env = {**env, "CUSTSVC_DB": str(_copy(shop, folder, n))}
        args = ["--format", "json", "dispatch", "suggest", "--days", "5", *extra]
        wall, cpu, out = timed_cpu(custsvc(*args), run_env)
        plain.append((wall, cpu))
        wall, cpu, done = timed_cpu(custsvc(*args, "--apply"), run_env)
        applied.append((wall, cpu))
        plan, made = json.loads(out), json.loads(done)
        assert made["applied"] and made["proposals"] == plan["proposals"], "suggest --apply made another plan"
    return _median(plain), _median(applied), plan


def _median(runs: list[tuple[float, float]]) -> Times:
    return statistics.median(w for w, _c in runs), statistics.median(c for _w, c in runs)


def _line(name: str, seconds: Times, applied: Times, plan: dict) -> None:
    search = plan.get("search") or {}
    how = "exact" if plan["exact"] else "heuristic" + (f" + search ({search['stopped']})" if search else "")
    print(
        f"{name:<26}{seconds[0]:6.2f} s  ({seconds[1]:5.2f} s CPU)  placed {len(plan['proposals'])}/{plan['orders']}, "
        f"{plan['missed_deadlines']} SLA deadlines missed ({len(plan['late'])} placed late, "
        f"{len(plan['unplaced'])} not placed), {how}"
    )
    print(
        f"{'  --apply':<26}{applied[0]:6.2f} s  ({applied[1]:5.2f} s CPU)  {applied[0] / seconds[0]:4.2f}x the "
        f"suggestion alone ({applied[1] / seconds[1]:4.2f}x in CPU; target: at most 1.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--technicians", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the median is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "dispatch.db"
        began = time.perf_counter()
        build(path, args.orders, args.technicians)
        print(f"set-up: {args.orders} orders, {args.technicians} technicians in {time.perf_counter() - began:.1f} s")
        env = {**os.environ, "CUSTSVC_NOW": NOW, "COLUMNS": "160"}
        env.pop("CUSTSVC_DEBUG", None)
        baseline = statistics.median(timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat))
        for name_, extra in (("suggest --time-limit 0:", ["--time-limit", "0"]), ("suggest (5 days):", [])):
            _line(name_, *_pair(path, folder, env, extra, args.repeat))
        board_env = {**env, "CUSTSVC_DB": str(_copy(path, folder, 0))}
        timed(custsvc("dispatch", "suggest", "--days", "5", "--apply"), board_env)
        board_seconds, board = timed(custsvc("--format", "table", "dispatch", "board"), board_env)
        print(
            f"{'dispatch board (30 techs):':<26}{board_seconds:6.2f} s  ({len(board.splitlines())} lines at 160 columns)"
        )
        print(f"{'python -c pass:':<26}{baseline:6.2f} s")


if __name__ == "__main__":
    main()
