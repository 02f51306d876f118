"""The one source of "now".

``--now`` / ``CUSTSVC_NOW`` replace the wall clock everywhere.  Domain code never calls this:
services read the time once per command (``session.info['now']``) and pass it down.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from custsvc import state

_zone: tzinfo = UTC


def set_zone(tz: tzinfo) -> None:
    """The shop's zone, used to read a ``--now`` given without an offset."""
    global _zone
    _zone = tz


def zone() -> tzinfo:
    return _zone


def now() -> datetime:
    """The current time, aware, in UTC."""
    override = state.current().now
    if override:
        from custsvc.domain.timeparse import parse_datetime

        return parse_datetime(override, "--now", tz=_zone)
    return datetime.now(UTC)
