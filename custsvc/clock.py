"""The one source of "now".

``--now`` / ``CUSTSVC_NOW`` replace the wall clock. Only ``custsvc.bootstrap`` calls this, once per
command, and puts the result on the command's context; domain code takes ``now`` as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def now(override: str | None = None, tz: tzinfo = UTC) -> datetime:
    """The current time, aware, in UTC; ``override`` (``--now``) without an offset is read in ``tz``,
    and a relative one (``tomorrow 9:00``, ``+2h``) is relative to the wall clock."""
    if override:
        from custsvc.domain.timeparse import parse_datetime

        return parse_datetime(override, "--now", tz=tz, now=datetime.now(UTC)).astimezone(UTC)
    return datetime.now(UTC)
