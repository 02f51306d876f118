"""What the global options chose for this invocation (``--db``, ``--format``, ``--now``, ``--as``,
``--quiet``), and the zone times are shown in.

The root callback in ``cli.py`` fills this in on every invocation, so nothing leaks from one
``CliRunner`` call to the next. Only the command layer and ``output`` read it: services get what
they need on their ``Context``. Kept free of heavy imports: ``custsvc --help`` loads it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import UTC, tzinfo


@dataclass
class Settings:
    db: str | None = None
    fmt: str | None = None
    now: str | None = None
    actor: str | None = None
    #: True when the actor came from ``--as`` / ``CUSTSVC_USER`` (then it must be a worker)
    actor_explicit: bool = False
    quiet: bool = False
    #: CSV cells exactly as stored, formula-like ones too (``--csv-raw``)
    csv_raw: bool = False
    #: the zone times are shown in: the shop's, set once a command has opened its context
    zone: tzinfo = UTC
    #: the notes this invocation has printed already (a note said once per command, not per table)
    said: set[str] = field(default_factory=set)

    def acting(self) -> str:
        if self.actor:
            return self.actor
        try:
            return getpass.getuser()
        except Exception:  # pragma: no cover - no login name (containers)
            return "system"


settings = Settings()


def reset(**values: object) -> Settings:
    global settings
    settings = Settings(**values)  # type: ignore[arg-type]
    return settings


def current() -> Settings:
    return settings
