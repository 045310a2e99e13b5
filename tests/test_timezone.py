"""Local days: `tz` on every analytics endpoint, worked out by hand from TZ_ROWS.

Every row of TZ_ROWS (tests/fixture_rows.py) is in 2026; its table gives each row's local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from tests.support.apps import make_settings, running_app
from tests.support.endpoints import ANALYTICS_PATHS, get_json

VOLUME = "/analytics/volume"
SESSIONS = "/analytics/sessions"
ZONES = ["America/Chicago", "Europe/Berlin", "Asia/Kolkata", "America/Santiago", "UTC"]


def pool(start: str, end: str, tz: str | None = None) -> dict[str, str]:
    """Return pool filters for a window, in `tz` when given."""
    params = {"start_date": start, "end_date": end, "product_context": "pool"}
    return {**params, "tz": tz} if tz else params


def daily(body: dict[str, Any]) -> list[tuple[str, int, float, bool]]:
    """Return (date, sessions, hours, complete) per day of a volume body."""
    return [(d["date"], d["sessions"], d["hours"], d["complete"]) for d in body["daily"]]


async def test_us_spring_forward_day_has_23_hours(client: httpx.AsyncClient) -> None:
    # Chicago, 03-07 .. 03-09: from 03-07 00:00 CST (06:00Z) to 03-10 00:00 CDT (05:00Z) - 1 µs.
    # c1 (03-07 23:30 CST) on 03-07; c2 (01:30 CST) and c3 (23:30 CDT) on 03-08; c4 on 03-09;
    # c5 (03-10 00:30 CDT) outside. 03-08 lasts 23 hours: 02:00 to 03:00 never happened.
    body = await get_json(client, VOLUME, **pool("2026-03-07", "2026-03-09", "America/Chicago"))
    assert daily(body) == [
        ("2026-03-07", 1, 24.0, True),
        ("2026-03-08", 2, 23.0, True),
        ("2026-03-09", 1, 24.0, True),
    ]
    assert (body["total_sessions"], body["days"], body["avg_sessions_per_day"]) == (4, 3, 1.33)
    assert body["peak_day"] == {"date": "2026-03-08", "sessions": 2}
    # The window's instants, written with Chicago's offset then (06:00Z and 04:59:59.999999Z).
    assert body["filters"]["start_date"] == "2026-03-07T00:00:00-06:00"
    assert body["filters"]["end_date"] == "2026-03-09T23:59:59.999999-05:00"
    assert body["filters"]["tz"] == "America/Chicago"
    # Durations are differences of instants: c2's 01:30 CST to 03:30 CDT is 3,600 s, not 2 h.
    # (3,600 + 0 + 0 + 0) / 4 = 900.
    sessions = await get_json(
        client, SESSIONS, **pool("2026-03-07", "2026-03-09", "America/Chicago")
    )
    assert (sessions["total_sessions"], sessions["avg_session_duration_seconds"]) == (4, 900.0)


async def test_the_same_dates_in_utc_are_utc_days(client: httpx.AsyncClient) -> None:
    # UTC 03-07 .. 03-09: c1 (03-08 05:30Z) and c2 on 03-08, c3 (03-09 04:30Z) on 03-09; c4 out.
    body = await get_json(client, VOLUME, **pool("2026-03-07", "2026-03-09"))
    assert daily(body) == [
        ("2026-03-07", 0, 24.0, True),
        ("2026-03-08", 2, 24.0, True),
        ("2026-03-09", 1, 24.0, True),
    ]
    assert body["filters"]["tz"] == "UTC"


async def test_us_fall_back_day_has_25_hours(client: httpx.AsyncClient) -> None:
    # Chicago 11-01: 05:00Z to 11-02 06:00Z - 1 µs. f1 (both 01:30s) and f2 (23:30 CST) count;
    # f0 (10-31 23:30 CDT) does not. f1 lasts 3,600 s; f2 0: mean 1,800.
    params = pool("2026-11-01", "2026-11-01", "America/Chicago")
    body = await get_json(client, VOLUME, **params)
    assert daily(body) == [("2026-11-01", 2, 25.0, True)]
    sessions = await get_json(client, SESSIONS, **params)
    assert (sessions["total_sessions"], sessions["avg_session_duration_seconds"]) == (2, 1800.0)


async def test_an_ambiguous_naive_time_is_its_first_occurrence(client: httpx.AsyncClient) -> None:
    # 01:30 happens twice on 11-01; fold=0 takes the first, 01:30 CDT = 06:30Z, so f1's first
    # row is inside and f1 still lasts 3,600 s; f2 too: 2 sessions. The day is cut: from 06:30Z
    # to 11-02 06:00Z is 23.5 hours.
    params = pool("2026-11-01T01:30:00", "2026-11-01", "America/Chicago")
    body = await get_json(client, VOLUME, **params)
    assert body["filters"]["start_date"] == "2026-11-01T01:30:00-05:00"
    assert daily(body) == [("2026-11-01", 2, 23.5, False)]


async def test_berlin_spring_forward(client: httpx.AsyncClient) -> None:
    # Berlin 03-29: 03-28 23:00Z to 03-29 22:00Z - 1 µs, 23 hours. b1 (03-28 23:30Z, 00:30 CET)
    # is inside although its UTC date is 03-28; b2 (00:30 CEST on 03-30) is not.
    body = await get_json(client, VOLUME, **pool("2026-03-29", "2026-03-29", "Europe/Berlin"))
    assert daily(body) == [("2026-03-29", 1, 23.0, True)]
    assert body["filters"]["start_date"] == "2026-03-29T00:00:00+01:00"


async def test_half_hour_zone_and_midnight_crossings(client: httpx.AsyncClient) -> None:
    # Kolkata (UTC+5:30), 05-10 .. 05-12: 05-09 18:30Z to 05-12 18:30Z - 1 µs.
    # k1 starts 23:30 IST on 05-10 and crosses local midnight only: one session, on 05-10.
    # k2 crosses UTC midnight only (05:20 to 05:40 IST on 05-12): one session, on 05-12.
    # k3 (05-13 00:15 IST) is outside. Durations 2,400 and 1,200: mean 1,800.
    params = pool("2026-05-10", "2026-05-12", "Asia/Kolkata")
    body = await get_json(client, VOLUME, **params)
    assert daily(body) == [
        ("2026-05-10", 1, 24.0, True),
        ("2026-05-11", 0, 24.0, True),
        ("2026-05-12", 1, 24.0, True),
    ]
    assert body["peak_day"] == {"date": "2026-05-10", "sessions": 1}
    assert body["lowest_day"] == {"date": "2026-05-11", "sessions": 0}
    sessions = await get_json(client, SESSIONS, **params)
    assert (sessions["total_sessions"], sessions["avg_session_duration_seconds"]) == (2, 1800.0)
    # In UTC the same dates hold k1 (05-10), k2 (first row 05-11 23:50Z) and k3 (05-12 18:45Z).
    utc = await get_json(client, VOLUME, **pool("2026-05-10", "2026-05-12"))
    assert [d[1] for d in daily(utc)] == [1, 1, 1]


async def test_a_skipped_midnight_starts_the_day_at_its_first_instant(
    client: httpx.AsyncClient,
) -> None:
    # Santiago 09-06: clocks jump from 00:00 -04 to 01:00 -03, so the day begins at 01:00 -03
    # (04:00Z) and lasts 23 hours. s1 (09-05 23:30 -04) is outside, s2 (01:10 -03) inside.
    body = await get_json(client, VOLUME, **pool("2026-09-06", "2026-09-06", "America/Santiago"))
    # 04:00Z and 02:59:59.999999Z on 09-07, with Santiago's offset then.
    assert body["filters"]["start_date"] == "2026-09-06T01:00:00-03:00"
    assert body["filters"]["end_date"] == "2026-09-06T23:59:59.999999-03:00"
    assert daily(body) == [("2026-09-06", 1, 23.0, True)]


async def test_naive_and_aware_datetimes_in_a_zone(client: httpx.AsyncClient) -> None:
    # A naive datetime is wall-clock time in tz; one with an offset is the instant it names.
    naive = await get_json(
        client, SESSIONS, **pool("2026-05-10T05:30:00", "2026-05-10T23:59:59", "Asia/Kolkata")
    )
    aware = await get_json(
        client, SESSIONS, **pool("2026-05-10T00:00:00Z", "2026-05-10T18:29:59Z", "Asia/Kolkata")
    )
    # 00:00:00Z and 18:29:59Z, echoed with Kolkata's offset.
    start, end = "2026-05-10T05:30:00+05:30", "2026-05-10T23:59:59+05:30"
    assert naive["filters"]["start_date"] == aware["filters"]["start_date"] == start
    assert naive["filters"]["end_date"] == aware["filters"]["end_date"] == end
    # k1's first row (18:00Z) is inside both: 1 session, whose second row (18:40Z) is outside.
    assert naive["total_sessions"] == aware["total_sessions"] == 1


async def test_filters_echo_local_instants_that_read_back_as_the_same_window(
    client: httpx.AsyncClient,
) -> None:
    # Chicago 2026-11-04 .. 2026-12-03 (CST all along): 06:00Z on 11-04 to 05:59:59.999999Z on
    # 12-04, written with -06:00, so a console shows the dates asked for, not 12-04.
    params = pool("2026-11-04", "2026-12-03", "America/Chicago")
    body = await get_json(client, SESSIONS, **params)
    assert body["filters"]["start_date"] == "2026-11-04T00:00:00-06:00"
    assert body["filters"]["end_date"] == "2026-12-03T23:59:59.999999-06:00"
    # Sent back as they came, they name the same window.
    again = await get_json(
        client,
        SESSIONS,
        **pool(body["filters"]["start_date"], body["filters"]["end_date"], "America/Chicago"),
    )
    assert again["filters"] == body["filters"]
    # In UTC the offset is written Z; in a zone at UTC+0 that is not UTC, +00:00.
    utc = await get_json(client, SESSIONS, **pool("2026-01-10", "2026-01-10", "UTC"))
    assert utc["filters"]["start_date"] == "2026-01-10T00:00:00Z"
    london = await get_json(client, SESSIONS, **pool("2026-01-10", "2026-01-10", "Europe/London"))
    assert london["filters"]["end_date"] == "2026-01-10T23:59:59.999999+00:00"


async def test_today_is_not_complete(client: httpx.AsyncClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    body = await get_json(client, VOLUME, **pool(today, today))
    assert daily(body) == [(today, 0, 24.0, False)]


@pytest.mark.parametrize(
    "name", ["UTC+3", "EST5EDT+1", "america/chicago", "", "Mars/Olympus", "utc", "+05:30"]
)
@pytest.mark.parametrize("path", [*ANALYTICS_PATHS, "/analytics/overview"])
async def test_a_name_that_is_not_an_iana_zone_is_a_422(
    client: httpx.AsyncClient, path: str, name: str
) -> None:
    response = await client.get(path, params={**pool("2026-05-10", "2026-05-12"), "tz": name})
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["tz"]


async def test_report_timezone_is_the_default(database_url: str) -> None:
    async with running_app(database_url, report_timezone="America/Chicago") as (_, http):
        default = await get_json(http, VOLUME, **pool("2026-03-07", "2026-03-09"))
        explicit = await get_json(http, VOLUME, **pool("2026-03-07", "2026-03-09", "UTC"))
        refused = await http.get(VOLUME, params={**pool("2026-03-07", "2026-02-01")})
    # As in the spring-forward test: Chicago days unless the request says otherwise.
    assert default["filters"]["tz"] == "America/Chicago"
    assert [d[1] for d in daily(default)] == [1, 2, 1]
    assert explicit["filters"]["tz"] == "UTC"
    assert [d[1] for d in daily(explicit)] == [0, 2, 1]
    assert refused.status_code == 422
    assert [error["parameter"] for error in refused.json()["errors"]] == ["end_date"]


async def test_report_timezone_must_be_an_iana_zone() -> None:
    with pytest.raises(ValueError, match="REPORT_TIMEZONE"):
        make_settings("postgresql://unused/db", report_timezone="UTC+3")


async def test_python_and_postgresql_agree_on_the_zones_used(database_url: str) -> None:
    # The service takes every zone rule from Python's zoneinfo; PostgreSQL only compares UTC
    # instants. Still, for the zones and months these tests use, both zone databases must agree,
    # or the hand-worked expectations above would mean different things to them.
    instants = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 8760, 7)]
    connection = await asyncpg.connect(database_url)
    try:
        for zone in ZONES:
            rows = await connection.fetch(
                "SELECT (t AT TIME ZONE $1) AS local FROM unnest($2::timestamptz[]) AS t",
                zone,
                instants,
            )
            expected = [i.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for i in instants]
            assert [row["local"] for row in rows] == expected, zone
    finally:
        await connection.close()
