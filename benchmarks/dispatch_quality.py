"""Plan quality of `dispatch suggest`: missed SLA deadlines on instances that have a plan missing none.

    python benchmarks/dispatch_quality.py [--seeds 3] [--sizes 40,100,150,500] [--time-limit 5]

Each instance is built backwards: technicians with skills, working windows over two days and some
absences; then a plan that fills their free time (durations on the quarter hour, idle gaps, each job
inside one free stretch); then every job gets skills its technician has, sometimes an earliest start
and a preferred technician, and a deadline at or after the end that hidden plan gives it (a few jobs get
none).  The jobs are shuffled and renamed, so nothing of the hidden plan shows.  So a plan without a
missed deadline exists by construction.  Travel is not part of the model (see README: how suggest
works), so there is none here either.

For each instance the pure planner (``custsvc.domain.scheduling.plan``) runs twice: the heuristic alone
(``time_limit=0``) and the heuristic followed by the improvement search, and the script prints the
missed deadlines and the time of each.  Everything is seeded: the same arguments print the same misses.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from custsvc.domain.scheduling import Job, Resource, plan  # noqa: E402

T0 = datetime(2026, 3, 9, tzinfo=UTC)  # a Monday
QUARTER = timedelta(minutes=15)
SKILLS = ("gas", "refrigeration", "electrical", "plumbing")
DURATIONS = (2, 3, 4, 4, 6, 6, 8, 10, 12)  # quarter hours: 30 minutes to 3 hours
SLACK = (0, 0, 0, 0, 1, 2, 4)  # quarter hours after the hidden end: most deadlines are tight


def _hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def _free_time(rng: random.Random, days: int) -> list[tuple[datetime, datetime]]:
    """Working windows over ``days`` days (an office day with lunch, or a late shift), some with an absence."""
    late = rng.random() < 0.2
    spans = []
    for day in range(days):
        base = 24 * day
        windows = [(base + 12, base + 20)] if late else [(base + 8, base + 12), (base + 13, base + 17)]
        for a, b in windows:
            spans.append((_hours(a), _hours(b)))
    if rng.random() < 0.25:  # an absence of 1 to 4 hours somewhere
        i = rng.randrange(len(spans))
        a, b = spans[i]
        cut = a + QUARTER * rng.randint(0, 8)
        back = min(b, cut + QUARTER * rng.randint(4, 16))
        spans[i : i + 1] = [s for s in ((a, cut), (back, b)) if s[1] > s[0]]
    return spans


def _fill(rng: random.Random, spans: list[tuple[datetime, datetime]], room: int) -> list[tuple[datetime, timedelta]]:
    """A schedule of at most ``room`` jobs that fills the free stretches: (start, duration) each."""
    out: list[tuple[datetime, timedelta]] = []
    for a, b in spans:
        t = a
        while len(out) < room:
            if rng.random() < 0.15:
                t += QUARTER * rng.randint(1, 4)  # some idle time
            fitting = [d for d in DURATIONS if t + QUARTER * d <= b]
            if not fitting:
                break
            length = QUARTER * rng.choice(fitting)
            out.append((t, length))
            t += length
    return out


def instance(size: int, seed: int, days: int = 2) -> tuple[list[Job], list[Resource], dict[str, tuple[str, datetime]]]:
    """``size`` jobs, the technicians and the hidden plan (job -> (technician, start)) that misses nothing."""
    rng = random.Random(seed * 1_000_003 + size)
    resources: list[Resource] = []
    hidden: list[tuple[Job, str, datetime]] = []
    while len(hidden) < size:
        key = f"T-{len(resources):03d}"
        skills = frozenset(rng.sample(SKILLS, rng.randint(1, 3)))
        spans = _free_time(rng, days)
        resources.append(Resource(key, skills, tuple(spans)))
        for start, length in _fill(rng, spans, size - len(hidden)):
            end = start + length
            deadline = None if rng.random() < 0.1 else end + QUARTER * rng.choice(SLACK)
            earliest = start - QUARTER * rng.randint(0, 8) if rng.random() < 0.5 else None
            roll = rng.random()
            preferred = key if roll < 0.15 else (f"T-{rng.randrange(len(resources)):03d}" if roll < 0.2 else None)
            needs = frozenset(rng.sample(sorted(skills), rng.choice([0, 1, 1, 1, 2][: len(skills) + 2])))
            job = Job("", length, deadline, needs, preferred, rng.randint(0, 2), earliest)
            hidden.append((job, key, start))
    rng.shuffle(hidden)
    rng.shuffle(resources)
    jobs, secret = [], {}
    for n, (job, key, start) in enumerate(hidden):
        named = Job(f"SO-{n:05d}", job.duration, job.deadline, job.skills, job.preferred, job.priority, job.earliest)
        jobs.append(named)
        secret[named.key] = (key, start)
    return jobs, resources, secret


def check_hidden(jobs: list[Job], resources: list[Resource], secret: dict[str, tuple[str, datetime]]) -> None:
    """The hidden plan keeps every rule and misses no deadline (else the generator is wrong)."""
    by_res = {r.key: r for r in resources}
    busy: dict[str, list[tuple[datetime, datetime]]] = {}
    for job in jobs:
        key, start = secret[job.key]
        end, res = start + job.duration, by_res[key]
        assert job.skills <= res.skills and any(a <= start and end <= b for a, b in res.free), job
        assert (job.earliest is None or start >= job.earliest) and (job.deadline is None or end <= job.deadline)
        busy.setdefault(key, []).append((start, end))
    for spans in busy.values():
        spans.sort()
        assert all(x[1] <= y[0] for x, y in zip(spans, spans[1:], strict=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="instances per size")
    parser.add_argument("--sizes", default="40,100,150,500")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds for the improvement search")
    args = parser.parse_args()
    print(f"{'orders':>6} {'techs':>5} {'seed':>4} | {'heuristic: missed':>17} {'unplaced':>8} {'time':>6} | "
          f"{'+ search: missed':>16} {'unplaced':>8} {'time':>6}  stopped by")  # fmt: skip
    totals = {"heuristic": [0, 0.0], "search": [0, 0.0]}
    for size in (int(s) for s in args.sizes.split(",")):
        for seed in range(args.seeds):
            jobs, resources, secret = instance(size, seed)
            check_hidden(jobs, resources, secret)
            began = time.perf_counter()
            alone = plan(jobs, resources, time_limit=0)
            middle = time.perf_counter()
            better = plan(jobs, resources, time_limit=args.time_limit)
            done = time.perf_counter()
            for key, result, seconds in (("heuristic", alone, middle - began), ("search", better, done - middle)):
                totals[key][0] += result.missed
                totals[key][1] += seconds
            stopped = better.search.stopped if better.search else "-"
            print(
                f"{size:>6} {len(resources):>5} {seed:>4} | {alone.missed:>17} {len(alone.unplaced):>8} "
                f"{middle - began:>5.2f}s | {better.missed:>16} {len(better.unplaced):>8} {done - middle:>5.2f}s  {stopped}"
            )
    print(
        f"missed in all: heuristic {totals['heuristic'][0]} ({totals['heuristic'][1]:.1f} s), with the improvement "
        f"search {totals['search'][0]} ({totals['search'][1]:.1f} s); a plan missing none exists for every instance"
    )


if __name__ == "__main__":
    main()
