"""/analytics/engagement, /retention, /returning-users and /segments on the window-U fixtures.

Users in U (tests/fixture_rows.py): m11a 11 sessions, m11b 11, p10 10, r09 9, r03 3,
c02 2 (staging), o01 1; plus anon1 (NULL user) and anon2 (empty user), and ghost, whose only row
has no session.
"""

from __future__ import annotations

import httpx

from tests.support.endpoints import get_json, without_filters
from tests.support.windows import pool_u

EMPTY = {"start_date": "2025-07-01", "end_date": "2025-07-03"}


async def test_engagement(client: httpx.AsyncClient) -> None:
    # 7 users (ghost has no session, anon1/anon2 no user); 11+11+10+9+3+2+1 + 2 anonymous = 49
    # sessions; mean session count over users 47 / 7 = 6.714 -> 6.71.
    body = await get_json(client, "/analytics/engagement", **pool_u())
    assert without_filters(body) == {
        "unique_users": 7,
        "total_conversations": 49,
        "avg_conversations_per_user": 6.71,
    }
    assert body["filters"]["start_date"] == "2025-08-01T00:00:00Z"


async def test_retention(client: httpx.AsyncClient) -> None:
    # Returning: everyone but o01 = 6 (6/7 = 85.71%); one-time: o01 (1/7 = 14.29%).
    body = await get_json(client, "/analytics/retention", **pool_u())
    assert without_filters(body) == {
        "unique_users": 7,
        "returning_users": 6,
        "one_time_users": 1,
        "returning_users_pct": 85.71,
        "one_time_users_pct": 14.29,
    }


async def test_returning_users(client: httpx.AsyncClient) -> None:
    # Returning users' sessions 11+11+10+9+3+2 = 46, /6 = 7.67. Most active: m11a and m11b tie
    # at 11 -> m11a. Spans in days: m11a 10, m11b 10, p10 9, r09 8, r03 2.5 (08-05 09:00 to
    # 08-07 21:00), c02 10 -> mean 49.5 / 6 = 8.25; longest 10 ties c02/m11a/m11b -> c02.
    body = await get_json(client, "/analytics/returning-users", **pool_u())
    assert without_filters(body) == {
        "returning_users": 6,
        "avg_sessions_per_returning_user": 7.67,
        "most_active_user": {"user_id": "m11a", "sessions": 11},
        "avg_days_first_to_last_chat": 8.25,
        "longest_active_span": {"user_id": "c02", "days": 10.0},
    }


async def test_segments_cover_every_boundary(client: httpx.AsyncClient) -> None:
    # 11, 11, 10 -> power (3/7 = 42.86%); 9, 3 -> regular (28.57%); 2 -> casual (14.29%);
    # 1 -> one-time (14.29%).
    body = await get_json(client, "/analytics/segments", **pool_u())
    assert body["unique_users"] == 7
    assert body["segments"] == [
        {
            "segment": "power",
            "label": "Power users",
            "min_chats": 10,
            "max_chats": None,
            "users": 3,
            "percent": 42.86,
        },
        {
            "segment": "regular",
            "label": "Regular users",
            "min_chats": 3,
            "max_chats": 9,
            "users": 2,
            "percent": 28.57,
        },
        {
            "segment": "casual",
            "label": "Casual users",
            "min_chats": 2,
            "max_chats": 2,
            "users": 1,
            "percent": 14.29,
        },
        {
            "segment": "one_time",
            "label": "One-time users",
            "min_chats": 1,
            "max_chats": 1,
            "users": 1,
            "percent": 14.29,
        },
    ]


async def test_user_filter_leaves_one_user(client: httpx.AsyncClient) -> None:
    # r03 alone: 3 sessions, span 2.5 days, a regular user.
    params = pool_u(user_id="r03")
    engagement = await get_json(client, "/analytics/engagement", **params)
    assert without_filters(engagement) == {
        "unique_users": 1,
        "total_conversations": 3,
        "avg_conversations_per_user": 3.0,
    }
    retention = await get_json(client, "/analytics/retention", **params)
    assert (retention["returning_users_pct"], retention["one_time_users_pct"]) == (100.0, 0.0)
    returning = await get_json(client, "/analytics/returning-users", **params)
    assert without_filters(returning) == {
        "returning_users": 1,
        "avg_sessions_per_returning_user": 3.0,
        "most_active_user": {"user_id": "r03", "sessions": 3},
        "avg_days_first_to_last_chat": 2.5,
        "longest_active_span": {"user_id": "r03", "days": 2.5},
    }
    segments = await get_json(client, "/analytics/segments", **params)
    assert [(s["segment"], s["users"], s["percent"]) for s in segments["segments"]] == [
        ("power", 0, 0.0),
        ("regular", 1, 100.0),
        ("casual", 0, 0.0),
        ("one_time", 0, 0.0),
    ]


async def test_environment_filter(client: httpx.AsyncClient) -> None:
    # Staging holds c02's two sessions only: one casual user, span 10 days.
    params = pool_u(environment="staging")
    engagement = await get_json(client, "/analytics/engagement", **params)
    assert (engagement["unique_users"], engagement["total_conversations"]) == (1, 2)
    returning = await get_json(client, "/analytics/returning-users", **params)
    assert returning["most_active_user"] == {"user_id": "c02", "sessions": 2}
    assert returning["longest_active_span"] == {"user_id": "c02", "days": 10.0}


async def test_one_time_users_are_not_returning(client: httpx.AsyncClient) -> None:
    # o01 alone: a user, but not a returning one; most_active_user still names o01.
    returning = await get_json(client, "/analytics/returning-users", **pool_u(user_id="o01"))
    assert without_filters(returning) == {
        "returning_users": 0,
        "avg_sessions_per_returning_user": None,
        "most_active_user": {"user_id": "o01", "sessions": 1},
        "avg_days_first_to_last_chat": None,
        "longest_active_span": None,
    }


async def test_anonymous_sessions_count_as_conversations_only(client: httpx.AsyncClient) -> None:
    # 08-20 .. 08-21 holds anon1 (NULL user) and anon2 (empty user): 2 conversations, no users.
    params = pool_u(start_date="2025-08-20", end_date="2025-08-21")
    engagement = await get_json(client, "/analytics/engagement", **params)
    assert without_filters(engagement) == {
        "unique_users": 0,
        "total_conversations": 2,
        "avg_conversations_per_user": None,
    }


async def test_empty_window(client: httpx.AsyncClient) -> None:
    params = {**EMPTY, "product_context": "pool"}
    assert without_filters(await get_json(client, "/analytics/engagement", **params)) == {
        "unique_users": 0,
        "total_conversations": 0,
        "avg_conversations_per_user": None,
    }
    assert without_filters(await get_json(client, "/analytics/retention", **params)) == {
        "unique_users": 0,
        "returning_users": 0,
        "one_time_users": 0,
        "returning_users_pct": None,
        "one_time_users_pct": None,
    }
    assert without_filters(await get_json(client, "/analytics/returning-users", **params)) == {
        "returning_users": 0,
        "avg_sessions_per_returning_user": None,
        "most_active_user": None,
        "avg_days_first_to_last_chat": None,
        "longest_active_span": None,
    }
    segments = await get_json(client, "/analytics/segments", **params)
    assert segments["unique_users"] == 0
    assert [(s["users"], s["percent"]) for s in segments["segments"]] == [(0, None)] * 4


async def test_landscape(client: httpx.AsyncClient) -> None:
    # lx: 2 sessions on 08-03 and 08-04 at 10:00 -> one casual returning user, span 1 day.
    params = {"start_date": "2025-08-01", "end_date": "2025-08-31", "product_context": "landscape"}
    returning = await get_json(client, "/analytics/returning-users", **params)
    assert without_filters(returning) == {
        "returning_users": 1,
        "avg_sessions_per_returning_user": 2.0,
        "most_active_user": {"user_id": "lx", "sessions": 2},
        "avg_days_first_to_last_chat": 1.0,
        "longest_active_span": {"user_id": "lx", "days": 1.0},
    }
