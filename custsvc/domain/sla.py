"""The SLA clock of one order, from its events: pure, so it can be tested exhaustively.

* The clock runs in the SLA calendar's business time from ``start``.
* It pauses during ``pauses`` (stages that stop the clock, manual stops); paused business time moves a
  deadline later by exactly that much, as long as the pause begins before the deadline is reached.
  A deadline is the instant at which the counted (unpaused) business time reaches the target, so a
  pause can never make a deadline earlier, and a pause after a deadline cannot undo a breach.
* A target is met when its event (response, resolution) happens by the deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from custsvc.domain.calendar import BusinessCalendar, Pause, merge

STATUSES = ("on-track", "at-risk", "paused", "breached", "met", "canceled")


@dataclass
class Clock:
    start: datetime
    response_target: float
    resolution_target: float
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    canceled_at: datetime | None = None
    pauses: Sequence[Pause] = ()


@dataclass
class Target:
    name: str
    target: float
    due: datetime | None
    done_at: datetime | None
    seconds: float  # business seconds used, to the event or to now
    paused_seconds: float
    state: str  # met | breached | pending
    remaining: float | None  # business seconds from now to the due (pending only; negative when late)


@dataclass
class ClockState:
    response: Target
    resolution: Target
    paused: bool
    status: str
    compliance_pct: float
    pauses: list[Pause] = field(default_factory=list)

    @property
    def paused_seconds(self) -> float:
        return self.resolution.paused_seconds


def clip(pauses: Sequence[Pause], until: datetime) -> list[Pause]:
    """The pauses up to ``until``; one still open at ``until`` ends there."""
    result: list[Pause] = []
    for start, end in merge(pauses):
        if start >= until:
            break
        result.append((start, until if end is None or end > until else end))
    return result


def _target(
    calendar: BusinessCalendar, clock: Clock, name: str, target: float, done_at: datetime | None, now: datetime
) -> Target:
    until = done_at or clock.canceled_at or now
    pauses = clip(clock.pauses, until)
    due = calendar.add(clock.start, target, pauses)
    used = calendar.counted(clock.start, until, pauses)
    paused = sum(calendar.seconds(a, b) for a, b in pauses if b is not None and b > clock.start)
    if done_at is not None:
        state = "met" if due is None or done_at <= due else "breached"
        remaining = None
    elif due is not None and until > due:
        state, remaining = "breached", -calendar.seconds(due, until)
    else:
        state = "pending"
        remaining = calendar.seconds(until, due) if due is not None else None
    return Target(name, target, due, done_at, used, paused, state, remaining)


def evaluate(calendar: BusinessCalendar, clock: Clock, now: datetime, at_risk: float = 0.25) -> ClockState:
    """Deadlines, business time used and status of the clock as of ``now``.

    ``at_risk``: a pending target with at most this share of its business time left is at risk.
    """
    responded = clock.responded_at or clock.resolved_at
    response = _target(calendar, clock, "response", clock.response_target, responded, now)
    resolution = _target(calendar, clock, "resolution", clock.resolution_target, clock.resolved_at, now)
    open_pause = (
        any(start <= now and (end is None or end > now) for start, end in merge(clock.pauses))
        and clock.resolved_at is None
        and clock.canceled_at is None
    )
    status = _status(clock, response, resolution, open_pause, at_risk)
    pct = 100.0 * resolution.seconds / clock.resolution_target if clock.resolution_target else 0.0
    return ClockState(response, resolution, open_pause, status, round(pct, 1), list(merge(clock.pauses)))


def _status(clock: Clock, response: Target, resolution: Target, open_pause: bool, at_risk: float) -> str:
    """The clock's overall status, first match wins: canceled, breached (either target), met (resolved on
    time), paused (a pause open now), else at-risk when a pending target has at most ``at_risk`` of its
    business time left, or on-track."""
    if clock.canceled_at is not None:
        return "canceled"
    if "breached" in (response.state, resolution.state):
        return "breached"
    if resolution.state == "met":
        return "met"
    if open_pause:
        return "paused"
    pending = [t for t in (response, resolution) if t.state == "pending" and t.remaining is not None]
    risky = any(t.remaining <= at_risk * t.target for t in pending)  # type: ignore[operator]
    return "at-risk" if risky else "on-track"


def pauses_from_log(events: Sequence[tuple[datetime, str]]) -> list[Pause]:
    """Pause intervals from (time, event) pairs: ``pause``/``resume`` (a stage that stops the clock)
    and ``stop``/``start`` (a manual stop) each open and close their own pauses."""
    result: list[Pause] = []
    open_since: dict[str, datetime | None] = {"stage": None, "manual": None}
    for at, event in sorted(events, key=lambda e: e[0]):
        source = "stage" if event in ("pause", "resume") else "manual" if event in ("stop", "start") else None
        if source is None:
            continue
        if event in ("pause", "stop"):
            if open_since[source] is None:
                open_since[source] = at
        elif open_since[source] is not None:
            result.append((open_since[source], at))  # type: ignore[arg-type]
            open_since[source] = None
    for since in open_since.values():
        if since is not None:
            result.append((since, None))
    return merge(result)


def stored_outcome(state: ClockState, *, canceled: bool, resolved: bool, responded: bool) -> str:
    """The outcome kept with an order after an event: canceled, met or breached once decided; a late
    response stays a breach whatever happens next; otherwise open (it may still breach later without
    any event: see ``outcome_as_of``)."""
    if canceled:
        return "canceled"
    if resolved:
        return "met" if state.status == "met" else "breached"
    if responded and state.response.state == "breached":
        return "breached"
    return "open"


def outcome_as_of(
    stored: str,
    now: datetime,
    *,
    paused_since: datetime | None,
    response_due: datetime | None,
    responded_at: datetime | None,
    resolution_due: datetime | None,
) -> str:
    """met | breached | open | canceled as of ``now``, from what was kept at the last event (no
    calendar arithmetic): an open order breaches when a deadline not yet met passes. While the clock is
    paused its deadlines move on, so a paused order is breached only when a deadline passed before the
    pause began ("breached while paused")."""
    if stored != "open":
        return stored
    for due, done in ((response_due, responded_at), (resolution_due, None)):
        if due is None or done is not None:
            continue
        if (paused_since is None and due < now) or (paused_since is not None and due < paused_since):
            return "breached"
    return "open"
