"""The event bus: how capabilities hear of each other's changes without importing each other.

A capability (SLA today; repairs, BOMs, returns next) registers, for a kind of event,

* **guards**: asked before the change; each returns problems as data (``Problem``: a rule id, a
  message, and whether ``--force`` may override it). All problems are gathered and reported together.
* **listeners**: told after the change, inside the same transaction; they keep their own records.

It may also register how the lines it puts on invoices are made billable again when a credit note
re-opens them (``on_reopen``), so the invoice service needs to know no capability, and fields it adds
to other capabilities' records (``contribute``: the SLA status on every order record), read for
many records at once.

The bus has no database and no globals: ``custsvc.bootstrap`` builds one per command and it travels
on the command's ``Context``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from custsvc.errors import CustSvcError

Guard = Callable[[Any, Any], Iterable["Problem"]]
Listener = Callable[[Any, Any], None]
#: a guard or listener registered with ``batch=True`` gets every event of its kind of one change at
#: once (posting 200 orders in one run: one call, a few statements, not a few per order)
BatchGuard = Callable[[Any, Sequence[Any]], Iterable["Problem"]]
BatchListener = Callable[[Any, Sequence[Any]], None]
Reopener = Callable[[Any, Sequence[Any]], None]
Contributor = Callable[[Any, Sequence[Any]], Mapping[Any, Mapping[str, Any]]]


@dataclass(frozen=True)
class Problem:
    """Why a change is refused: ``rule`` names the rule; ``overridable``: ``--force`` may override it."""

    rule: str
    message: str
    overridable: bool = False

    def text(self) -> str:
        return f"{self.message} (rule: {self.rule}" + ("; --force overrides this)" if self.overridable else ")")


class Refused(CustSvcError):
    """Guards refused a change: every problem, one line each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        lines = [p.text() for p in problems]
        super().__init__(lines[0], details=lines[1:])
        self.problems = list(problems)
        self.rule = problems[0].rule


class Bus:
    def __init__(self) -> None:
        self._guards: dict[type, list[Guard]] = defaultdict(list)
        self._listeners: dict[type, list[Listener]] = defaultdict(list)
        self._batch_guards: dict[type, list[BatchGuard]] = defaultdict(list)
        self._batch_listeners: dict[type, list[BatchListener]] = defaultdict(list)
        self._reopeners: dict[str, Reopener] = {}
        self._contributors: dict[str, list[tuple[tuple[str, ...], Contributor]]] = defaultdict(list)

    def guard(self, event: type, fn: Guard | BatchGuard, *, batch: bool = False) -> None:
        """``batch``: ``fn(ctx, events)`` is asked once with every event of the change (``check_all``)."""
        if batch:
            self._batch_guards[event].append(fn)
        else:
            self._guards[event].append(fn)

    def listen(self, event: type, fn: Listener | BatchListener, *, batch: bool = False) -> None:
        """``batch``: ``fn(ctx, events)`` is told once of every event of the change (``publish_all``)."""
        if batch:
            self._batch_listeners[event].append(fn)
        else:
            self._listeners[event].append(fn)

    def on_reopen(self, source_kind: str, fn: Reopener) -> None:
        if source_kind in self._reopeners:
            raise ValueError(f"invoice source {source_kind!r} has a reopener already")
        self._reopeners[source_kind] = fn

    def contribute(self, record_kind: str, fields: Sequence[str], fn: Contributor) -> None:
        """``fn(ctx, keys)`` gives, per key, values of ``fields`` for records of ``record_kind``."""
        self._contributors[record_kind].append((tuple(fields), fn))

    def contributions(self, ctx: Any, record_kind: str, keys: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        """Every contributed field of every key (None where a contributor has nothing), in one call
        per contributor."""
        out: dict[Any, dict[str, Any]] = {key: {} for key in keys}
        for fields, fn in self._contributors.get(record_kind, ()):
            found = fn(ctx, keys) if keys else {}
            nothing = dict.fromkeys(fields)
            for key, record in out.items():
                record.update(nothing)  # every field, in the declared order
                values = found.get(key)
                if not values:
                    continue
                if values.keys() <= nothing.keys():  # the usual case: only declared fields
                    record.update(values)
                else:
                    record.update({name: values[name] for name in fields if name in values})
        return out

    def check(self, ctx: Any, event: Any, *, force: bool = False) -> list[Problem]:
        """Ask every guard; raise ``Refused`` with all problems unless ``force`` overrides each of them.
        Returns the problems ``force`` overrode."""
        return self.check_all(ctx, [event], force=force)

    def check_all(self, ctx: Any, events: Sequence[Any], *, force: bool = False) -> list[Problem]:
        """``check`` for several events made as one change: every guard of every event (a batch
        guard once, with all the events of its kind), all problems reported together."""
        problems = [p for event in events for fn in self._guards.get(type(event), ()) for p in fn(ctx, event)]
        for kind, of_kind in _by_kind(events).items():
            problems.extend(p for fn in self._batch_guards.get(kind, ()) for p in fn(ctx, of_kind))
        refusing = [p for p in problems if not (force and p.overridable)]
        if refusing:
            raise Refused(refusing)
        return problems

    def publish(self, ctx: Any, event: Any) -> None:
        self.publish_all(ctx, [event])

    def publish_all(self, ctx: Any, events: Sequence[Any]) -> None:
        """Tell the listeners of each event, in order; then each batch listener once, with all the
        events of its kind."""
        for event in events:
            for fn in self._listeners.get(type(event), ()):
                fn(ctx, event)
        for kind, of_kind in _by_kind(events).items():
            for batch_fn in self._batch_listeners.get(kind, ()):
                batch_fn(ctx, of_kind)

    def reopen(self, ctx: Any, source_kind: str, lines: Sequence[Any]) -> None:
        """Make what credited invoice lines of one source kind billed billable again."""
        fn = self._reopeners.get(source_kind)
        if fn is None:
            raise CustSvcError(f"invoice lines from {source_kind!r} cannot be re-opened")
        fn(ctx, lines)


def _by_kind(events: Sequence[Any]) -> dict[type, list[Any]]:
    """The events grouped by their type, in the order each type first appears."""
    out: dict[type, list[Any]] = {}
    for event in events:
        out.setdefault(type(event), []).append(event)
    return out
