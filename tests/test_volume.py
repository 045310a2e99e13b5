"""/analytics/volume against the fixture rows (see tests/fixture_rows.py for the table)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.endpoints import get_json
from tests.support.windows import WINDOW, pool

PATH = "/analytics/volume"


def daily(body: dict[str, Any]) -> list[tuple[str, int]]:
    """Return the daily series as (date, sessions) pairs."""
    return [(day["date"], day["sessions"]) for day in body["daily"]]


async def test_window_w(client: httpx.AsyncClient) -> None:
    # A session counts on the date of its first row in W: 06-01 sA sF (sF's first row in W is
    # 00:10); 06-02 sB sC (sC crosses midnight and counts on 06-02 only); 06-03 sD; 06-04 sE;
    # 06-05 and 06-06 none; 06-07 sG.
    # Peak ties 06-01/06-02 -> 06-01; lowest ties 06-05/06-06 -> 06-05.
    body = await get_json(client, PATH, **pool())
    assert daily(body) == [
        ("2025-06-01", 2),
        ("2025-06-02", 2),
        ("2025-06-03", 1),
        ("2025-06-04", 1),
        ("2025-06-05", 0),
        ("2025-06-06", 0),
        ("2025-06-07", 1),
    ]
    assert body["total_sessions"] == 7
    assert body["days"] == 7
    # W ended long before the request: all 7 days have elapsed, and every day is complete.
    assert body["elapsed_days"] == 7.0
    assert all(day["complete"] for day in body["daily"])
    assert body["avg_sessions_per_day"] == 1.0
    assert body["peak_day"] == {"date": "2025-06-01", "sessions": 2}
    assert body["lowest_day"] == {"date": "2025-06-05", "sessions": 0}
    assert body["filters"]["product_context"] == "pool"


async def test_wider_window_moves_straddling_sessions_to_their_first_day(
    client: httpx.AsyncClient,
) -> None:
    # 05-31 .. 06-08 (9 days): sF now starts on 05-31, so 06-01 has only sA; 06-02 keeps 2.
    body = await get_json(client, PATH, **pool(start_date="2025-05-31", end_date="2025-06-08"))
    assert daily(body) == [
        ("2025-05-31", 1),
        ("2025-06-01", 1),
        ("2025-06-02", 2),
        ("2025-06-03", 1),
        ("2025-06-04", 1),
        ("2025-06-05", 0),
        ("2025-06-06", 0),
        ("2025-06-07", 1),
        ("2025-06-08", 0),
    ]
    # 7 / 9 = 0.777... -> 0.78
    assert (body["total_sessions"], body["days"], body["avg_sessions_per_day"]) == (7, 9, 0.78)
    assert body["peak_day"] == {"date": "2025-06-02", "sessions": 2}
    assert body["lowest_day"] == {"date": "2025-06-05", "sessions": 0}


async def test_environment_filter(client: httpx.AsyncClient) -> None:
    # Staging is sC alone, on 06-02. 1 / 7 = 0.142... -> 0.14; the lowest zero day is 06-01.
    body = await get_json(client, PATH, **pool(environment="staging"))
    assert [d for d, n in daily(body) if n] == ["2025-06-02"]
    assert body["avg_sessions_per_day"] == 0.14
    assert body["peak_day"] == {"date": "2025-06-02", "sessions": 1}
    assert body["lowest_day"] == {"date": "2025-06-01", "sessions": 0}


async def test_user_filter(client: httpx.AsyncClient) -> None:
    # u1: sA on 06-01 and sB on 06-02. 2 / 7 = 0.2857 -> 0.29.
    body = await get_json(client, PATH, **pool(user_id="u1"))
    assert daily(body)[:3] == [("2025-06-01", 1), ("2025-06-02", 1), ("2025-06-03", 0)]
    assert (body["total_sessions"], body["avg_sessions_per_day"]) == (2, 0.29)
    assert body["peak_day"] == {"date": "2025-06-01", "sessions": 1}
    assert body["lowest_day"] == {"date": "2025-06-03", "sessions": 0}


async def test_aware_window_within_one_day(client: httpx.AsyncClient) -> None:
    # 06-01 00:00Z .. 06-01 23:00Z is one calendar day holding sA and sF.
    params = pool(start_date="2025-06-01T02:00:00+02:00", end_date="2025-06-02T01:00:00+02:00")
    body = await get_json(client, PATH, **params)
    assert daily(body) == [("2025-06-01", 2)]
    assert (body["days"], body["avg_sessions_per_day"]) == (1, 2.0)


async def test_session_crossing_midnight_counts_on_its_first_day_in_the_window(
    client: httpx.AsyncClient,
) -> None:
    # From 06-03 00:00Z sC's first row in the window is 00:03 on 06-03, so 06-03 has sC and sD.
    params = pool(start_date="2025-06-02T22:00:00-02:00", end_date="2025-06-03")
    body = await get_json(client, PATH, **params)
    assert daily(body) == [("2025-06-03", 2)]


async def test_empty_window_is_zero_filled(client: httpx.AsyncClient) -> None:
    body = await get_json(client, PATH, **pool(start_date="2025-07-01", end_date="2025-07-03"))
    assert daily(body) == [("2025-07-01", 0), ("2025-07-02", 0), ("2025-07-03", 0)]
    assert (body["total_sessions"], body["days"], body["avg_sessions_per_day"]) == (0, 3, 0.0)
    assert body["peak_day"] == body["lowest_day"] == {"date": "2025-07-01", "sessions": 0}


async def test_landscape(client: httpx.AsyncClient) -> None:
    # sL1 06-03, sL2 06-05, sL3 06-06: 3 / 7 = 0.43; ties of 1 -> 06-03; ties of 0 -> 06-01.
    body = await get_json(client, PATH, **WINDOW, product_context="landscape")
    assert [d for d, n in daily(body) if n] == ["2025-06-03", "2025-06-05", "2025-06-06"]
    assert (body["total_sessions"], body["avg_sessions_per_day"]) == (3, 0.43)
    assert body["peak_day"] == {"date": "2025-06-03", "sessions": 1}
    assert body["lowest_day"] == {"date": "2025-06-01", "sessions": 0}


async def test_daily_sums_to_total(client: httpx.AsyncClient) -> None:
    for params in (pool(), pool(environment="production"), pool(start_date="2025-05-01")):
        body = await get_json(client, PATH, **params)
        assert sum(n for _, n in daily(body)) == body["total_sessions"]
