"""Dispatch suggestions: which technician does which service order ("job"), and when.

Pure: the caller hands in the jobs and every technician's free time (working windows minus absences
minus work already assigned); nothing here reads a clock or a database (the improvement search reads
a stopwatch, ``timer``, for its time limit only).

Rules every plan keeps
----------------------
* A job goes only to a technician who holds every skill it needs.
* It occupies ``[start, start + duration)`` entirely inside one free interval of that technician, so
  it never runs across a break, a night or an absence.  Two free intervals that merely touch stay two
  intervals; intervals that overlap are read as their union.
* It starts on a ``step`` boundary counted from the UTC epoch (15 minutes: :00, :15, :30, :45) and
  not before its ``earliest`` start.  Jobs on one technician never overlap.
* Naive datetimes are read as UTC.

What a plan aims for, in this order
-----------------------------------
1. as few missed jobs as possible (a job with a deadline is missed when it ends after the deadline
   or cannot be placed at all);
2. as many jobs as possible on their preferred technician, but never at the price of a miss;
3. high priority and early finishes first.

Jobs are placed in three rounds: the jobs with a deadline that can finish on time, then the jobs
that will be late anyway (at their earliest finish, so they are as little late as the leftover time
allows), then the jobs without a deadline, in whatever time is still free.  In the last two rounds a
job goes to its preferred technician whenever that technician has room at all (that costs no
deadline), else to the technician who finishes it first.

The exact method (at most ``exact_limit`` jobs)
-----------------------------------------------
For one technician and a fixed order of jobs, starting every job as early as it can is best: any
schedule in that order can be shifted left into it.  So for each technician a table over subsets of
the deadline jobs holds the earliest time at which exactly that subset can be finished, all on time
(built by adding one job at a time at its earliest possible start).  A second table over subsets then
decides which subset each technician takes, maximising the number of on-time jobs, then preferred
matches, then priority, then early finishes.  This tries every order and every split, so it finds a
plan with no missed deadline whenever one exists among step-aligned starts.  Earliest-deadline-first
is not enough here: with a gap in the free time, the job with the later deadline may have to go first.

The heuristic (more jobs)
-------------------------
Jobs with a deadline are taken earliest deadline first (then priority).  Each goes to its preferred
technician when that technician can still finish it on time; otherwise to the technician who can
finish it earliest (ties: the one leaving the smaller idle gap before it, then the one with fewer
skills, to keep all-rounders free).  Finishing early keeps each technician's later time open for the
jobs with later deadlines, which is what earliest-deadline-first relies on.  A job that finds no
on-time slot gets two cheap repairs:

* move one job already on time to another on-time slot (on any technician) so that this one fits in
  the time it leaves; that wins one on-time job;
* failing that, let it take the place of a longer job that is on time in its window, which is set
  aside instead (as in Moore and Hodgson's rule for one machine): the count stays the same, but more
  time is left for the jobs still to come.

Set-aside jobs get one more try at the end.  The repairs share a fixed budget of attempts, so big
inputs stay fast.  Free time is kept per technician as a short sorted list of free pieces, split
when a job is placed and joined again (within its original interval) when one is moved.

The improvement search (after the heuristic)
--------------------------------------------
When the heuristic's plan misses a deadline that could be met, or leaves out a job that would fit,
local search follows (``scheduling_search``): rounds of ruin and recreate (``scheduling_ruin``) take
the jobs of a few technicians off around one missed job and place them again the heuristic's way in a
shuffled order, keeping a round when the whole plan scores no worse by the aims above.  It is seeded
(``seed``) and bounded by an amount of work (``iterations``) and a time limit (``time_limit``
seconds; 0: no search); the same input gives the same plan unless the time limit stops it first.
It returns the heuristic's own plan unless it found a better one.

Code layout: this module holds the public names, the input checks, the leftover rounds and the
result; the exact method is in ``scheduling_exact``, the heuristic in ``scheduling_heuristic``, the
improvement search in ``scheduling_search`` and ``scheduling_ruin``, and the working state they share
(free time, placed jobs, reasons) in ``scheduling_model``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from custsvc.domain.scheduling_exact import _exact
from custsvc.domain.scheduling_heuristic import _heuristic, _place_on_time
from custsvc.domain.scheduling_model import (
    _NO_BOUND,
    _TICK,
    _Board,
    _first_start,
    _Job,
    _preferred_note,
    _Res,
)
from custsvc.domain.scheduling_search import ITERATIONS, SearchStats, improve
from custsvc.domain.timeparse import format_duration, format_span

__all__ = ["Job", "Placement", "Plan", "Resource", "SearchStats", "plan"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Job:
    """A service order to place: how long it takes, by when, and what skills it needs."""

    key: str
    duration: timedelta
    deadline: datetime | None
    skills: frozenset[str]
    preferred: str | None = None
    priority: int = 1
    earliest: datetime | None = None


@dataclass(frozen=True)
class Resource:
    """A technician: skills and free intervals (sorted, disjoint)."""

    key: str
    skills: frozenset[str]
    free: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class Placement:
    """One proposed assignment, with the reason it was chosen."""

    job: str
    resource: str
    start: datetime
    end: datetime
    late: bool
    reason: str


@dataclass
class Plan:
    """The proposal: placements by start, jobs that found no room, and the number of missed deadlines."""

    placements: list[Placement]
    unplaced: list[tuple[str, str]]
    missed: int
    exact: bool
    #: what the improvement search did (None: it did not run: exact method, or no time for it)
    search: SearchStats | None = None


# --- the public entry point ---------------------------------------------------------------------


def plan(
    jobs: Sequence[Job],
    resources: Sequence[Resource],
    *,
    step: timedelta = timedelta(minutes=15),
    exact_limit: int = 10,
    time_limit: float = 5.0,
    iterations: int = ITERATIONS,
    seed: int = 0,
    timer: Callable[[], float] = time.perf_counter,
) -> Plan:
    """Propose technician and start for every job (see the module docstring for the rules and methods).

    ``time_limit`` (seconds, 0: none), ``iterations`` and ``seed``: the improvement search after the
    heuristic; ``timer`` is the stopwatch its time limit is read on."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    if time_limit < 0 or iterations < 0:
        raise ValueError("time_limit and iterations must not be negative")
    tick = step // _TICK
    res = _resources(resources)
    todo = _jobs(jobs, res)
    exact = len(todo) <= exact_limit
    board = _Board(res, tick)
    with_deadline = [j for j in todo if j.deadline is not None]
    late = _exact(board, with_deadline) if exact else _heuristic(board, with_deadline)
    for job in sorted(late, key=lambda j: (j.deadline, j.rank, j.lo, j.index)):
        _place_leftover(board, job, exact)
    for job in sorted((j for j in todo if j.deadline is None), key=lambda j: (j.rank, j.lo, j.index)):
        _place_leftover(board, job, exact)
    stats = None
    if not exact and time_limit > 0 and iterations > 0:
        board, stats = improve(board, todo, time_limit=time_limit, iterations=iterations, seed=seed, timer=timer)
    result = _result(board, todo, exact)
    result.search = stats
    return result


# --- input --------------------------------------------------------------------------------------


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _TICK


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _resources(resources: Sequence[Resource]) -> list[_Res]:
    """Index the technicians; sort their free intervals, drop empty ones and join overlapping ones."""
    seen: set[str] = set()
    out = []
    for index, resource in enumerate(resources):
        if resource.key in seen:
            raise ValueError(f"technician {resource.key} is listed twice")
        seen.add(resource.key)
        spans: list[tuple[int, int]] = []
        for a, b in sorted((_micros(a), _micros(b)) for a, b in resource.free):
            if b <= a:
                continue
            if spans and a < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], b))
            else:
                spans.append((a, b))
        out.append(_Res(index, resource.key, frozenset(resource.skills), spans))
    return out


def _jobs(jobs: Sequence[Job], res: list[_Res]) -> list[_Job]:
    by_key = {r.key: r.index for r in res}
    seen: set[str] = set()
    out = []
    for index, job in enumerate(jobs):
        if job.key in seen:
            raise ValueError(f"job {job.key} is listed twice")
        seen.add(job.key)
        if job.duration <= timedelta(0):
            raise ValueError(f"job {job.key} needs a positive duration")
        fits = [r.index for r in res if job.skills <= r.skills]
        wanted = by_key.get(job.preferred) if job.preferred is not None else None
        out.append(
            _Job(
                index=index,
                key=job.key,
                dur=job.duration // _TICK,
                deadline=None if job.deadline is None else _micros(job.deadline),
                lo=_NO_BOUND if job.earliest is None else _micros(job.earliest),
                skills=frozenset(job.skills),
                rank=min(max(job.priority, 0), 2),
                fits=fits,
                preferred=wanted if wanted in fits else None,
                preferred_key=job.preferred,
            )
        )
    return out


# --- leftovers, reasons and the result ------------------------------------------------------------


def _place_leftover(board: _Board, job: _Job, exact: bool) -> None:
    """Place a late or no-deadline job in the time still free: on the preferred technician when it has
    room (that costs no deadline), else where it finishes first.  A deadline job that fits on time after
    all (the repair pass can free time) is placed on time."""
    if job.deadline is not None and _place_on_time(board, job, exact):
        return
    opts = board.options(job, on_time=False)
    if not opts:
        return
    first = min(opts, key=lambda o: (o[0], o[1], o[2]))
    pick = next((o for o in opts if o[2] == job.preferred), first)
    end, _gap, r, start = pick
    board.put(job, r, start)
    on_pref = r == job.preferred
    if job.deadline is None:
        where = "preferred technician's earliest free slot" if on_pref else "earliest free slot"
        board.reason[job.index] = f"no deadline; {where}" + _preferred_note(board, job, r, "has no free slot")
        return
    if not job.alone_on_time:
        why = "no technician can finish before the deadline"
    elif exact:
        why = "finishing on time would cost other jobs their deadlines"
    else:
        why = "the on-time slots are taken by more urgent jobs"
    late = format_span((end - job.deadline) * _TICK)
    if on_pref and end > first[0]:
        tail = f"preferred technician, {late} late ({format_span((first[0] - job.deadline) * _TICK)} late elsewhere)"
    elif on_pref:
        tail = f"preferred technician, {late} late"
    else:
        tail = f"{late} late at the earliest"
    board.reason[job.index] = f"{why}; {tail}"


def _unplaced_reason(board: _Board, job: _Job) -> str:
    if not job.fits:
        if not board.res:
            return "no technicians to plan for"
        return "no technician has the skills " + ", ".join(sorted(job.skills))
    size = format_duration(job.dur * _TICK)
    if any(_first_start(board.res[r].spans, job.lo, job.dur, board.tick, None) for r in job.fits):
        return f"no free slot of {size} left after the other jobs"
    if job.lo != _NO_BOUND and any(
        _first_start(board.res[r].spans, _NO_BOUND, job.dur, board.tick, None) for r in job.fits
    ):
        return f"no free slot of {size} after its earliest start"
    return f"no free slot of {size} in the period"


def _result(board: _Board, jobs: list[_Job], exact: bool) -> Plan:
    placements = []
    unplaced = []
    missed = 0
    for job in jobs:
        spot = board.where.get(job.index)
        if spot is None:
            unplaced.append((job.key, _unplaced_reason(board, job)))
            missed += job.deadline is not None
            continue
        r, start = spot
        end = start + job.dur
        late = job.deadline is not None and end > job.deadline
        missed += late
        placements.append(
            Placement(job.key, board.res[r].key, _moment(start), _moment(end), late, board.reason[job.index])
        )
    placements.sort(key=lambda p: (p.start, p.resource))
    return Plan(placements, unplaced, missed, exact)
