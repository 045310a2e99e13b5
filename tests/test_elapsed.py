"""Windows that reach past the request time, on an app whose clock the test sets.

Numbers worked out by hand from NOW_ROWS (tests/fixture_rows.py), whose table gives each row's
UTC and local time and the two request times: NOW_UTC (2025-10-15 18:00 UTC) and NOW_CHICAGO
(15:00 CST on Chicago's 25-hour fall-back day, 2025-11-02).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.changes import change, shown
from tests.fixture_rows import NOW_CHICAGO, NOW_UTC
from tests.support.apps import FakeClock, running_app
from tests.support.endpoints import get_json
from tests.support.sql_log import recording

VOLUME = "/analytics/volume"
PREVIOUS = {"compare": "previous_period"}


def pool(start: str, end: str, **extra: str) -> dict[str, str]:
    """Return pool filters for a window of bare dates."""
    return {"start_date": start, "end_date": end, "product_context": "pool", **extra}


def daily(body: dict[str, Any]) -> list[tuple[str, int, float, bool]]:
    """Return (date, sessions, hours, complete) per day of a volume body."""
    return [(d["date"], d["sessions"], d["hours"], d["complete"]) for d in body["daily"]]


def numbers(body: dict[str, Any]) -> tuple[int, int, float, float | None]:
    """Return total_sessions, days, elapsed_days and avg_sessions_per_day."""
    return (
        body["total_sessions"],
        body["days"],
        body["elapsed_days"],
        body["avg_sessions_per_day"],
    )


async def _client(database_url: str, now: datetime) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(database_url, clock=FakeClock(now)) as (_, http):
        yield http


@pytest.fixture
async def at_utc_now(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of an app whose clock reads NOW_UTC."""
    async for http in _client(database_url, NOW_UTC):
        yield http


@pytest.fixture
async def at_chicago_now(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of an app whose clock reads NOW_CHICAGO."""
    async for http in _client(database_url, NOW_CHICAGO):
        yield http


async def test_a_window_ending_today_in_utc(at_utc_now: httpx.AsyncClient) -> None:
    # 10-13 .. 10-15: n4-n7 on 10-13, n8 n9 on 10-14, n10 today. 10-13 and 10-14 have ended;
    # 18 of today's 24 hours have passed: elapsed 1 + 1 + 0.75 = 2.75, mean 7 / 2.75 = 2.545...
    # The lowest day is among the complete days, 10-14 (2), not today's unfinished 1.
    body = await get_json(at_utc_now, VOLUME, **pool("2025-10-13", "2025-10-15"))
    assert daily(body) == [
        ("2025-10-13", 4, 24.0, True),
        ("2025-10-14", 2, 24.0, True),
        ("2025-10-15", 1, 24.0, False),
    ]
    assert numbers(body) == (7, 3, 2.75, 2.55)
    assert body["lowest_day"] == {"date": "2025-10-14", "sessions": 2}
    assert body["peak_day"] == {"date": "2025-10-13", "sessions": 4}


async def test_a_window_ending_today_in_chicago_on_a_dst_change_day(
    at_chicago_now: httpx.AsyncClient,
) -> None:
    # Chicago 10-31 .. 11-02: d1 d2 on 10-31, d3 d4 d5 on 11-01 (d5 is 23:30 CDT), d6 today.
    # Today lasts 25 hours (00:00 CDT = 05:00Z to 24:00 CST = 06:00Z next day); at 21:00Z 16 of
    # them have passed: 0.64. Elapsed 2.64, mean 6 / 2.64 = 2.2727...; lowest complete day 10-31.
    body = await get_json(
        at_chicago_now, VOLUME, **pool("2025-10-31", "2025-11-02", tz="America/Chicago")
    )
    assert daily(body) == [
        ("2025-10-31", 2, 24.0, True),
        ("2025-11-01", 3, 24.0, True),
        ("2025-11-02", 1, 25.0, False),
    ]
    assert numbers(body) == (6, 3, 2.64, 2.27)
    assert body["lowest_day"] == {"date": "2025-10-31", "sessions": 2}
    assert body["peak_day"] == {"date": "2025-11-01", "sessions": 3}
    assert body["filters"]["end_date"] == "2025-11-02T23:59:59.999999-06:00"
    # The same dates in UTC: d5 moves to 11-02, which has run 21 of 24 hours: elapsed 2.875,
    # shown 2.88; the mean is taken on the exact elapsed time, 6 / 2.875 = 2.0869... The two
    # complete days tie at 2: the earliest, 10-31.
    utc = await get_json(at_chicago_now, VOLUME, **pool("2025-10-31", "2025-11-02"))
    assert [d[1] for d in daily(utc)] == [2, 2, 2]
    assert numbers(utc) == (6, 3, 2.88, 2.09)
    assert utc["lowest_day"] == {"date": "2025-10-31", "sessions": 2}


async def test_compare_on_a_window_ending_tomorrow(at_utc_now: httpx.AsyncClient) -> None:
    # 10-14 .. 10-16: n8 n9 on 10-14, n10 today, nothing tomorrow. Elapsed 1 + 0.75 + 0 = 1.75,
    # mean 3 / 1.75 = 1.714...; only 10-14 is complete, so it is also the lowest day.
    # The request time lies inside the window, so the previous window keeps its start, 10-11
    # 00:00 (three days before), and runs as long as this one has so far: 1 day 18 hours, to
    # 10-12 18:00. It holds n1 and n2 (n3, at 20:00, is cut off): 2 sessions on 10-11 (whole,
    # complete) and 10-12 (18 hours, not whole, so not complete). Its days elapse as this
    # window's do, the cut standing for the request time: 10-11 whole, 10-12 18 of its 24 hours:
    # elapsed 1.75 as here, mean 2 / 1.75 = 1.142...
    body = await get_json(at_utc_now, VOLUME, **pool("2025-10-14", "2025-10-16", **PREVIOUS))
    assert daily(body) == [
        ("2025-10-14", 2, 24.0, True),
        ("2025-10-15", 1, 24.0, False),
        ("2025-10-16", 0, 24.0, False),
    ]
    assert numbers(body) == (3, 3, 1.75, 1.71)
    assert body["lowest_day"] == {"date": "2025-10-14", "sessions": 2}
    previous = body["previous"]
    assert previous["filters"]["start_date"] == "2025-10-11T00:00:00Z"
    assert previous["filters"]["end_date"] == "2025-10-12T18:00:00Z"
    assert daily(previous) == [("2025-10-11", 1, 24.0, True), ("2025-10-12", 1, 18.0, False)]
    assert numbers(previous) == (2, 2, 1.75, 1.14)
    assert previous["lowest_day"] == {"date": "2025-10-11", "sessions": 1}
    assert shown(body["changes"]) == {
        "total_sessions": change(3, 2, 1.0, 50.0),
        "days": change(3, 2, 1.0, 50.0),
        # As long in both windows: the means per day move as the totals do (up to rounding).
        "elapsed_days": change(1.75, 1.75, 0.0, 0.0),
        "avg_sessions_per_day": change(1.71, 1.14, 0.57, 50.0),
    }
    # Every endpoint cuts the same previous window: sessions too.
    sessions = await get_json(
        at_utc_now, "/analytics/sessions", **pool("2025-10-14", "2025-10-16", **PREVIOUS)
    )
    assert sessions["previous"]["filters"] == previous["filters"]
    assert shown(sessions["changes"])["total_sessions"] == change(3, 2, 1.0, 50.0)


async def test_today_against_yesterday_cut_at_the_same_hour(database_url: str) -> None:
    # At 21:18 UTC on 10-15, today has run 21.3 of 24 hours: 0.8875. Yesterday, cut at 21:18,
    # holds 21.3 of its 24 hours: 0.8875 too (it counted as a whole day before). Sessions: n10
    # today, n8 n9 yesterday: means 1 / 0.8875 = 1.13 and 2 / 0.8875 = 2.25, -50 % as the totals.
    async for http in _client(database_url, datetime.fromisoformat("2025-10-15T21:18:00Z")):
        body = await get_json(http, VOLUME, **pool("2025-10-15", "2025-10-15", **PREVIOUS))
        assert numbers(body) == (1, 1, 0.89, 1.13)
        assert numbers(body["previous"]) == (2, 1, 0.89, 2.25)
        assert shown(body["changes"])["elapsed_days"] == change(0.89, 0.89, 0.0, 0.0)


async def test_a_two_day_window_in_chatham_on_its_first_morning(database_url: str) -> None:
    # Pacific/Chatham is UTC+13:45 in October. 10-20 .. 10-21 at 10:51 local (10-19 21:06 UTC):
    # 651 of the first day's 1,440 minutes, none of the second: 0.452 -> 0.45. The previous
    # window, 10-18 .. 10-19, is cut at 10-18 10:51: it touches one date, of which the same 651
    # minutes lie inside: 0.45 too, where it counted 1 before (and its mean per day was 2.2 times
    # too low). `days` still counts the dates each window touches: 2 and 1.
    now = datetime.fromisoformat("2025-10-20T10:51:00+13:45")
    async for http in _client(database_url, now):
        params = pool("2025-10-20", "2025-10-21", tz="Pacific/Chatham", **PREVIOUS)
        body = await get_json(http, VOLUME, **params)
        assert body["previous"]["filters"]["end_date"] == "2025-10-18T10:51:00+13:45"
        assert (body["days"], body["elapsed_days"]) == (2, 0.45)
        assert (body["previous"]["days"], body["previous"]["elapsed_days"]) == (1, 0.45)


async def test_a_fall_back_day_against_the_day_before(at_chicago_now: httpx.AsyncClient) -> None:
    # At 15:00 CST on Chicago's 25-hour 11-02 (05:00 to 06:00 UTC the next day), 16 real hours
    # have passed: 16 / 25 = 0.64. The previous day, 11-01 (24 hours), is cut at the same wall
    # clock, 15:00 CDT: 15 / 24 = 0.625 -> 0.63. Each is the share of its own day.
    params = pool("2025-11-02", "2025-11-02", tz="America/Chicago", **PREVIOUS)
    body = await get_json(at_chicago_now, VOLUME, **params)
    assert body["elapsed_days"] == 0.64
    assert body["previous"]["filters"]["end_date"] == "2025-11-01T15:00:00-05:00"
    assert body["previous"]["elapsed_days"] == 0.63


async def test_a_window_wholly_in_the_future(at_utc_now: httpx.AsyncClient) -> None:
    # 10-17 .. 10-18 has not begun: nothing elapsed, no mean; no day is complete, so the lowest
    # day is the lowest of all days, the earliest of the zeros.
    body = await get_json(at_utc_now, VOLUME, **pool("2025-10-17", "2025-10-18", **PREVIOUS))
    assert daily(body) == [("2025-10-17", 0, 24.0, False), ("2025-10-18", 0, 24.0, False)]
    assert numbers(body) == (0, 2, 0.0, None)
    assert body["lowest_day"] == body["peak_day"] == {"date": "2025-10-17", "sessions": 0}
    # The request time is not inside this window: the previous one is the ordinary two days
    # before, 10-15 .. 10-16, which holds n10 and of which 0.75 + 0 days have elapsed: mean 1.33.
    previous = body["previous"]
    assert previous["filters"]["start_date"] == "2025-10-15T00:00:00Z"
    assert previous["filters"]["end_date"] == "2025-10-16T23:59:59.999999Z"
    assert numbers(previous) == (1, 2, 0.75, 1.33)
    assert shown(body["changes"])["elapsed_days"] == change(0.0, 0.75, -0.75, -100.0)
    assert shown(body["changes"])["avg_sessions_per_day"] == change(None, 1.33, None, None)


async def test_a_window_that_has_ended_has_as_many_elapsed_days_as_days(
    at_utc_now: httpx.AsyncClient,
) -> None:
    # 10-11 .. 10-14 ended before the request: elapsed 4, mean 9 / 4 = 2.25, as before.
    body = await get_json(at_utc_now, VOLUME, **pool("2025-10-11", "2025-10-14"))
    assert numbers(body) == (9, 4, 4.0, 2.25)
    assert body["lowest_day"] == {"date": "2025-10-11", "sessions": 1}


async def test_an_answer_reaching_past_now_is_reused_briefly_as_computed(
    database_url: str,
) -> None:
    # A window that reaches past the request is "recent": reused for CACHE_RECENT_TTL_SECONDS
    # (60 s) at most, keeping the numbers it was computed with; then computed again.
    clock = FakeClock(NOW_UTC)
    reuse: dict[str, Any] = {"cache_settled_ttl_seconds": 86_400, "cache_recent_ttl_seconds": 60}
    params = pool("2025-10-13", "2025-10-15")
    async with running_app(database_url, clock=clock, **reuse) as (app, http):
        first = await http.get(VOLUME, params=params)
        clock.advance(30)
        with recording(app) as reused_log:
            reused = await http.get(VOLUME, params=params)
        clock.advance(3_600)
        with recording(app) as later_log:
            later = await http.get(VOLUME, params=params)
    assert first.headers["cache-control"] == "private, max-age=60"
    assert (reused.content, len(reused_log.statements)) == (first.content, 0)
    assert reused.headers["cache-control"] == "private, max-age=30"
    # An hour later, 19:00:30 UTC: 19.0083 of 24 hours of today, elapsed 2.792 (shown 2.79);
    # mean 7 / 2.792 = 2.507...
    assert len(later_log.statements) == 1
    assert later.json()["elapsed_days"] == 2.79
    assert later.json()["avg_sessions_per_day"] == 2.51
