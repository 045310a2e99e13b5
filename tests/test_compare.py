"""compare=previous_period: the previous window, and the change of every top-level number.

Numbers worked out by hand from tests/fixture_rows.py.
"""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from backend.app.analytics.registry import KPIS
from tests.changes import change, shown
from tests.support.endpoints import ANALYTICS_PATHS, get_json, without_filters
from tests.support.sql_log import StatementLog
from tests.support.windows import pool, pool_u

PREVIOUS = {"compare": "previous_period"}


async def test_whole_days_are_compared_with_as_many_days_before(client: httpx.AsyncClient) -> None:
    # W = 06-01 .. 06-07 (7 days): the previous window is 05-25 .. 05-31, which holds one row,
    # sF's 05-31 23:50: one session of one row (0 s), no feedback.
    body = await get_json(client, "/analytics/sessions", **pool(**PREVIOUS))
    previous = body["previous"]
    assert previous["filters"]["start_date"] == "2025-05-25T00:00:00Z"
    assert previous["filters"]["end_date"] == "2025-05-31T23:59:59.999999Z"
    assert previous["filters"]["compare"] == "none"
    assert (previous["previous"], previous["changes"]) == (None, None)
    assert previous["total_sessions"] == 1
    # 7 against 1: +6, +600 %. Feedback 2 against 0: +2, and no percent of a zero. The mean
    # duration 230.71 s (see test_sessions) against 0.
    assert shown(body["changes"]) == {
        "total_sessions": change(7, 1, 6.0, 600.0),
        "negative_feedback_sessions": change(2, 0, 2.0, None),
        "positive_feedback_sessions": change(2, 0, 2.0, None),
        "avg_session_duration_seconds": change(230.71, 0.0, 230.71, None),
        # Percentiles 95 and 600 (see test_sessions) against sF's single 0 s.
        "median_session_duration_seconds": change(95.0, 0.0, 95.0, None),
        "p90_session_duration_seconds": change(600.0, 0.0, 600.0, None),
    }


async def test_a_datetime_window_and_an_empty_previous_one(client: httpx.AsyncClient) -> None:
    # 06-02 09:00 .. 23:59 holds sB (09:00, 09:01:35) and sC (23:58): 2 sessions, 95 s and 0 s
    # inside (sC's 00:03 row is outside): mean 47.5. The previous window is as long (14:59:00) and
    # ends 1 µs before: 06-01 18:00:59.999999 .. 06-02 08:59:59.999999, which holds no row.
    params = pool(start_date="2025-06-02T09:00:00", end_date="2025-06-02T23:59:00", **PREVIOUS)
    body = await get_json(client, "/analytics/sessions", **params)
    assert body["previous"]["filters"]["start_date"] == "2025-06-01T18:00:59.999999Z"
    assert body["previous"]["filters"]["end_date"] == "2025-06-02T08:59:59.999999Z"
    assert shown(body["changes"])["total_sessions"] == change(2, 0, 2.0, None)
    # A mean over nothing is null, and so is every change computed from it.
    assert shown(body["changes"])["avg_session_duration_seconds"] == change(47.5, None, None, None)


async def test_percentages_change_in_points(client: httpx.AsyncClient) -> None:
    # 08-10 .. 08-12: m11a (2 sessions) and m11b (3) return, p10 and c02 (1 each) do not:
    # 4 users, 50 % returning. Before, 08-07 .. 08-09: m11a, m11b, p10 and r09 (3 each) return,
    # r03 (r03-3 only) does not: 5 users, 80 % returning.
    body = await get_json(
        client,
        "/analytics/retention",
        **pool_u(start_date="2025-08-10", end_date="2025-08-12", **PREVIOUS),
    )
    assert shown(body["changes"]) == {
        "unique_users": change(4, 5, -1.0, -20.0),
        "returning_users": change(2, 4, -2.0, -50.0),
        "one_time_users": change(2, 1, 1.0, 100.0),
        # 50 - 80 = -30 points, which is -37.5 % of 80.
        "returning_users_pct": change(50.0, 80.0, -30.0, -37.5),
        "one_time_users_pct": change(50.0, 20.0, 30.0, 150.0),
    }


async def test_a_dst_window_is_compared_with_as_many_local_days(
    client: httpx.AsyncClient,
) -> None:
    # Chicago 03-08 .. 03-09 lasts 47 hours (03-08 has 23). Its previous window is 03-06 ..
    # 03-07, 48 hours: 06:00Z on 03-06 to 1 µs before 06:00Z on 03-08. Sessions (TZ_ROWS):
    # c2, c3 on 03-08 and c4 on 03-09 now; c1 (03-07 23:30 CST) before.
    params = {
        "start_date": "2026-03-08",
        "end_date": "2026-03-09",
        "product_context": "pool",
        "tz": "America/Chicago",
        **PREVIOUS,
    }
    body = await get_json(client, "/analytics/volume", **params)
    previous = body["previous"]
    assert previous["filters"]["start_date"] == "2026-03-06T00:00:00-06:00"
    assert previous["filters"]["end_date"] == "2026-03-07T23:59:59.999999-06:00"
    assert [(d["date"], d["sessions"], d["hours"]) for d in previous["daily"]] == [
        ("2026-03-06", 0, 24.0),
        ("2026-03-07", 1, 24.0),
    ]
    assert [d["hours"] for d in body["daily"]] == [23.0, 24.0]
    assert shown(body["changes"]) == {
        "total_sessions": change(3, 1, 2.0, 200.0),
        "days": change(2, 2, 0.0, 0.0),
        # Both windows ended before the request: every day elapsed.
        "elapsed_days": change(2.0, 2.0, 0.0, 0.0),
        "avg_sessions_per_day": change(1.5, 0.5, 1.0, 200.0),
    }


async def test_without_compare_both_keys_are_null(client: httpx.AsyncClient) -> None:
    for path in [*ANALYTICS_PATHS, "/analytics/overview"]:
        body = await get_json(client, path, **pool())
        assert (body["previous"], body["changes"]) == (None, None)
        explicit = await get_json(client, path, **pool(compare="none"))
        assert explicit == body


@pytest.mark.parametrize("value", ["previous", "PREVIOUS_PERIOD", "", "yoy"])
async def test_an_unknown_compare_is_a_422(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/analytics/sessions", params=pool(compare=value))
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["compare"]


async def test_overview_changes_equal_the_single_endpoints(client: httpx.AsyncClient) -> None:
    params = pool_u(start_date="2025-08-10", end_date="2025-08-12", **PREVIOUS)
    overview = await get_json(client, "/analytics/overview", **params)
    assert list(overview["changes"]) == [kpi.name for kpi in KPIS]
    for kpi in KPIS:
        single = await get_json(client, f"/analytics{kpi.path}", **params)
        assert overview["changes"][kpi.name] == single["changes"], kpi.name
        assert overview["previous"][kpi.name] == without_filters(single["previous"])
    assert overview["previous"]["filters"] == single["previous"]["filters"]


async def test_each_window_runs_once(client: httpx.AsyncClient, statements: StatementLog) -> None:
    await get_json(client, "/analytics/overview", **pool(**PREVIOUS))
    # Three grains for each of the two windows, on six connections.
    assert len(statements.statements) == 6
    assert len({id(conn) for conn in statements.connections}) == 6
    starts = sorted(
        next(value for value in parameters if isinstance(value, datetime))
        for _, parameters in statements.entries
        if isinstance(parameters, tuple | list)
    )
    assert starts == [datetime(2025, 5, 25)] * 3 + [datetime(2025, 6, 1)] * 3


async def test_a_previous_window_before_year_1_is_a_422(client: httpx.AsyncClient) -> None:
    # The window starts on the first representable day: the one before it cannot exist.
    response = await client.get(
        "/analytics/sessions",
        params=pool(start_date="0001-01-01", end_date="0001-01-02", compare="previous_period"),
    )
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["compare"]
    assert "before year 1" in response.json()["detail"]
