"""Ruin and recreate, the large move of the improvement search (:mod:`custsvc.domain.scheduling_search`).

One round picks a job the plan misses (or could not place) and a stretch of time around where it
has to run: from a little before its latest start to a little after its deadline (for a job without
a deadline, a stretch at a random time).  It takes off every job that overlaps that stretch on a few
technicians (half of them with the skills the job needs, the others any), adds a few other jobs set
aside, and places them all again the heuristic's way: the jobs with a deadline in a shuffled
earliest-deadline (or tightest-window) order, each on time where it ends early (now and then not the
very earliest, so that rounds differ), else by moving an on-time job or taking a longer one's
place; then the others where they end first.  All other work stays where it is.  The round is kept
when the plan scores no worse: plans that score the same are walked across, so that the next round
starts somewhere else.  Every choice comes from the seeded generator ``rng``.
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from custsvc.domain.scheduling_heuristic import _repair, _swap_longer
from custsvc.domain.scheduling_model import _Board, _Job


class _Search(Protocol):
    """What a round needs of the search (``scheduling_search._Search``, which imports this module)."""

    res: list[Any]
    tick: int
    w: Any  # origin and horizon
    lines: list[Any]  # per technician: seq, starts
    aside: list[int]
    jobs: dict[int, _Job]

    def spend(self, work: int) -> None: ...

    def lay(self, r: int, base: Any, seq: tuple[_Job, ...], k: int) -> Any: ...

    def move_of(self, lines: dict[int, Any], out: tuple[int, ...]) -> Any: ...

    def apply(self, move: Any) -> None: ...


_HOUR = 3_600_000_000  # microseconds
#: how far the stretch reaches beyond the job's own window, in steps (at most)
MARGIN = 16
#: technicians a round takes jobs off, one of these chosen per round
TECHNICIANS = (4, 6, 8, 12, 16)
#: the shuffle: deadlines are read up to this many hours later
NOISE_HOURS = 2
#: the chance of ordering by tightest window instead of earliest deadline, and of passing over the
#: earliest finish for the next one
TIGHT_FIRST = 0.5
PASS_OVER = 0.2
#: repair attempts per round
REPAIRS = 100
#: jobs set aside (besides the one the round is for) that a round tries to place again, at most
ASIDE = 8

Blocked = list[tuple[int, int, int]]  # (job, technician, start) of work that stays but may not move


def ruin_and_recreate(search: _Search, rng: random.Random, hopeful: list[_Job]) -> int:
    """One round (see the module docstring); 1 when it was kept, else 0."""
    job = rng.choice(hopeful)
    a, b = _stretch(search, job, rng)
    board, removed, blocked = _ruin(search, job, _technicians(search, job, rng), a, b, rng)
    _recreate(search, board, removed, rng, a)
    move = _as_move(search, board, blocked)
    if move.delta > 0:
        return 0
    search.apply(move)
    return 1


def _stretch(search: _Search, job: _Job, rng: random.Random) -> tuple[int, int]:
    before, after = rng.randint(0, MARGIN) * search.tick, rng.randint(0, MARGIN) * search.tick
    if job.deadline is not None:
        return max(job.lo, job.deadline - job.dur - before), job.deadline + after
    lo = max(job.lo, search.w.origin)
    steps = max(0, (search.w.horizon - lo - job.dur) // search.tick)
    a = lo + rng.randint(0, steps) * search.tick
    return a, a + job.dur + after


def _technicians(search: _Search, job: _Job, rng: random.Random) -> set[int]:
    size = rng.choice(TECHNICIANS)
    skilled = list(job.fits)
    rng.shuffle(skilled)
    chosen = set(skilled[: max(1, size // 2)])
    others = [r for r in range(len(search.res)) if r not in chosen]
    rng.shuffle(others)
    return chosen | set(others[: max(0, size - len(chosen))])


def _ruin(
    search: _Search, job: _Job, techs: set[int], a: int, b: int, rng: random.Random
) -> tuple[_Board, list[_Job], Blocked]:
    """A board with the work that stays, the jobs taken off, and the stay-put work the heuristic's
    repairs must not touch (jobs without a deadline, late jobs)."""
    board = _Board(search.res, search.tick)
    removed, blocked = [job], []
    for r, line in enumerate(search.lines):
        for x, start in zip(line.seq, line.starts, strict=True):
            if x is job:
                continue
            if r in techs and start < b and start + x.dur > a:
                removed.append(x)
                continue
            loose = x.deadline is None or start + x.dur > x.deadline
            board.put(x, r, start)
            if loose:  # holds its time, but is no on-time job the repairs could move
                del board.on[r][x.index]
                del board.where[x.index]
                blocked.append((x.index, r, start))
    waiting = [search.jobs[i] for i in search.aside if i != job.index and techs.intersection(search.jobs[i].fits)]
    removed += rng.sample(waiting, min(len(waiting), ASIDE))
    search.spend(len(search.jobs) // 8)  # the board
    return board, removed, blocked


def _recreate(search: _Search, board: _Board, removed: list[_Job], rng: random.Random, a: int) -> None:
    """Place the jobs taken off again, the heuristic's way, in a shuffled order."""
    budget = [REPAIRS]
    late = []
    for x in _shuffled([x for x in removed if x.deadline is not None], rng, a):
        if _on_time(board, x, rng):
            continue
        if not x.alone_on_time:
            late.append(x)
        elif not _repair(board, x, budget):
            late.append(_swap_longer(board, x, budget) or x)
    rest = sorted(late, key=lambda j: (j.deadline, j.rank, j.lo, j.index))
    rest += sorted((x for x in removed if x.deadline is None), key=lambda j: (j.rank, j.lo, j.index))
    _leftovers(board, rest, rng)
    search.spend(board.tries)


def _leftovers(board: _Board, jobs: list[_Job], rng: random.Random) -> None:
    """The late jobs and those without a deadline, as the heuristic's leftover rounds place them: on
    time after all if a deadline job fits now, else on the preferred technician if it has room, else
    where the job ends first."""
    for x in jobs:
        if x.deadline is not None and _on_time(board, x, rng):
            continue
        opts = board.options(x, on_time=False)
        if opts:
            first = min(opts, key=lambda o: (o[0], o[1], o[2]))
            _end, _gap, r, start = next((o for o in opts if o[2] == x.preferred), first)
            board.put(x, r, start)


def _shuffled(due: list[_Job], rng: random.Random, a: int) -> list[_Job]:
    """The deadline jobs by deadline, or (now and then) by the room their window leaves, each read
    up to ``NOISE_HOURS`` later: the order in which a round places them."""
    tight = rng.random() < TIGHT_FIRST
    keys = {}
    for x in due:
        base = x.deadline - max(x.lo, a - 8 * _HOUR) - x.dur if tight else x.deadline  # type: ignore[operator]
        keys[x.index] = base + rng.random() * NOISE_HOURS * _HOUR
    return sorted(due, key=lambda x: (keys[x.index], x.index))


def _on_time(board: _Board, job: _Job, rng: random.Random) -> bool:
    """Place ``job`` on time: on its preferred technician if it can, else where it ends early,
    passing over the earliest finish now and then.  False when it fits on time nowhere."""
    opts = board.options(job, on_time=True)
    if not opts:
        return False
    opts.sort(key=lambda o: (o[2] != job.preferred, o[0], o[1], len(board.res[o[2]].skills), o[2]))
    i = 0
    while i + 1 < len(opts) and rng.random() < PASS_OVER:
        i += 1
    _end, _gap, r, start = opts[i]
    board.put(job, r, start)
    return True


def _as_move(search: _Search, board: _Board, blocked: Blocked) -> Any:
    """The plan on ``board`` (with the blocked work) as a move of the search."""
    where = dict(board.where)
    for i, r, start in blocked:
        where[i] = (r, start)
    seqs: list[list[_Job]] = [[] for _ in search.res]
    for i, (r, _start) in sorted(where.items(), key=lambda t: (t[1][1], t[0])):
        seqs[r].append(search.jobs[i])
    lines = {}
    for r, seq in enumerate(seqs):
        if tuple(seq) != search.lines[r].seq:
            lines[r] = search.lay(r, search.lines[r], tuple(seq), 0)  # nothing kept: k = 0
    return search.move_of(lines, tuple(i for i in search.jobs if i not in where))
