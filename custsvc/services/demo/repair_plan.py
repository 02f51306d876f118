"""The plan of the demo shop's two years of repairs (``fixtures/repair_codes.json``), replayed by
``custsvc.services.demo.repairs``.

The plan is drawn by one seeded ``random.Random`` from the fixture's failure rates per model, heating
faults mostly in winter and cooling faults in summer. One model year is weak: the first VB24's pump
seizes every winter (November to February), often again within a month. A part is swapped in the
object's BOM (by serial, from stock received for it) only after the last change the BOM has already
recorded; before that the fault's ``fallback`` (a repair on site) is what happened. A few calls of
the last week are still open."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from custsvc.context import Context
from custsvc.domain.timeparse import localize
from custsvc.services.demo.timeline import relative_time

#: how much more (or less) often a seasonal fault happens in a month than on average
SEASONS = {
    "winter": {11: 2.2, 12: 2.4, 1: 2.4, 2: 2.0, 3: 1.3, 10: 1.2, 4: 0.7, 9: 0.7},
    "summer": {6: 2.2, 7: 2.6, 8: 2.2, 5: 1.2, 9: 1.1, 4: 0.5, 10: 0.5},
}
OFF_SEASON = 0.3
#: slots a visit may start in (the shop's hours, around the lunch break)
SLOTS = ((8, 0), (10, 0), (13, 0), (15, 0))


@dataclass
class Unit:
    """A service object as the plan sees it."""

    obj: str
    customer: str
    template: str
    version: str
    installed: date
    swaps_from: datetime  # after the last change its BOM has recorded
    parts: dict[str, tuple[str, bool]]  # position: (item, serialized)


@dataclass
class Call:
    """One repair: the call, its visits (one or two), the fault and how it ends."""

    at: datetime
    unit: Unit
    fault: str
    technician: str
    visits: list[datetime]
    hours: Decimal
    priority: str = "normal"
    repeat: bool = False
    open: dict[str, Any] | None = None
    new_serial: str | None = None

    @property
    def done(self) -> datetime:
        return self.visits[-1] + timedelta(hours=float(self.hours))


def _local(ctx: Context, day: date, hour: int, minute: int = 0) -> datetime:
    return localize(datetime.combine(day, time(hour, minute)), ctx.tz).astimezone(UTC)


def _weekday(day: date, later: int = 0) -> date:
    """``later`` working days after ``day`` (Saturday and Sunday skipped; a weekend day moves on)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(later):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


class Planner:
    """Every call of the two years, from the fixture's rates; deterministic for a given today."""

    def __init__(self, ctx: Context, spec: dict[str, Any], units: list[Unit], skilled: dict[str, list[str]]):
        self.ctx, self.spec, self.units, self.skilled = ctx, spec, units, skilled
        self.faults: dict[str, dict[str, Any]] = spec["faults"]
        self.weak = spec["weak"]
        self.rng = random.Random(spec["seed"])
        self.start = ctx.today - relativedelta(months=spec["months"])
        self.end = ctx.today - timedelta(days=8)  # the history's finished calls end a week ago
        self.serial = int(spec["serials_from"])

    def plan(self) -> list[Call]:
        calls: list[Call] = []
        for unit in self.units:
            days = self._monthly(unit) + (self._winters(unit) if self._is_weak(unit) else [])
            calls += self._spread(unit, sorted(days))
        calls += [self._open(spec) for spec in self.spec["open"]]
        return sorted(calls, key=lambda c: c.at)

    def _is_weak(self, unit: Unit) -> bool:
        return (unit.template, unit.version) == (self.weak["template"], self.weak["version"])

    def _factor(self, fault: str, month: int) -> float:
        season = self.faults[fault].get("season")
        return SEASONS[season].get(month, OFF_SEASON) if season else 1.0

    def _monthly(self, unit: Unit) -> list[tuple[date, str]]:
        model = self.spec["models"][unit.template]
        weights = model["faults"]
        per_month = model["per_year"] / 12 * (self.weak["per_year_factor"] if self._is_weak(unit) else 1)
        total = sum(weights.values())
        first = max(self.start, unit.installed + timedelta(days=10))
        out = []
        month = first.replace(day=1)
        while month <= self.end:
            for fault, weight in weights.items():
                rate = per_month * weight / total * self._factor(fault, month.month)
                for _ in range(3):  # up to three of a kind a month
                    if self.rng.random() < rate / 3:
                        day = month + timedelta(days=self.rng.randrange(28))
                        if first <= day <= self.end and self._old_enough(unit, fault, day):
                            out.append((day, fault))
            month += relativedelta(months=1)
        return out

    def _old_enough(self, unit: Unit, fault: str, day: date) -> bool:
        months = self.faults[fault].get("min_age_months")
        return not months or unit.installed + relativedelta(months=months) <= day

    def _winters(self, unit: Unit) -> list[tuple[date, str]]:
        """The weak model's pump: once every winter (November to February)."""
        out = []
        for year in range(self.start.year - 1, self.end.year + 1):
            if self.rng.random() >= self.weak["chance"]:
                continue
            day = date(year, 11, 5) + timedelta(days=self.rng.randrange(105))
            if max(self.start, unit.installed) <= day <= self.end:
                out.append((day, self.weak["fault"]))
        return out

    def _spread(self, unit: Unit, days: list[tuple[date, str]]) -> list[Call]:
        """One call at a time on an object; a fix that did not hold brings the customer back."""
        calls: list[Call] = []
        busy_until = datetime.min.replace(tzinfo=UTC)
        while days:
            day, fault, *repeat = days.pop(0)
            call = self._call(unit, day, fault, repeat=bool(repeat))
            if call.at <= busy_until + timedelta(days=1):
                continue
            calls.append(call)
            busy_until = call.done
            for follow in self._follow_ups(unit, call):
                bisect.insort(days, follow)
        return calls

    def _follow_ups(self, unit: Unit, call: Call) -> list[tuple[date, str, bool]]:
        done = call.done.astimezone(self.ctx.tz).date()
        out = []
        spec = self.faults[call.fault]
        low, high = self.weak["repeat_days"]
        if self._is_weak(unit) and spec.get("diagnosis") == "PUMP-SEIZED":
            # the fix often does not hold; the fix of the fix mostly does (winter ends)
            if self.rng.random() < self.weak["repeat"] * (0.4 if call.repeat else 1):
                out.append((done + timedelta(days=self.rng.randint(low, high)), self.weak["fault"], True))
            elif call.new_serial and self.rng.random() < 0.5:
                out.append((done + timedelta(days=self.rng.randint(2, 6)), self.weak["air"], True))
        elif self.rng.random() < spec.get("callback", 0):
            out.append((done + timedelta(days=self.rng.randint(low, high)), call.fault, True))
        return [f for f in out if f[0] <= self.end]

    def _call(self, unit: Unit, day: date, fault: str, *, repeat: bool = False) -> Call:
        day = _weekday(day)
        at = _local(self.ctx, day, self.rng.randint(7, 14), self.rng.choice((0, 10, 20, 35, 45, 50)))
        if self.faults[fault].get("swap") and at <= unit.swaps_from:
            fault = self.faults[fault]["fallback"]  # before the BOM could record a swap
        spec = self.faults[fault]
        urgent = spec.get("condition") in ("OUT-OF-ORDER", "LOCKED-OUT")
        if urgent and at.astimezone(self.ctx.tz).hour < 12:
            first = at + timedelta(hours=self.rng.randint(2, 3))
        else:
            slot = self.rng.choice(SLOTS[:1] + SLOTS[2:3])
            first = _local(self.ctx, _weekday(day, 1), *slot)
        visits = [first]
        if self.rng.random() < spec.get("wait", 0):
            visits.append(
                _local(self.ctx, _weekday(day, self.rng.randint(3, 6)), *self.rng.choice((SLOTS[0], SLOTS[2])))
            )
        call = Call(at, unit, fault, self._technician(unit, spec), visits, Decimal(spec["hours"]), repeat=repeat)
        call.priority = "high" if urgent else "normal"
        self._swap_serial(call)
        return call

    def _technician(self, unit: Unit, spec: dict[str, Any]) -> str:
        people = self.skilled[spec["task"]]
        usual = people[sum(map(ord, unit.obj)) % len(people)]
        return usual if self.rng.random() < 0.7 else self.rng.choice(people)

    def _swap_serial(self, call: Call) -> None:
        position = self.faults[call.fault].get("swap")
        if position and call.open is None:
            item, serialized = call.unit.parts[position]
            if serialized:
                prefix = self.spec["serial_prefix"][item]
                call.new_serial, self.serial = f"{prefix}-{self.serial}", self.serial + 1

    def _open(self, spec: dict[str, Any]) -> Call:
        """A call of the last days still being worked on."""
        unit = next(u for u in self.units if u.obj == spec["object"])
        visit = relative_time(spec["visit"], self.ctx.today, self.ctx.tz)
        call_at = relative_time(spec["call"], self.ctx.today, self.ctx.tz)
        while visit.astimezone(self.ctx.tz).weekday() >= 5:  # no visits at weekends: both a day earlier
            visit, call_at = visit - timedelta(days=1), call_at - timedelta(days=1)
        at = min(call_at, visit - timedelta(hours=3))
        fault = self.faults[spec["fault"]]
        call = Call(at, unit, spec["fault"], self._technician(unit, fault), [visit], Decimal(fault["hours"]))
        call.open, call.priority = spec, "high"
        return call
