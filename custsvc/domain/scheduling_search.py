"""The improvement search of the dispatch scheduler: local search on the heuristic's plan.

The plan is read as one list of jobs per technician, in the order they start, plus the jobs set
aside (not placed).  Every list is laid out the one way that is best for its order: each job at its
earliest step-aligned start after the one before it, inside one free interval (any schedule in that
order can be shifted left into it, so nothing gets later).  A plan is scored as one integer that
compares like the tuple (missed deadlines, jobs not placed, minus jobs on their preferred
technician, steps late, finishes in steps weighted by priority: 3 high, 2 normal, 1 low): the aims
of :mod:`custsvc.domain.scheduling`, in their order.

The move is **ruin and recreate** (:mod:`custsvc.domain.scheduling_ruin`): take the jobs off a few
technicians in a stretch of time around one missed (or set-aside) job, and place them again the
heuristic's way in a shuffled order, so they change technicians and positions.  A round is kept
when the plan scores no worse, so the search can walk across plans that score the same.

The search stops when no missed job could be on time even alone and no job set aside would fit
alone ("nothing to gain"), after ``PATIENCE`` rounds in a row without a better plan, when its
``iterations`` (work: free-time look-ups and jobs laid out) are spent, or at the time limit,
whichever comes first.  The shuffles come from a generator seeded with ``seed``: the same input
gives the same plan unless the time limit cuts the search short.  The result is the heuristic's own
plan unless the search found a better one: it never makes a plan worse, and every list keeps the
rules (skills, free time, earliest starts, no overlaps) because it is laid out with them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from custsvc.domain.scheduling_model import _NO_BOUND, _TICK, _Board, _first_start, _Job, _preferred_note
from custsvc.domain.scheduling_ruin import ruin_and_recreate
from custsvc.domain.timeparse import format_span

#: rounds of ruin and recreate in a row without a better plan before the search gives up
PATIENCE = 1000
#: the work budget: free-time look-ups and jobs laid out (about 1 to 3 seconds for 500 jobs)
ITERATIONS = 500_000


@dataclass(frozen=True)
class SearchStats:
    """What the improvement search did: missed deadlines before and after, rounds kept and rounds
    of ruin and recreate tried, work done (see ``ITERATIONS``) and why it stopped."""

    missed_before: int
    missed_after: int
    moves: int
    rounds: int
    work: int
    stopped: str


@dataclass(frozen=True)
class _Line:
    """One technician's jobs in order, their starts, and ``acc[i]``: the score of the first i jobs."""

    seq: tuple[_Job, ...]
    starts: tuple[int, ...]
    acc: tuple[int, ...]

    @property
    def cost(self) -> int:
        return self.acc[-1]

    def end(self, i: int) -> int:
        return self.starts[i] + self.seq[i].dur


_EMPTY = _Line((), (), (0,))


@dataclass(frozen=True)
class _Move:
    delta: int  # the change of the plan's score
    lines: dict[int, _Line]  # technician -> new list
    out: tuple[int, ...] = ()  # jobs set aside


class _Stop(Exception):
    """The work budget or the time limit is reached."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _Weights:
    """Multipliers that make one integer compare like (missed, unplaced, -preferred, late, finishes)."""

    def __init__(self, board: _Board, jobs: list[_Job]) -> None:
        spans = [s for r in board.res for s in r.spans]
        self.origin = min((a for a, _ in spans), default=0)
        self.horizon = max((b for _, b in spans), default=0)
        ticks = (self.horizon - self.origin) // board.tick + 2
        overdue = [(self.horizon - j.deadline) // board.tick + 2 for j in jobs if j.deadline is not None]
        n = len(jobs) + 1
        self.late = 3 * n * ticks + 1
        self.pref = self.late * (n * max([ticks, *overdue]) + 1)  # deadlines may lie before the period
        self.unplaced = self.pref * (n + 1)
        self.miss = self.unplaced * (n + 1)


class _Search:
    """The plan being improved: a list per technician and the jobs set aside."""

    def __init__(self, board: _Board, jobs: list[_Job], timer: Callable[[], float], stop_at: float, budget: int):
        self.board, self.res, self.tick = board, board.res, board.tick
        self.w = _Weights(board, jobs)
        self.timer, self.stop_at, self.budget, self.work = timer, float("inf"), 1 << 62, 0
        self.jobs = {j.index: j for j in jobs}
        placed: list[list[_Job]] = [[] for _ in self.res]
        for job in sorted(jobs, key=lambda j: (board.where.get(j.index, (0, 0))[1], j.index)):
            if job.index in board.where:
                placed[board.where[job.index][0]].append(job)
        self.lines = [self.lay(r, _EMPTY, tuple(seq), 0) for r, seq in enumerate(placed)]
        self.home = {job.index: r for r, line in enumerate(self.lines) for job in line.seq}
        self.aside = sorted(j.index for j in jobs if j.index not in self.home)
        self.stop_at, self.budget, self.work = stop_at, budget, 0  # reading the plan in is free

    # --- scoring ------------------------------------------------------------------------------

    def job_cost(self, job: _Job, r: int, end: int) -> int:
        w = self.w
        cost = (end - w.origin) // self.tick * (3 - job.rank)
        if job.preferred == r:
            cost -= w.pref
        if job.deadline is not None and end > job.deadline:
            cost += w.miss + -(-(end - job.deadline) // self.tick) * w.late
        return cost

    def aside_cost(self, job: _Job) -> int:
        return self.w.unplaced + (self.w.miss if job.deadline is not None else 0)

    def board_cost(self, board: _Board) -> int:
        """The score of the plan on ``board`` as it stands."""
        placed = sum(self.job_cost(self.jobs[i], r, s + self.jobs[i].dur) for i, (r, s) in board.where.items())
        return placed + sum(self.aside_cost(j) for i, j in self.jobs.items() if i not in board.where)

    def total(self) -> int:
        return sum(line.cost for line in self.lines) + sum(self.aside_cost(self.jobs[i]) for i in self.aside)

    def missed(self) -> int:
        return len(self.targets(aside_without_deadline=False))

    def spend(self, work: int) -> None:
        self.work += work
        if self.work > self.budget:
            raise _Stop("iteration budget")
        if self.timer() >= self.stop_at:
            raise _Stop("time limit")

    # --- laying out ---------------------------------------------------------------------------

    def lay(self, r: int, base: _Line, seq: tuple[_Job, ...], k: int) -> _Line:
        """``seq`` on technician ``r`` (in the order of a valid schedule), each job as early as it can;
        the first ``k`` jobs are those of ``base``, whose starts and scores are kept."""
        self.spend(len(seq) - k + 1)
        spans, tick = self.res[r].spans, self.tick
        starts, acc = list(base.starts[:k]), list(base.acc[: k + 1])
        t = base.end(k - 1) if k else _NO_BOUND
        cost = acc[-1]
        for job in seq[k:]:
            hit = _first_start(spans, max(t, job.lo), job.dur, tick, None)
            assert hit is not None, "a valid schedule shifted left still fits"
            starts.append(hit[0])
            t = hit[0] + job.dur
            cost += self.job_cost(job, r, t)
            acc.append(cost)
        return _Line(seq, tuple(starts), tuple(acc))

    # --- changing the plan --------------------------------------------------------------------

    def move_of(self, lines: dict[int, _Line], out: tuple[int, ...]) -> _Move:
        """The move to ``lines`` (technician -> list) with ``out`` set aside, and its score change."""
        placed = {j.index for line in lines.values() for j in line.seq}
        leaving = set(out) - placed
        back = {i for i in self.aside if i in placed}
        delta = sum(line.acc[-1] - self.lines[r].cost for r, line in lines.items())
        delta += sum(self.aside_cost(self.jobs[i]) for i in leaving - set(self.aside))
        delta -= sum(self.aside_cost(self.jobs[i]) for i in back)
        return _Move(delta, lines, tuple(sorted(leaving)))

    def apply(self, move: _Move) -> None:
        for r, line in move.lines.items():
            self.lines[r] = line
            for job in line.seq:
                self.home[job.index] = r
        for i in move.out:
            self.home.pop(i, None)
        self.aside = sorted((set(self.aside) | set(move.out)) - set(self.home))

    def board_of(self) -> _Board:
        """A board holding the plan, with a reason for every job whose place changed."""
        old = self.board
        board = _Board(self.res, self.tick)
        for r, line in enumerate(self.lines):
            for job, start in zip(line.seq, line.starts, strict=True):
                board.put(job, r, start)
                same = old.where.get(job.index) == (r, start)
                board.reason[job.index] = old.reason[job.index] if same else _reason(board, job, r, start)
        return board

    def targets(self, *, aside_without_deadline: bool = True) -> list[_Job]:
        """The missed jobs (late or set aside) and, unless told not to, the other jobs set aside; by
        deadline (none last), then input order."""
        jobs = [self.jobs[i] for i in self.aside if aside_without_deadline or self.jobs[i].deadline is not None]
        jobs += [
            j
            for line in self.lines
            for i, j in enumerate(line.seq)
            if j.deadline is not None and line.end(i) > j.deadline
        ]
        return sorted(jobs, key=lambda j: (j.deadline is None, j.deadline or 0, j.index))

    def hopeful(self) -> list[_Job]:
        """The targets that could be put right: a missed job that could be on time alone, a job set
        aside that would fit alone."""
        out = []
        for job in self.targets():
            if job.deadline is not None:
                if job.alone_on_time:
                    out.append(job)
            elif any(_first_start(self.res[r].spans, job.lo, job.dur, self.tick, None) for r in job.fits):
                out.append(job)
        return out


def improve(
    board: _Board, jobs: list[_Job], *, time_limit: float, iterations: int, seed: int, timer: Callable[[], float]
) -> tuple[_Board, SearchStats]:
    """Improve the plan on ``board`` (see the module docstring); returns the better board (or
    ``board`` itself) and what the search did.  ``timer``: the stopwatch of the time limit (seconds)."""
    search = _Search(board, jobs, timer, timer() + time_limit, iterations)
    before, start = search.missed(), search.board_cost(board)
    best = search.total()
    kept = rounds = idle = 0
    rng = random.Random(seed)
    stopped = "nothing to gain"
    try:
        while hopeful := search.hopeful():
            if idle >= PATIENCE:
                stopped = "patience"
                break
            kept += ruin_and_recreate(search, rng, hopeful)  # never makes the plan worse
            rounds += 1
            idle += 1
            if search.total() < best:
                best, idle = search.total(), 0
    except _Stop as stop:
        stopped = stop.why
    if search.total() >= start:  # nothing better than the heuristic's own plan
        return board, SearchStats(before, before, 0, rounds, search.work, stopped)
    return search.board_of(), SearchStats(before, search.missed(), kept, rounds, search.work, stopped)


def _reason(board: _Board, job: _Job, r: int, start: int) -> str:
    """Why a job the search placed is where it is."""
    end = start + job.dur
    if job.deadline is None:
        return "no deadline; fitted in by the improvement search" + _preferred_note(board, job, r, "has no room")
    if end > job.deadline:
        late = format_span((end - job.deadline) * _TICK)
        return f"no on-time slot left in the improved plan; {late} late" + _preferred_note(board, job, r, "has no room")
    spare = format_span((job.deadline - end) * _TICK)
    if r == job.preferred:
        return f"preferred technician; finishes {spare} before the deadline"
    note = _preferred_note(board, job, r, "is needed for other jobs")
    return f"on time in the plan the improvement search found; {spare} to spare" + note
