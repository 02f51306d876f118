"""The working state of the dispatch scheduler (see :mod:`custsvc.domain.scheduling`).

Jobs and technicians as the planner sees them (times in microseconds since the UTC epoch), the free
time left on every technician while a plan is built (:class:`_Board`), and the reasons given for
on-time placements.  Shared by the exact method, the heuristic and the public module; it imports
none of them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import timedelta
from operator import itemgetter

from custsvc.domain.timeparse import format_span

_TICK = timedelta(microseconds=1)
_NO_BOUND = -(1 << 62)  # "no earliest start", in microseconds
_begin = itemgetter(0)
_end = itemgetter(1)


@dataclass
class _Res:
    index: int
    key: str
    skills: frozenset[str]
    spans: list[tuple[int, int]]  # free intervals in microseconds since the epoch


@dataclass(eq=False)  # a job is itself: compared and hashed by identity
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
        self.tries = 0  # free-time look-ups made (the improvement search counts its work in them)

    def first(self, r: int, job: _Job, on_time: bool) -> tuple[int, int] | None:
        self.tries += 1
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
