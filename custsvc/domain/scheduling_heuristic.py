"""The heuristic method of the dispatch scheduler, for more jobs than the exact method takes.

Earliest deadline first with earliest finishes, and two cheap repairs for a job that finds no
on-time slot (see the module docstring of :mod:`custsvc.domain.scheduling`).
"""

from __future__ import annotations

from custsvc.domain.scheduling_model import _TICK, _Board, _first_start, _Job, _on_time_reason
from custsvc.domain.timeparse import format_span

_REPAIR_BUDGET = 20000  # move attempts in the heuristic's repair pass


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
                    spare = format_span((job.deadline - hit[0] - job.dur) * _TICK)  # type: ignore[operator]
                    board.reason[job.index] = f"on time after moving {other.key}; {spare} to spare"
                    board.reason[other.index] = (
                        f"moved to make room for {job.key}; {format_span((other.deadline - end) * _TICK)} to spare"
                    )
                    return True
                board.lift(job)
            board.put(other, r, old)
    return False


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
