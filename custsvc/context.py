"""The unit of work of one command.

A command opens one ``Context`` (``custsvc.bootstrap.open_context``) and hands it to the services.
It carries the database session and everything the command runs under: the moment it runs at
(read once from the one clock), the acting worker, the shop's time zone and the event bus through
which capabilities hear of each other's changes. Nothing of this lives in module globals or in
``session.info``.

Services read and write through the context (``ctx.execute(...)``, ``ctx.add(...)``); they flush,
and the command's context commits at the end or rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from custsvc.events import Bus

if TYPE_CHECKING:  # pragma: no cover
    from sqlmodel import Session


@dataclass(eq=False)
class Context:
    session: Session
    #: the moment the command runs at: aware, in UTC
    now: datetime
    #: the acting worker (or login name), recorded on every change
    actor: str
    #: the shop's time zone: dates are days in it, times without an offset are read in it
    tz: tzinfo = UTC
    #: builds the event bus the first time a service needs it (a command that never touches an order
    #: does not load the capabilities that listen to orders)
    bus_factory: Callable[[], Bus] = Bus
    write: bool = True
    #: ``--now`` as given, so that a change of the shop's zone (the demo) reads it again
    clock_override: str | None = None
    #: per-command caches (e.g. business calendars), dropped with the context
    cache: dict[str, Any] = field(default_factory=dict)
    #: warnings for the person running the command, printed on stderr once it succeeded (a listener
    #: that lets a change through with a caveat, e.g. the shelf going below zero)
    warnings: list[str] = field(default_factory=list)
    #: opens a read-only session on the same database (``reading``); None: read on ``session``
    reader_factory: Callable[[], Session] | None = None
    _bus: Bus | None = field(default=None, repr=False)

    @property
    def bus(self) -> Bus:
        """The event bus: guards, listeners and contributions of every capability."""
        if self._bus is None:
            self._bus = self.bus_factory()
        return self._bus

    @bus.setter
    def bus(self, bus: Bus) -> None:
        self._bus = bus

    @property
    def today(self) -> date:
        """The shop's date now."""
        return self.now.astimezone(self.tz).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def when(self, moment: datetime) -> str:
        """A time for a person to read in a message: the shop's zone, to the minute (to the second
        only when it has seconds), e.g. ``2026-03-10 09:30``."""
        local = moment.astimezone(self.tz)
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")

    def day(self, text: str, field: str) -> date:
        """A date typed by the user (``2026-03-10``, ``today``, ``tomorrow`` ...), in the shop's zone."""
        from custsvc.domain.timeparse import parse_date

        return parse_date(text, field, today=self.today)

    def moment(self, text: str, field: str) -> datetime:
        """A time typed by the user; without an offset it is read in the shop's zone."""
        from custsvc.domain.timeparse import parse_datetime

        return parse_datetime(text, field, tz=self.tz, now=self.now)

    def set_zone(self, tz: tzinfo) -> None:
        """Switch the shop's zone (the demo sets its own); a ``--now`` without offset is read again in it."""
        from custsvc import clock

        self.tz = tz
        if self.clock_override:
            self.now = clock.now(self.clock_override, tz)

    @contextmanager
    def reading(self) -> Iterator[Context]:
        """A read-only context in a transaction of its own, for a service that thinks before it writes:
        the expensive part of a command reads and computes here, outside the write transaction (on
        SQLite, outside the write lock), then re-checks and writes on ``self``. The reader sees the
        database as it was when it began; it is closed at the end of the block.

        Once this context's own transaction has begun (it may hold changes a separate reader would not
        see, and on SQLite it holds the lock already), the reader is this context itself."""
        if self.reader_factory is None or self.session.in_transaction():
            yield self
            return
        session = self.reader_factory()
        reader = Context(
            session=session, now=self.now, actor=self.actor, tz=self.tz, bus_factory=self.bus_factory, write=False
        )
        reader.cache, reader.warnings = self.cache, self.warnings
        try:
            yield reader
        finally:
            session.close()  # ends the read transaction; what was read stays readable (detached, not expired)

    @contextmanager
    def at(self, when: datetime, actor: str | None = None) -> Iterator[None]:
        """Run what follows as if it were ``when`` (never later than the command's own now), done by
        ``actor`` if given: the demo replays months of a shop's life, by its own workers, through the
        same services the commands call."""
        real, acting = self.now, self.actor
        self.now = min(when, real)
        self.actor = actor or acting
        try:
            yield
        finally:
            self.now, self.actor = real, acting

    # --- the session's verbs, so that services read like plain SQLAlchemy -------------------

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.execute(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.get(*args, **kwargs)

    def add(self, instance: Any) -> None:
        self.session.add(instance)

    def add_all(self, instances: Any) -> None:
        self.session.add_all(instances)

    def delete(self, instance: Any) -> None:
        self.session.delete(instance)

    def flush(self) -> None:
        self.session.flush()

    def connection(self) -> Any:
        return self.session.connection()

    def expire(self, instance: Any) -> None:
        self.session.expire(instance)

    def expire_all(self) -> None:
        self.session.expire_all()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
