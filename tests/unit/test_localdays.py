"""The local day of stored UTC moments (``domain/localdays``): the cached day of a whole hour must be
the day each moment in it has, in zones a whole hour, half an hour and 45 minutes off UTC, across
daylight-saving changes, read as SQLite's text or as PostgreSQL's datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from custsvc.domain.localdays import LocalDays

ZONES = ["Europe/Riga", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "UTC"]
START = datetime(2024, 1, 1, tzinfo=UTC)


def exact(moment: datetime, zone: str) -> int:
    return moment.astimezone(ZoneInfo(zone)).toordinal()


@settings(max_examples=300)
@given(
    zone=st.sampled_from(ZONES),
    offsets=st.lists(st.integers(min_value=0, max_value=3 * 365 * 24 * 3600), min_size=1, max_size=40),
)
def test_the_day_of_text_and_datetimes_is_the_exact_local_day(zone, offsets):
    days = LocalDays(ZoneInfo(zone))
    for seconds in offsets:
        moment = START + timedelta(seconds=seconds, microseconds=seconds % 997)
        text = moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        assert days(text) == exact(moment, zone)
        assert days(moment.replace(tzinfo=None)) == exact(moment, zone)  # naive UTC, as PostgreSQL gives
        assert days(moment.astimezone(ZoneInfo("America/New_York"))) == exact(moment, zone)


def test_an_hour_the_local_midnight_falls_into_is_done_moment_by_moment():
    # Kolkata is UTC+5:30: its midnight is 18:30 UTC, inside the UTC hour 18:00-19:00
    days = LocalDays(ZoneInfo("Asia/Kolkata"))
    before, after = "2026-03-10 18:29:59.999999", "2026-03-10 18:30:00.000000"
    assert days(before) == datetime(2026, 3, 10).toordinal()
    assert days(after) == datetime(2026, 3, 11).toordinal()
    assert "2026-03-10 18" not in days.known  # never taken for the whole hour
    assert days("2026-03-10 17:10:00.000000") == datetime(2026, 3, 10).toordinal()
    assert days.known["2026-03-10 17"] == datetime(2026, 3, 10).toordinal()


def test_a_daylight_saving_change_keeps_each_hour_on_its_day():
    days = LocalDays(ZoneInfo("Europe/Riga"))  # 2026-03-29 03:00 local becomes 04:00 (01:00 UTC)
    assert days("2026-03-28 21:59:59.000000") == datetime(2026, 3, 28).toordinal()  # 23:59 EET
    assert days("2026-03-28 22:00:00.000000") == datetime(2026, 3, 29).toordinal()  # 00:00 EET
    assert days("2026-10-24 20:59:59.000000") == datetime(2026, 10, 24).toordinal()  # 23:59 EEST
    assert days("2026-10-24 21:00:00.000000") == datetime(2026, 10, 25).toordinal()
