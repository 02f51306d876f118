"""Dispatch suggestions: hand-made cases for every rule, and properties on generated instances."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise, permutations, product

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from custsvc.domain.scheduling import Job, Placement, Plan, Resource, plan

T0 = datetime(2026, 3, 9, tzinfo=UTC)  # a Monday, midnight UTC
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)
SKILLS = ("gas", "ac", "elec")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def job(key: str, hours: float, deadline: float | None = None, *skills: str, **extra) -> Job:
    return Job(key, timedelta(hours=hours), None if deadline is None else at(deadline), frozenset(skills), **extra)


def tech(key: str, *free: tuple[float, float], skills: Sequence[str] = ()) -> Resource:
    return Resource(key, frozenset(skills), tuple((at(a), at(b)) for a, b in free))


def check(result: Plan, jobs: Sequence[Job], resources: Sequence[Resource], step: timedelta = QUARTER) -> None:
    """Every rule a plan must keep, and an honest ``missed`` count."""
    by_job = {j.key: j for j in jobs}
    by_res = {r.key: r for r in resources}
    placed = [p.job for p in result.placements]
    unplaced = [key for key, _ in result.unplaced]
    assert sorted(placed + unplaced) == sorted(by_job), "every job exactly once"
    assert result.placements == sorted(result.placements, key=lambda p: (p.start, p.resource))
    for p in result.placements:
        j, r = by_job[p.job], by_res[p.resource]
        assert j.skills <= r.skills, f"{p.job} on {p.resource} without the skills"
        assert p.start.utcoffset() == timedelta(0)
        assert p.end - p.start == j.duration
        assert any(a <= p.start and p.end <= b for a, b in r.free), f"{p.job} not inside one free interval"
        assert (p.start - EPOCH) % step == timedelta(0), f"{p.job} starts off the step grid"
        assert j.earliest is None or p.start >= j.earliest
        assert p.late == (j.deadline is not None and p.end > j.deadline)
        assert p.reason
    for key in by_res:
        mine = sorted((p for p in result.placements if p.resource == key), key=lambda p: p.start)
        for first, second in pairwise(mine):
            assert first.end <= second.start, f"{first.job} and {second.job} overlap on {key}"
    assert all(reason for _, reason in result.unplaced)
    really = sum(p.late for p in result.placements) + sum(by_job[k].deadline is not None for k in unplaced)
    assert result.missed == really


def where(result: Plan) -> dict[str, Placement]:
    return {p.job: p for p in result.placements}


BOTH = pytest.mark.parametrize("limit", [10, 0], ids=["exact", "heuristic"])


# --- the rules ------------------------------------------------------------------------------------


@BOTH
def test_only_technicians_with_all_the_skills(limit):
    resources = [tech("T1", (8, 17), skills=["ac"]), tech("T2", (12, 17), skills=["gas", "ac"])]
    jobs = [job("SO-1", 1, 20, "gas", "ac"), job("SO-2", 1, 20)]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    assert where(result)["SO-1"].resource == "T2" and where(result)["SO-1"].start == at(12)
    assert result.missed == 0 and result.exact is (limit == 10)


@BOTH
def test_never_across_a_break_even_between_touching_intervals(limit):
    resources = [tech("T1", (8, 12), (13, 17)), tech("T2", (8, 10), (10, 17))]
    jobs = [job("A", 3, None, preferred="T1"), job("B", 2, None, preferred="T1"), job("C", 3, None, preferred="T2")]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    spots = where(result)
    assert (spots["A"].resource, spots["A"].start) == ("T1", at(8))
    assert (spots["B"].resource, spots["B"].start) == ("T1", at(13))  # 11-13 would cross lunch
    assert (spots["C"].resource, spots["C"].start) == ("T2", at(10))  # 8-11 would cross the seam at 10


@BOTH
@pytest.mark.parametrize(("step", "expected"), [(15, 8.25), (30, 8.5), (60, 9)])
def test_starts_on_the_step_grid(limit, step, expected):
    resources = [Resource("T1", frozenset(), ((at(8) + timedelta(minutes=5), at(17)),))]
    jobs = [job("SO-1", 1, 17)]
    result = plan(jobs, resources, step=timedelta(minutes=step), exact_limit=limit)
    check(result, jobs, resources, timedelta(minutes=step))
    assert result.placements[0].start == at(expected)


@BOTH
def test_earliest_start_is_respected(limit):
    resources = [tech("T1", (8, 17))]
    jobs = [job("SO-1", 1, 17, earliest=at(9) + timedelta(minutes=10)), job("SO-2", 1, 17, earliest=at(16))]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    assert where(result)["SO-1"].start == at(9.25) and where(result)["SO-2"].start == at(16)


@BOTH
def test_jobs_on_one_technician_never_overlap(limit):
    resources = [tech("T1", (8, 12), (13, 17))]
    jobs = [job(f"SO-{i}", 1.25, 17) for i in range(5)]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    assert result.missed == 0 and len(result.placements) == 5


@BOTH
def test_preferred_technician_when_it_costs_nothing(limit):
    resources = [tech("T1", (8, 17)), tech("T2", (8, 10), (13, 17))]
    jobs = [job("SO-1", 2, 17, preferred="T2"), job("SO-2", 3, 17, preferred="T2")]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    spots = where(result)
    assert spots["SO-1"].resource == spots["SO-2"].resource == "T2"  # later than T1 could, still on time
    assert result.missed == 0
    assert spots["SO-2"].reason.startswith("preferred technician; finishes")


@BOTH
def test_preferred_technician_not_at_the_price_of_a_miss(limit):
    # only T1 can do the gas job, and only 8-12; putting SO-X there would make SO-G late
    resources = [tech("T1", (8, 12), skills=["gas"]), tech("T2", (8, 12))]
    jobs = [job("SO-X", 2, 12, preferred="T1"), job("SO-G", 4, 12, "gas")]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    spots = where(result)
    assert result.missed == 0
    assert spots["SO-G"].resource == "T1" and spots["SO-X"].resource == "T2"
    if limit:
        assert spots["SO-X"].reason.startswith("preferred technician T1 is needed for other jobs")


def test_exact_finds_the_plan_earliest_deadline_first_misses():
    # free 0-2h and 3h-10h; B (deadline 4h) first would leave A no on-time room: only A 0-2, B 3-4 works
    resources = [tech("T1", (0, 2), (3, 10))]
    jobs = [job("A", 2, 4.5), job("B", 1, 4)]
    result = plan(jobs, resources)
    check(result, jobs, resources)
    assert result.exact and result.missed == 0
    spots = where(result)
    assert (spots["A"].start, spots["A"].end) == (at(0), at(2))
    assert (spots["B"].start, spots["B"].end) == (at(3), at(4))


def test_heuristic_repair_moves_a_job_to_make_room():
    resources = [tech("T1", (0, 2), (3, 10))]
    jobs = [job("A", 2, 4.5), job("B", 1, 4)]
    result = plan(jobs, resources, exact_limit=0)
    check(result, jobs, resources)
    assert not result.exact and result.missed == 0
    assert where(result)["A"].reason.startswith("on time after moving B")


def test_heuristic_gives_a_long_job_up_for_two_short_ones():
    resources = [tech("T1", (8, 12))]
    jobs = [job("LONG", 3, 11), job("S1", 2, 12), job("S2", 2, 12)]
    result = plan(jobs, resources, exact_limit=0)
    check(result, jobs, resources)
    assert result.missed == 1 and not where(result)["S1"].late and not where(result)["S2"].late
    assert where(result)["S1"].reason.startswith("on time in place of the longer LONG")


def test_exact_keeps_the_most_jobs_on_time():
    resources = [tech("T1", (8, 12))]
    jobs = [job("LONG", 4, 12), job("S1", 2, 12), job("S2", 2, 12)]
    result = plan(jobs, resources)
    check(result, jobs, resources)
    assert result.missed == 1
    assert result.unplaced == [("LONG", "no free slot of 4h left after the other jobs")]


def test_exact_prefers_high_priority_when_only_one_fits():
    resources = [tech("T1", (8, 10))]
    jobs = [job("LOW", 2, 10, priority=2), job("HIGH", 2, 10, priority=0)]
    result = plan(jobs, resources)
    check(result, jobs, resources)
    assert [p.job for p in result.placements] == ["HIGH"] and result.missed == 1


@BOTH
def test_late_jobs_are_still_placed_after_the_on_time_ones(limit):
    resources = [tech("T1", (8, 10), (11, 17)), tech("T2", (20, 22), skills=["gas"])]
    jobs = [job("LATE", 2, 10, priority=0), job("ONTIME", 2, 10), job("HOPELESS", 1, 18, "gas")]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    spots = where(result)
    assert result.missed == 2
    assert not spots[next(k for k in ("ONTIME", "LATE") if not spots[k].late)].late
    late = spots["LATE"] if spots["LATE"].late else spots["ONTIME"]
    assert (late.start, late.end) == (at(11), at(13)) and late.reason.endswith("3h late at the earliest")
    assert spots["HOPELESS"].late
    assert spots["HOPELESS"].reason == "no technician can finish before the deadline; 3h late at the earliest"


@BOTH
def test_jobs_without_deadline_go_after_those_with_one(limit):
    resources = [tech("T1", (8, 12))]
    jobs = [job("FREE", 2, None, priority=0), job("DUE", 2, 10)]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    spots = where(result)
    assert spots["DUE"].start == at(8) and spots["FREE"].start == at(10)
    assert spots["FREE"].reason == "no deadline; earliest free slot"


@BOTH
def test_reasons_for_unplaced_jobs(limit):
    resources = [tech("T1", (8, 10), (11, 13), skills=["gas"]), tech("T2", (8, 11))]
    jobs = [
        job("SKILLS", 1, 12, "refrigeration", "gas"),
        job("TOO-LONG", 3.5, None),
        job("TOO-LATE", 1, None, earliest=at(13)),
        job("FILL", 3, 12),
        job("NO-ROOM", 3, None),
    ]
    result = plan(jobs, resources, exact_limit=limit)
    check(result, jobs, resources)
    assert dict(result.unplaced) == {
        "SKILLS": "no technician has the skills gas, refrigeration",
        "TOO-LONG": "no free slot of 3h30m in the period",
        "TOO-LATE": "no free slot of 1h after its earliest start",
        "NO-ROOM": "no free slot of 3h left after the other jobs",
    }
    assert result.missed == 1  # only SKILLS has a deadline


def test_heuristic_reason_names_the_choice():
    resources = [tech("T1", (8, 17)), tech("T2", (9, 17))]
    jobs = [job("SO-1", 1, 9.75)]
    result = plan(jobs, resources, exact_limit=0)
    assert result.placements[0].reason == "earliest finish among 2 technicians with the skills; 45m to spare"


def test_unknown_or_unskilled_preferred_technician_is_ignored():
    resources = [tech("T1", (8, 17), skills=["gas"]), tech("T2", (8, 17))]
    jobs = [job("SO-1", 1, 17, "gas", preferred="T2"), job("SO-2", 1, 17, preferred="T9")]
    result = plan(jobs, resources)
    check(result, jobs, resources)
    assert where(result)["SO-1"].resource == "T1" and "T2 lacks the skills" in where(result)["SO-1"].reason
    assert "T9 is not available" in where(result)["SO-2"].reason


def test_naive_times_read_as_utc_and_overlapping_free_intervals_joined():
    naive = T0.replace(tzinfo=None)
    free = ((naive + timedelta(hours=8), naive + timedelta(hours=10)), (at(9), at(12)), (at(13), at(13)))
    resources = [Resource("T1", frozenset(), free)]
    jobs = [Job("SO-1", timedelta(hours=4), None, frozenset())]
    result = plan(jobs, resources)
    assert (result.placements[0].start, result.placements[0].end) == (at(8), at(12))


def test_empty_inputs():
    assert plan([], []) == Plan([], [], 0, True)
    result = plan([job("SO-1", 1, 10)], [])
    assert result.unplaced == [("SO-1", "no technicians to plan for")] and result.missed == 1


@pytest.mark.parametrize(
    ("jobs", "kwargs"),
    [
        ([job("A", 1), job("A", 2)], {}),
        ([Job("A", timedelta(0), None, frozenset())], {}),
        ([job("A", 1)], {"step": timedelta(0)}),
    ],
)
def test_bad_input(jobs, kwargs):
    with pytest.raises(ValueError):
        plan(jobs, [tech("T1", (8, 17))], **kwargs)


def test_duplicate_technician():
    with pytest.raises(ValueError):
        plan([], [tech("T1", (8, 17)), tech("T1", (8, 17))])


# --- generated instances --------------------------------------------------------------------------

FIVE = timedelta(minutes=5)


def _spans(draw, start: int) -> list[tuple[int, int]]:
    """Free intervals in 5-minute units over about two days; a gap of 0 makes two touching intervals."""
    spans, t = [], start
    for _ in range(draw(st.integers(1, 4))):
        a = t + draw(st.integers(0, 36))
        t = a + draw(st.integers(12, 72))
        spans.append((a, t))
    return spans


def _moment(units: int) -> datetime:
    return T0 + units * FIVE


def _aligned_start(spans: list[tuple[int, int]], lo: int, length: int) -> int | None:
    """First 15-minute aligned start >= lo (5-minute units) where ``length`` fits in one interval."""
    for a, b in spans:
        s = -(-max(a, lo) // 3) * 3
        if s + length <= b:
            return s
    return None


@st.composite
def feasible_instances(draw):
    """Lay out a valid schedule first, then give every job a deadline at or after its end."""
    resources = []
    for i in range(draw(st.integers(1, 3))):
        skills = frozenset(draw(st.sets(st.sampled_from(SKILLS))))
        resources.append((f"T{i}", skills, _spans(draw, draw(st.integers(0, 24)))))
    cursor = [-(10**6)] * len(resources)
    jobs = []
    for k in range(draw(st.integers(2, 8))):
        r = draw(st.integers(0, len(resources) - 1))
        key, skills, spans = resources[r]
        length = draw(st.integers(3, 36))
        start = _aligned_start(spans, cursor[r] + draw(st.integers(0, 12)), length)
        if start is None:
            continue
        cursor[r] = start + length
        slack = draw(st.sampled_from([0, 0, 1, 3, 6, 24, 288]))
        earliest = draw(st.one_of(st.none(), st.integers(0, 12).map(lambda back, s=start: _moment(s - back))))
        preferred = draw(st.one_of(st.none(), st.sampled_from([name for name, _, _ in resources] + ["T9"])))
        jobs.append(
            Job(
                f"SO-{k:06}",
                length * FIVE,
                _moment(start + length + slack),
                frozenset(draw(st.sets(st.sampled_from(sorted(skills))))) if skills else frozenset(),
                preferred=preferred,
                priority=draw(st.integers(0, 2)),
                earliest=earliest,
            )
        )
    assume(len(jobs) >= 2)
    order = draw(st.permutations(jobs))
    return list(order), [Resource(k, s, tuple((_moment(a), _moment(b)) for a, b in spans)) for k, s, spans in resources]


@settings(deadline=None, max_examples=200)
@given(feasible_instances())
def test_exact_misses_nothing_when_a_plan_without_misses_exists(instance):
    jobs, resources = instance
    result = plan(jobs, resources)
    check(result, jobs, resources)
    assert result.exact
    assert result.missed == 0
    assert len(result.placements) == len(jobs) and not result.unplaced


@st.composite
def any_instances(draw, max_jobs: int = 12):
    """Random instances, feasible or not: skills nobody has, unknown preferences, no deadlines."""
    resources = [
        Resource(
            f"T{i}",
            frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
            tuple((_moment(a), _moment(b)) for a, b in _spans(draw, draw(st.integers(0, 24)))),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    jobs = []
    for k in range(draw(st.integers(0, max_jobs))):
        jobs.append(
            Job(
                f"SO-{k:06}",
                draw(st.integers(1, 48)) * FIVE,
                draw(st.one_of(st.none(), st.integers(0, 600).map(_moment))),
                frozenset(draw(st.sets(st.sampled_from(SKILLS + ("refrigeration",)), max_size=2))),
                preferred=draw(st.one_of(st.none(), st.sampled_from(["T0", "T1", "T2", "T9"]))),
                priority=draw(st.integers(0, 2)),
                earliest=draw(st.one_of(st.none(), st.integers(0, 400).map(_moment))),
            )
        )
    step = draw(st.sampled_from([FIVE, QUARTER, timedelta(minutes=30), timedelta(hours=1)]))
    return jobs, resources, step


@settings(deadline=None, max_examples=200)
@given(any_instances())
def test_every_plan_keeps_the_rules(instance):
    jobs, resources, step = instance
    exact = plan(jobs, resources, step=step)
    heuristic = plan(jobs, resources, step=step, exact_limit=0)
    check(exact, jobs, resources, step)
    check(heuristic, jobs, resources, step)
    assert exact.exact is (len(jobs) <= 10) and heuristic.exact == (not jobs)  # no jobs: trivially exact
    if exact.exact:
        assert exact.missed <= heuristic.missed


def _best_by_brute_force(jobs: Sequence[Job], resources: Sequence[Resource], step: timedelta) -> tuple[int, int]:
    """(most on-time jobs, then most of them on their preferred technician), trying every split of the
    deadline jobs over the technicians and every order on each, each job at its earliest start."""

    def fits(order: Sequence[Job], res: Resource) -> bool:
        t = None
        for j in order:
            lo = j.earliest if t is None else (t if j.earliest is None else max(t, j.earliest))
            start = None
            for a, b in res.free:
                s = a if lo is None else max(a, lo)
                s = EPOCH + -(-(s - EPOCH) // step) * step
                if s + j.duration <= b:
                    start = s
                    break
            if start is None or start + j.duration > j.deadline:
                return False
            t = start + j.duration
        return True

    due = [j for j in jobs if j.deadline is not None]
    best = (0, 0)
    for choice in product(range(-1, len(resources)), repeat=len(due)):
        on_time = sum(c >= 0 for c in choice)
        preferred = sum(c >= 0 and due[i].preferred == resources[c].key for i, c in enumerate(choice))
        if (on_time, preferred) <= best:
            continue
        if any(r >= 0 and not due[i].skills <= resources[r].skills for i, r in enumerate(choice)):
            continue
        groups = [[due[i] for i, c in enumerate(choice) if c == r] for r in range(len(resources))]
        if all(
            any(fits(order, res) for order in permutations(group)) for group, res in zip(groups, resources, strict=True)
        ):
            best = (on_time, preferred)
    return best


@settings(deadline=None, max_examples=150)
@given(any_instances(max_jobs=5))
def test_exact_matches_brute_force(instance):
    jobs, resources, step = instance
    assume(len(resources) <= 2)
    result = plan(jobs, resources, step=step)
    on_time = [
        p for p in result.placements if not p.late and next(j for j in jobs if j.key == p.job).deadline is not None
    ]
    preferred = sum(next(j for j in jobs if j.key == p.job).preferred == p.resource for p in on_time)
    assert (len(on_time), preferred) == _best_by_brute_force(jobs, resources, step)
