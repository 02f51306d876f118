"""Dispatch suggestions: which technician does which service order ("job"), and when.

Pure: the caller hands in the jobs and every technician's free time (working windows minus absences
minus work already assigned); nothing here reads a clock or a database.

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
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from custsvc.domain.timeparse import format_duration, format_span

__all__ = ["Job", "Placement", "Plan", "Resource", "plan"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)
_NO_BOUND = -(1 << 62)  # "no earliest start", in microseconds
_REPAIR_BUDGET = 20000  # move attempts in the heuristic's repair pass
_begin = itemgetter(0)
_end = itemgetter(1)


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


# --- the public entry point ---------------------------------------------------------------------


def plan(
    jobs: Sequence[Job],
    resources: Sequence[Resource],
    *,
    step: timedelta = timedelta(minutes=15),
    exact_limit: int = 10,
) -> Plan:
    """Propose technician and start for every job (see the module docstring for the rules and methods)."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    tick = step // _TICK
    res = _resources(resources)
    todo = _jobs(jobs, res)
    exact = len(todo) <= exact_limit
    board = _Board(res, tick)
    with_deadline = [j for j in todo if j.deadline is not None]
    if exact:
        late = _exact(board, with_deadline)
    else:
        late = _heuristic(board, with_deadline)
    for job in sorted(late, key=lambda j: (j.deadline, j.rank, j.lo, j.index)):
        _place_leftover(board, job, exact)
    for job in sorted((j for j in todo if j.deadline is None), key=lambda j: (j.rank, j.lo, j.index)):
        _place_leftover(board, job, exact)
    return _result(board, todo, exact)


# --- input --------------------------------------------------------------------------------------


@dataclass
class _Res:
    index: int
    key: str
    skills: frozenset[str]
    spans: list[tuple[int, int]]  # free intervals in microseconds since the epoch


@dataclass
class _Job:
    index: int
    key: str
    dur: int
    deadline: int | None
    lo: int  # earliest start, or _NO_BOUND
    skills: frozenset[str]
    rank: int  # priority clamped to 0..2
    fits: list[int]  # resources with all the skills
    preferred: int | None  # index of the preferred resource, when it has the skills
    preferred_key: str | None
    alone_on_time: bool = False  # some technician could finish it on time if it had no other work


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


# --- free time ------------------------------------------------------------------------------------


def _first_start(
    pieces: list[tuple[int, int]], lo: int, dur: int, tick: int, limit: int | None
) -> tuple[int, int] | None:
    """Earliest step-aligned start >= ``lo`` at which ``dur`` fits inside one piece, ending by ``limit``
    (when given).  Returns (start, begin of its piece) or None."""
    for i in range(bisect_left(pieces, lo + dur, key=_end), len(pieces)):
        a, b = pieces[i]
        start = -(-max(a, lo) // tick) * tick
        end = start + dur
        if limit is not None and end > limit:
            return None  # later pieces only start later
        if end <= b:
            return start, a
    return None


class _Board:
    """The free time left on every technician while a plan is built, and what is placed where."""

    def __init__(self, res: list[_Res], tick: int) -> None:
        self.res = res
        self.tick = tick
        self.free = [list(r.spans) for r in res]
        self.where: dict[int, tuple[int, int]] = {}  # job index -> (resource, start)
        self.on: list[dict[int, _Job]] = [{} for _ in res]  # resource -> placed jobs
        self.reason: dict[int, str] = {}

    def first(self, r: int, job: _Job, on_time: bool) -> tuple[int, int] | None:
        return _first_start(self.free[r], job.lo, job.dur, self.tick, job.deadline if on_time else None)

    def options(self, job: _Job, on_time: bool) -> list[tuple[int, int, int, int]]:
        """(end, idle gap before the start, resource, start) on every skilled technician with room."""
        out = []
        for r in job.fits:
            hit = self.first(r, job, on_time)
            if hit is not None:
                out.append((hit[0] + job.dur, hit[0] - hit[1], r, hit[0]))
        return out

    def put(self, job: _Job, r: int, start: int) -> None:
        pieces = self.free[r]
        i = bisect_right(pieces, start, key=_begin) - 1
        a, b = pieces[i]
        end = start + job.dur
        assert a <= start and end <= b, "placement outside free time"
        pieces[i : i + 1] = [p for p in ((a, start), (end, b)) if p[1] > p[0]]
        self.where[job.index] = (r, start)
        self.on[r][job.index] = job

    def lift(self, job: _Job) -> tuple[int, int]:
        """Take a job off its technician, giving its time back (joined only within the original interval)."""
        r, start = self.where.pop(job.index)
        del self.on[r][job.index]
        end = start + job.dur
        spans = self.res[r].spans
        oa, ob = spans[bisect_right(spans, start, key=_begin) - 1]
        pieces = self.free[r]
        i = bisect_left(pieces, start, key=_begin)
        a, b, lo, hi = start, end, i, i
        if i > 0 and pieces[i - 1][1] == start and start > oa:
            a, lo = pieces[i - 1][0], i - 1
        if i < len(pieces) and pieces[i][0] == end and end < ob:
            b, hi = pieces[i][1], i + 1
        pieces[lo:hi] = [(a, b)]
        return r, start


# --- the exact method ---------------------------------------------------------------------------


def _exact(board: _Board, jobs: list[_Job]) -> list[_Job]:
    """Place the largest possible set of deadline jobs on time (then most preferred); return the rest."""
    tick = board.tick
    n = len(jobs)
    bit = [1 << pos for pos in range(n)]
    w_pref = 2 * n + 1  # weights make the sums compare lexicographically:
    w_ontime = w_pref * (n + 1)  # on-time count, then preferred count, then priority
    spans_all = [s for r in board.res for s in r.spans]
    origin = min((a for a, _ in spans_all), default=0)
    horizon = max((b for _, b in spans_all), default=0) - origin + 1
    scale = len(board.res) * horizon + 1  # so that early finishes only break ties
    tables = []
    for r in board.res:
        cand = [
            (pos, j)
            for pos, j in enumerate(jobs)
            if r.index in j.fits and _first_start(r.spans, j.lo, j.dur, tick, j.deadline)
        ]
        for _pos, j in cand:
            j.alone_on_time = True
        if not cand:
            continue
        size = 1 << len(cand)
        finish: list[int | None] = [None] * size
        finish[0] = _NO_BOUND
        back: list[tuple[int, int, int] | None] = [None] * size
        whole = [0] * size  # the subset as a mask over all deadline jobs
        worth = [0] * size
        for mask in range(size):
            t = finish[mask]
            if t is None:
                continue
            for local, (pos, job) in enumerate(cand):
                b = 1 << local
                if mask & b:
                    continue
                hit = _first_start(r.spans, max(t, job.lo), job.dur, tick, job.deadline)
                if hit is None:
                    continue
                nxt, end = mask | b, hit[0] + job.dur
                if finish[nxt] is None or end < finish[nxt]:  # type: ignore[operator]
                    finish[nxt] = end
                    back[nxt] = (mask, local, hit[0])
                    whole[nxt] = whole[mask] | bit[pos]
                    worth[nxt] = worth[mask] + w_ontime + (w_pref if job.preferred == r.index else 0) + (2 - job.rank)
        sets = {whole[m]: (worth[m] * scale - (finish[m] - origin), m) for m in range(1, size) if finish[m] is not None}  # type: ignore[operator]
        tables.append((r, cand, finish, back, sets, sum(bit[pos] for pos, _ in cand)))

    best: dict[int, int] = {0: 0}  # jobs covered -> score
    layers = []
    for r, _cand, _finish, _back, sets, reach in tables:
        nxt = dict(best)
        chosen: dict[int, tuple[int, int]] = {}
        for covered, score in best.items():
            room = reach & ~covered
            if not room:
                continue
            if len(sets) <= 1 << room.bit_count():
                pairs = ((s, v) for s, (v, _m) in sets.items() if not s & covered)
            else:
                pairs = _subsets_in(room, sets)
            for s, v in pairs:
                total, key = score + v, covered | s
                if total > nxt.get(key, -1):
                    nxt[key] = total
                    chosen[key] = (covered, s)
        layers.append(chosen)
        best = nxt
    covered = max(best, key=lambda k: best[k])

    for (r, cand, _finish, back, sets, _reach), chosen in reversed(list(zip(tables, layers, strict=True))):
        if covered not in chosen:
            continue
        covered, s = chosen[covered]
        mask = sets[s][1]
        while mask:
            prev, local, start = back[mask]  # type: ignore[misc]
            job = cand[local][1]
            board.put(job, r.index, start)
            board.reason[job.index] = _on_time_reason(board, job, r.index, start, exact=True)
            mask = prev
    return [j for j in jobs if j.index not in board.where]


def _subsets_in(room: int, sets: dict[int, tuple[int, int]]):
    """(subset, score) for every non-empty subset of ``room`` that ``sets`` holds."""
    s = room
    while s:
        hit = sets.get(s)
        if hit is not None:
            yield s, hit[0]
        s = (s - 1) & room


# --- the heuristic ------------------------------------------------------------------------------


def _heuristic(board: _Board, jobs: list[_Job]) -> list[_Job]:
    """Earliest deadline first, earliest finish, with repairs.  Returns the jobs left late."""
    late = []
    res = board.res
    budget = [_REPAIR_BUDGET]
    for job in sorted(jobs, key=lambda j: (j.deadline, j.rank, j.lo, j.index)):
        job.alone_on_time = any(_first_start(res[r].spans, job.lo, job.dur, board.tick, job.deadline) for r in job.fits)
        if _place_on_time(board, job, exact=False):
            continue
        if not job.alone_on_time:
            late.append(job)
        elif not _repair(board, job, budget):
            late.append(_swap_longer(board, job, budget) or job)
    return [
        job
        for job in late
        if not (job.alone_on_time and (_place_on_time(board, job, exact=False) or _repair(board, job, budget)))
    ]


def _swap_longer(board: _Board, job: _Job, budget: list[int]) -> _Job | None:
    """Put ``job`` on time in place of a longer on-time job, which is returned (now unplaced).

    The count of on-time jobs stays the same but more free time is left for the jobs still to come."""
    for r in job.fits:
        longer = [k for k in board.on[r].values() if k.dur > job.dur and _overlaps(board, k, job)]
        for other in sorted(longer, key=lambda k: (-k.dur, k.index)):
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            _, old = board.lift(other)
            hit = board.first(r, job, on_time=True)
            if hit is not None:
                board.put(job, r, hit[0])
                spare = format_span((job.deadline - hit[0] - job.dur) * _TICK)  # type: ignore[operator]
                board.reason[job.index] = f"on time in place of the longer {other.key}; {spare} to spare"
                board.reason.pop(other.index, None)
                return other
            board.put(other, r, old)
    return None


def _overlaps(board: _Board, placed: _Job, job: _Job) -> bool:
    """Does the placed job sit in the window in which ``job`` could run on time?"""
    start = board.where[placed.index][1]
    return start < job.deadline and start + placed.dur > job.lo  # type: ignore[operator]


def _repair(board: _Board, job: _Job, budget: list[int]) -> bool:
    """Try to fit ``job`` on time by moving one on-time job to another on-time slot."""
    for r in job.fits:
        movable = [k for k in board.on[r].values() if _overlaps(board, k, job)]
        movable.sort(key=lambda k: (-(k.deadline - board.where[k.index][1] - k.dur), k.index))  # most slack first
        for other in movable:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            _, old = board.lift(other)
            hit = board.first(r, job, on_time=True)
            if hit is not None:
                board.put(job, r, hit[0])
                opts = board.options(other, on_time=True)
                if opts:
                    end, _gap, r2, start2 = min(opts, key=lambda o: (o[0], o[1], o[2]))
                    board.put(other, r2, start2)
                    board.reason[job.index] = (
                        f"on time after moving {other.key}; {format_span((job.deadline - hit[0] - job.dur) * _TICK)} to spare"
                    )
                    board.reason[other.index] = (
                        f"moved to make room for {job.key}; {format_span((other.deadline - end) * _TICK)} to spare"
                    )
                    return True
                board.lift(job)
            board.put(other, r, old)
    return False


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


def _place_on_time(board: _Board, job: _Job, exact: bool) -> bool:
    """The heuristic's choice for a deadline job: the preferred technician if it finishes in time,
    else the earliest finish (then the smaller idle gap, then fewer skills).  False when nobody can."""
    opts = board.options(job, on_time=True)
    if not opts:
        return False
    pick = next((o for o in opts if o[2] == job.preferred), None)
    if pick is None:
        pick = min(opts, key=lambda o: (o[0], o[1], len(board.res[o[2]].skills), o[2]))
    board.put(job, pick[2], pick[3])
    board.reason[job.index] = _on_time_reason(board, job, pick[2], pick[3], exact)
    return True


def _preferred_note(board: _Board, job: _Job, r: int, trouble: str) -> str:
    if job.preferred_key is None or r == job.preferred:
        return ""
    if job.preferred is None:
        known = any(res.key == job.preferred_key for res in board.res)
        return f" (preferred technician {job.preferred_key} {'lacks the skills' if known else 'is not available'})"
    return f" (preferred technician {job.preferred_key} {trouble})" if trouble else ""


def _on_time_reason(board: _Board, job: _Job, r: int, start: int, exact: bool) -> str:
    spare = format_span((job.deadline - start - job.dur) * _TICK)  # type: ignore[operator]
    if r == job.preferred:
        return f"preferred technician; finishes {spare} before the deadline"
    if exact:
        if job.preferred is not None:
            pref = board.res[job.preferred]
            alone = _first_start(pref.spans, job.lo, job.dur, board.tick, job.deadline)
            trouble = "is needed for other jobs" if alone else "cannot finish in time"
            return f"preferred technician {pref.key} {trouble}; {spare} to spare"
        return (
            "on time in the plan with the fewest missed deadlines; "
            + f"{spare} to spare"
            + _preferred_note(board, job, r, "")
        )
    count = len(job.fits)
    how = (
        "the only technician with the skills"
        if count == 1
        else f"earliest finish among {count} technicians with the skills"
    )
    if job.preferred is not None:
        how = f"preferred technician {board.res[job.preferred].key} cannot finish in time; " + how
    return f"{how}; {spare} to spare" + _preferred_note(board, job, r, "")


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
