"""The shop's local day of many stored moments at once, fast (reports over hundreds of thousands of
rows).

A moment comes as the database hands it over when read without conversion: SQLite gives the stored
text (``2026-03-10 07:00:00.000000``, UTC), PostgreSQL a ``datetime`` (naive UTC or aware). The day
is worked out once per UTC hour and reused for every moment in that hour; an hour the local midnight
falls into (a zone half an hour off UTC, a daylight-saving change) is worked out moment by moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

_HOUR = timedelta(hours=1) - timedelta(microseconds=1)


class LocalDays:
    """``days(moment)``: the local day of a stored UTC moment as a ``date.toordinal()`` number."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._hours: dict[object, int | None] = {}
        #: the day of each whole UTC hour seen so far, by the hour's stored text (``2026-03-10 07``):
        #: a loop over many rows looks here first and calls only on a miss
        self.known: dict[str, int] = {}

    def __call__(self, moment: str | datetime) -> int:
        key = moment[:13] if isinstance(moment, str) else _hour_of(moment)
        day = self._hours.get(key, -1)
        if day == -1:
            day = self._hours[key] = self._whole_hour(_utc(moment).replace(minute=0, second=0, microsecond=0))
            if day is not None and isinstance(key, str):
                self.known[key] = day
        if day is None:  # the day changes within this hour
            return _utc(moment).astimezone(self.tz).toordinal()
        return day

    def _whole_hour(self, start: datetime) -> int | None:
        first = start.astimezone(self.tz).toordinal()
        return first if (start + _HOUR).astimezone(self.tz).toordinal() == first else None


def _hour_of(moment: datetime) -> tuple[int, int]:
    utc = _utc(moment)
    return utc.toordinal(), utc.hour


def _utc(moment: str | datetime) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
