"""Process-wide settings chosen by the global options (``--db``, ``--format``, ``--now``, ``--as``).

The root callback in ``cli.py`` fills this in on every invocation, so nothing leaks from
one ``CliRunner`` call to the next.  Kept free of heavy imports: ``custsvc --help`` loads it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass
class Settings:
    db: str | None = None
    fmt: str | None = None
    now: str | None = None
    actor: str | None = None
    #: True when the actor came from ``--as`` / ``CUSTSVC_USER`` (then it must be a worker)
    actor_explicit: bool = False
    quiet: bool = False

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
