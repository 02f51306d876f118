"""The event bus: how capabilities hear of each other's changes without importing each other.

A capability (SLA today; repairs, BOMs, returns next) registers, for a kind of event,

* **guards**: asked before the change; each returns problems as data (``Problem``: a rule id, a
  message, and whether ``--force`` may override it). All problems are gathered and reported together.
* **listeners**: told after the change, inside the same transaction; they keep their own records.

It may also register how the lines it puts on invoices are made billable again when a credit note
re-opens them (``on_reopen``), so the invoice service needs to know no capability.

The bus has no database and no globals: ``custsvc.bootstrap`` builds one per command and it travels
on the command's ``Context``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from custsvc.errors import CustSvcError

Guard = Callable[[Any, Any], Iterable["Problem"]]
Listener = Callable[[Any, Any], None]
Reopener = Callable[[Any, Sequence[Any]], None]


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
        self._reopeners: dict[str, Reopener] = {}

    def guard(self, event: type, fn: Guard) -> None:
        self._guards[event].append(fn)

    def listen(self, event: type, fn: Listener) -> None:
        self._listeners[event].append(fn)

    def on_reopen(self, source_kind: str, fn: Reopener) -> None:
        if source_kind in self._reopeners:
            raise ValueError(f"invoice source {source_kind!r} has a reopener already")
        self._reopeners[source_kind] = fn

    def check(self, ctx: Any, event: Any, *, force: bool = False) -> list[Problem]:
        """Ask every guard; raise ``Refused`` with all problems unless ``force`` overrides each of them.
        Returns the problems ``force`` overrode."""
        problems = [p for fn in self._guards.get(type(event), ()) for p in fn(ctx, event)]
        refusing = [p for p in problems if not (force and p.overridable)]
        if refusing:
            raise Refused(refusing)
        return problems

    def publish(self, ctx: Any, event: Any) -> None:
        for fn in self._listeners.get(type(event), ()):
            fn(ctx, event)

    def reopen(self, ctx: Any, source_kind: str, lines: Sequence[Any]) -> None:
        """Make what credited invoice lines of one source kind billed billable again."""
        fn = self._reopeners.get(source_kind)
        if fn is None:
            raise CustSvcError(f"invoice lines from {source_kind!r} cannot be re-opened")
        fn(ctx, lines)
