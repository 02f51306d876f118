"""The exact method of the dispatch scheduler, for few deadline jobs.

For one technician and a fixed order of jobs, starting every job as early as it can is best.  So per
technician a table over subsets of its deadline jobs holds the earliest time at which exactly that
subset can be finished, all on time; a second table over subsets then decides which subset each
technician takes (see the module docstring of :mod:`custsvc.domain.scheduling`).

Subsets are bit masks: a *local* mask over one technician's candidate jobs, a *global* mask over the
positions of all deadline jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from custsvc.domain.scheduling_model import _NO_BOUND, _Board, _first_start, _Job, _on_time_reason, _Res


@dataclass(frozen=True)
class _Weights:
    """Weights that make one integer score compare like (on-time count, preferred count, priority,
    early finish), in that order."""

    ontime: int
    pref: int
    origin: int  # the earliest free moment of any technician
    scale: int  # larger than any finish offset, so early finishes only break ties


@dataclass
class _Table:
    """One technician's subset table, indexed by local mask (``None`` where the subset cannot all be
    finished on time)."""

    res: _Res
    cand: list[tuple[int, _Job]]  # (position among the deadline jobs, job)
    finish: list[int | None]  # earliest time at which the subset is finished
    back: list[tuple[int, int, int] | None]  # (subset before the last job, that job's local index, its start)
    whole: list[int]  # the subset as a global mask
    worth: list[int]  # on-time, preferred and priority weights of the subset, summed
    sets: dict[int, tuple[int, int]] = field(default_factory=dict)  # global mask -> (score, local mask)
    reach: int = 0  # global mask of all the candidates


def _exact(board: _Board, jobs: list[_Job]) -> list[_Job]:
    """Place the largest possible set of deadline jobs on time (then most preferred); return the rest."""
    weights = _weights(board, len(jobs))
    tables = []
    for r in board.res:
        table = _table(board, r, jobs, weights)
        if table is not None:
            tables.append(table)
    covered, layers = _best_split(tables)
    _place_chosen(board, tables, layers, covered)
    return [j for j in jobs if j.index not in board.where]


def _weights(board: _Board, n: int) -> _Weights:
    """The score weights for ``n`` deadline jobs on the board's technicians."""
    pref = 2 * n + 1  # more than any priority sum
    ontime = pref * (n + 1)  # more than any preferred and priority sum
    spans_all = [s for r in board.res for s in r.spans]
    origin = min((a for a, _ in spans_all), default=0)
    horizon = max((b for _, b in spans_all), default=0) - origin + 1
    return _Weights(ontime, pref, origin, len(board.res) * horizon + 1)


def _candidates(board: _Board, r: _Res, jobs: list[_Job]) -> list[tuple[int, _Job]]:
    """The deadline jobs (with their positions) that technician ``r`` has the skills for and could
    finish on time if it had no other work; each of them is marked as able to be on time alone."""
    cand = [
        (pos, j)
        for pos, j in enumerate(jobs)
        if r.index in j.fits and _first_start(r.spans, j.lo, j.dur, board.tick, j.deadline)
    ]
    for _pos, j in cand:
        j.alone_on_time = True
    return cand


def _table(board: _Board, r: _Res, jobs: list[_Job], weights: _Weights) -> _Table | None:
    """Technician ``r``'s subset table with the score of every subset it can finish on time, or None
    when it can finish none of the jobs on time."""
    cand = _candidates(board, r, jobs)
    if not cand:
        return None
    size = 1 << len(cand)
    table = _Table(r, cand, [None] * size, [None] * size, [0] * size, [0] * size)
    table.finish[0] = _NO_BOUND
    for mask in range(size):
        _extend(table, mask, board.tick, weights)
    table.sets = {
        table.whole[m]: (table.worth[m] * weights.scale - (table.finish[m] - weights.origin), m)  # type: ignore[operator]
        for m in range(1, size)
        if table.finish[m] is not None
    }
    table.reach = sum(1 << pos for pos, _ in cand)
    return table


def _extend(table: _Table, mask: int, tick: int, weights: _Weights) -> None:
    """Add each job not yet in subset ``mask`` at its earliest on-time start after the subset's finish,
    keeping for every larger subset the way to it that finishes earliest."""
    t = table.finish[mask]
    if t is None:
        return
    r = table.res
    for local, (pos, job) in enumerate(table.cand):
        b = 1 << local
        if mask & b:
            continue
        hit = _first_start(r.spans, max(t, job.lo), job.dur, tick, job.deadline)
        if hit is None:
            continue
        nxt, end = mask | b, hit[0] + job.dur
        if table.finish[nxt] is None or end < table.finish[nxt]:  # type: ignore[operator]
            table.finish[nxt] = end
            table.back[nxt] = (mask, local, hit[0])
            table.whole[nxt] = table.whole[mask] | (1 << pos)
            gain = weights.ontime + (weights.pref if job.preferred == r.index else 0) + (2 - job.rank)
            table.worth[nxt] = table.worth[mask] + gain


def _best_split(tables: list[_Table]) -> tuple[int, list[dict[int, tuple[int, int]]]]:
    """Decide which subset each technician takes, one technician after the other.

    Returns the global mask of the jobs covered by the best split, and per technician the choices
    made (covered afterwards -> (covered before, subset taken)) to trace it back."""
    best: dict[int, int] = {0: 0}  # jobs covered -> score
    layers = []
    for table in tables:
        best, chosen = _add_technician(best, table)
        layers.append(chosen)
    return max(best, key=lambda k: best[k]), layers


def _add_technician(best: dict[int, int], table: _Table) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """The best scores after giving one more technician a subset of the jobs not yet covered, and the
    choices that reached each newly best cover."""
    nxt = dict(best)
    chosen: dict[int, tuple[int, int]] = {}
    for covered, score in best.items():
        room = table.reach & ~covered
        if not room:
            continue
        for s, v in _free_sets(table.sets, covered, room):
            total, key = score + v, covered | s
            if total > nxt.get(key, -1):
                nxt[key] = total
                chosen[key] = (covered, s)
    return nxt, chosen


def _free_sets(sets: dict[int, tuple[int, int]], covered: int, room: int) -> Iterable[tuple[int, int]]:
    """(subset, score) for every subset in ``sets`` that shares no job with ``covered``: by walking
    ``sets`` when it is smaller than the subsets of ``room``, else by walking those subsets."""
    if len(sets) <= 1 << room.bit_count():
        return ((s, v) for s, (v, _m) in sets.items() if not s & covered)
    return _subsets_in(room, sets)


def _subsets_in(room: int, sets: dict[int, tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """(subset, score) for every non-empty subset of ``room`` that ``sets`` holds."""
    s = room
    while s:
        hit = sets.get(s)
        if hit is not None:
            yield s, hit[0]
        s = (s - 1) & room


def _place_chosen(board: _Board, tables: list[_Table], layers: list[dict[int, tuple[int, int]]], covered: int) -> None:
    """Trace the best split back from the last technician to the first and place every chosen job."""
    for table, chosen in reversed(list(zip(tables, layers, strict=True))):
        if covered not in chosen:
            continue
        covered, s = chosen[covered]
        _place_subset(board, table, table.sets[s][1])


def _place_subset(board: _Board, table: _Table, mask: int) -> None:
    """Place the jobs of one technician's subset ``mask`` at the starts its table found, last job first."""
    r = table.res.index
    while mask:
        prev, local, start = table.back[mask]  # type: ignore[misc]
        job = table.cand[local][1]
        board.put(job, r, start)
        board.reason[job.index] = _on_time_reason(board, job, r, start, exact=True)
        mask = prev
