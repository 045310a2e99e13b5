"""The ends of the calendar, skipped local dates and the day limit: a 422 or a correct answer.

The rows of this module's own database (written as SQL literals, as Python cannot hold two of
them), one session each, user `e`:

  session   time_stamp (UTC)                  local
  before    0001-12-31 23:00:00 BC            1 hour before year 1
  first     0001-01-01 00:00:00               the first instant of year 1
  last      9999-12-31 23:59:59.999999        the last instant of year 9999
  after     10000-01-01 00:00:00              after it
  apia29a   2011-12-29 22:00:00               Pacific/Apia 2011-12-29 12:00 (-10)
  apia29b   2011-12-29 23:00:00               Pacific/Apia 2011-12-29 13:00 (-10)
  apia31    2011-12-30 22:00:00               Pacific/Apia 2011-12-31 12:00 (+14)

Samoa moved from -10 to +14 at the end of 2011-12-29: its local 2011-12-30 never happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.apps import running_app
from tests.support.databases import scratch_database
from tests.support.endpoints import get_json

VOLUME = "/analytics/volume"
SESSIONS = "/analytics/sessions"
ROWS = [
    ("0001-12-31 23:00:00 BC", "before"),
    ("0001-01-01 00:00:00", "first"),
    ("9999-12-31 23:59:59.999999", "last"),
    ("10000-01-01 00:00:00", "after"),
    ("2011-12-29 22:00:00", "apia29a"),
    ("2011-12-29 23:00:00", "apia29b"),
    ("2011-12-30 22:00:00", "apia31"),
]


@pytest.fixture(scope="module")
async def edges(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of the service on a database holding the rows above."""

    async def fill(connection: asyncpg.Connection) -> None:
        for stamp, session in ROWS:
            await connection.execute(
                "INSERT INTO interaction_log (time_stamp, session_id, user_id) "
                "VALUES ($1::text::timestamp, $2, 'e')",
                stamp,
                session,
            )

    async with (
        scratch_database(server_url, "edges", fill) as url,
        running_app(url) as (_, client),
    ):
        yield client


def window(start: str, end: str, **extra: str) -> dict[str, str]:
    """Return pool filters for a window."""
    return {"start_date": start, "end_date": end, "product_context": "pool", **extra}


def daily(body: dict[str, Any]) -> list[tuple[str, int, float, bool]]:
    """Return (date, sessions, hours, complete) per day of a volume body."""
    return [(d["date"], d["sessions"], d["hours"], d["complete"]) for d in body["daily"]]


async def test_the_last_day_of_9999_is_answered(edges: httpx.AsyncClient) -> None:
    # 9999-12-31 00:00Z .. 23:59:59.999999Z holds `last`, not `after`. The day has not ended
    # (its end cannot even be written), so it is not complete.
    body = await get_json(edges, VOLUME, **window("9999-12-31", "9999-12-31"))
    assert body["filters"]["end_date"] == "9999-12-31T23:59:59.999999Z"
    assert daily(body) == [("9999-12-31", 1, 24.0, False)]
    assert (body["total_sessions"], body["days"]) == (1, 1)
    csv = await edges.get(VOLUME, params=window("9999-12-31", "9999-12-31", format="csv"))
    assert csv.status_code == 200
    assert 'filename="volume_9999-12-31_9999-12-31.csv"' in csv.headers["content-disposition"]
    overview = await get_json(edges, "/analytics/overview", **window("9999-12-31", "9999-12-31"))
    assert overview["volume"]["daily"] == body["daily"]


async def test_the_last_day_of_9999_east_of_utc(edges: httpx.AsyncClient) -> None:
    # In Tokyo (+9) the local 9999-12-31 is 9999-12-30 15:00Z .. 9999-12-31 14:59:59.999999Z:
    # 24 hours, and `last` (23:59:59Z) lies after it.
    body = await get_json(edges, VOLUME, **window("9999-12-31", "9999-12-31", tz="Asia/Tokyo"))
    # Echoed with Tokyo's offset: the same instant, 9999-12-30 15:00Z.
    assert body["filters"]["start_date"] == "9999-12-31T00:00:00+09:00"
    assert daily(body) == [("9999-12-31", 0, 24.0, False)]


async def test_the_first_days_of_year_1(edges: httpx.AsyncClient) -> None:
    # 0001-01-01 and 0001-01-02, two distinct whole days (the driver would send the first date
    # as -infinity); the window holds `first` and not `before`, one hour earlier.
    body = await get_json(edges, VOLUME, **window("0001-01-01", "0001-01-02"))
    assert daily(body) == [("0001-01-01", 1, 24.0, True), ("0001-01-02", 0, 24.0, True)]
    sessions = await get_json(edges, SESSIONS, **window("0001-01-01", "0001-01-02"))
    assert sessions["total_sessions"] == 1


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        # 02:00Z on 0001-01-01 is 0000-12-31 in Chicago (LMT, -5:50:36).
        (
            window("0001-01-01T02:00:00Z", "0001-01-02", tz="America/Chicago"),
            "start_date",
            "local date before 0001-01-01",
        ),
        # Local midnight of 0001-01-01 in Tokyo is 0000-12-31 15:00Z.
        (window("0001-01-01", "0001-01-02", tz="Asia/Tokyo"), "start_date", "instant before"),
        # 09:00Z on 9999-12-31 is 23:00 there in Kiritimati (+14); 23:00Z is 10000-01-01 13:00.
        (
            window("9999-12-31T09:00:00Z", "9999-12-31T23:00:00Z", tz="Pacific/Kiritimati"),
            "end_date",
            "local date before 0001-01-01 or after 9999-12-31",
        ),
        # The end of the local 9999-12-31 in Chicago is 10000-01-01 05:59:59Z.
        (window("9999-12-31", "9999-12-31", tz="America/Chicago"), "end_date", "instant"),
    ],
)
@pytest.mark.parametrize("path", [VOLUME, SESSIONS, "/analytics/overview"])
async def test_a_bound_outside_the_calendar_is_a_422_naming_it(
    edges: httpx.AsyncClient, path: str, params: dict[str, str], parameter: str, words: str
) -> None:
    response = await edges.get(path, params=params)
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == [parameter]
    assert "outside the range of representable dates" in response.json()["detail"]
    assert words in response.json()["detail"]


async def test_a_skipped_local_date_is_no_day(edges: httpx.AsyncClient) -> None:
    # Apia 2011-12-29 .. 2011-12-31: 12-29 (-10) and 12-31 (+14) last 24 hours each; 12-30 never
    # happened, so it is neither listed nor counted, nor the lowest day (12-31, one session).
    body = await get_json(edges, VOLUME, **window("2011-12-29", "2011-12-31", tz="Pacific/Apia"))
    assert daily(body) == [("2011-12-29", 2, 24.0, True), ("2011-12-31", 1, 24.0, True)]
    assert (body["total_sessions"], body["days"], body["avg_sessions_per_day"]) == (3, 2, 1.5)
    assert body["lowest_day"] == {"date": "2011-12-31", "sessions": 1}
    assert body["peak_day"] == {"date": "2011-12-29", "sessions": 2}


async def test_a_window_of_skipped_dates_only_is_a_422_saying_so(
    edges: httpx.AsyncClient,
) -> None:
    response = await edges.get(VOLUME, params=window("2011-12-30", "2011-12-30", tz="Pacific/Apia"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "end_date: the local date 2011-12-30 does not exist in Pacific/Apia (the zone skipped "
        "it), so the window holds no time"
    )


async def test_an_ordinary_backwards_window_still_says_so(edges: httpx.AsyncClient) -> None:
    # end + 1 µs = start, but on a date that exists: the usual message.
    response = await edges.get(
        VOLUME, params=window("2025-06-01T10:00:00", "2025-06-01T09:59:59.999999")
    )
    assert response.status_code == 422
    assert "must not be before start_date" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        # 2015-06-01 .. 2025-06-07 are 3,660 local dates (test_sessions.py); in Tokyo they run
        # from 2015-05-31 15:00Z, so they touch 3,661 UTC dates, and are still allowed.
        (window("2015-06-01", "2025-06-07", tz="Asia/Tokyo"), 200),
        # One local date more is refused.
        (window("2015-05-31", "2025-06-07", tz="Asia/Tokyo"), 422),
        # 3,660 UTC dates whose first instant is 2015-05-31 19:00 in Chicago: 3,661 local dates.
        (window("2015-06-01T00:00:00Z", "2025-06-07T23:59:59Z", tz="America/Chicago"), 422),
    ],
)
async def test_the_day_limit_counts_local_dates(
    edges: httpx.AsyncClient, params: dict[str, str], status: int
) -> None:
    response = await edges.get(SESSIONS, params=params)
    assert response.status_code == status
    if status == 422:
        assert response.json()["detail"].startswith(
            "end_date: the window may span at most 3660 days (local dates in "
        )


async def test_a_previous_period_without_time_is_a_422_naming_compare(
    edges: httpx.AsyncClient,
) -> None:
    # Chicago 2026-11-01: from 01:30 CDT (06:30Z) to 01:10 CST (07:10Z), 40 minutes, whose
    # wall-clock length is -20 minutes: the previous period would start at 01:49:59.999999 CDT,
    # after its own end at 01:29:59.999999 CDT.
    params = window(
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T01:10:00-06:00",
        tz="America/Chicago",
        compare="previous_period",
    )
    response = await edges.get(VOLUME, params=params)
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["compare"]
    assert "would be empty in America/Chicago" in response.json()["detail"]
    alone = await edges.get(VOLUME, params={**params, "compare": "none"})
    assert alone.status_code == 200
