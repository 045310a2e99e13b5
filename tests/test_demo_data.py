"""The demo-data generator: shape, spread and determinism, on a small row count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from backend.demo.embedded import apply_recommended_indexes
from backend.demo.generator import insert_demo_rows
from tests.support.databases import create_database, drop_database

END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def scratch(server_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Yield a connection to a new empty database with the schema; drop it afterwards."""
    url = await create_database(server_url, "demo_test")
    connection = await asyncpg.connect(url)
    yield connection
    await connection.close()
    await drop_database(server_url, url)


async def _one_row(connection: asyncpg.Connection, query: str) -> asyncpg.Record:
    row = await connection.fetchrow(query)
    assert row is not None
    return row


async def _fingerprint(connection: asyncpg.Connection, table: str) -> str:
    value: str = await connection.fetchval(
        f"SELECT md5(string_agg(concat_ws('|', time_stamp, user_id, session_id, input, "
        f"user_feedback, query_category, environment), ',' ORDER BY id)) FROM {table}"
    )
    return value


async def test_generator_shapes(scratch: asyncpg.Connection) -> None:
    inserted = await insert_demo_rows(
        scratch, product="landscape", rows=6_000, days=30, end=END, seed=0.3
    )
    stats = await _one_row(
        scratch,
        """
        SELECT count(*) AS rows, min(time_stamp) AS first, max(time_stamp) AS last,
               count(*) FILTER (WHERE user_id IS NULL) AS null_users,
               count(*) FILTER (WHERE user_id = '') AS empty_users,
               count(*) FILTER (WHERE query_category IS NULL) AS null_categories,
               count(DISTINCT query_category) FILTER (
                   WHERE query_category::text = lower(query_category::text)
                     AND query_category::text <> 'warranty_claims') AS canonical,
               count(*) FILTER (WHERE query_category::text = 'warranty_claims') AS unknown,
               count(*) FILTER (WHERE query_category::text = 'Product Catalog') AS respelled,
               count(DISTINCT environment) AS environments,
               count(*) FILTER (WHERE user_feedback <> lower(trim(user_feedback))) AS odd_feedback,
               count(*) FILTER (WHERE is_mobile_app) AS mobile
        FROM landscape_interaction_log
        """,
    )
    assert stats["rows"] == inserted
    assert 5_000 <= inserted <= 7_000
    assert stats["first"] >= (END - timedelta(days=30, minutes=41)).replace(tzinfo=None)
    assert stats["last"] <= END.replace(tzinfo=None)
    assert stats["null_users"] > 0
    assert stats["empty_users"] > 0
    assert stats["null_categories"] > 0
    assert stats["canonical"] == 10
    assert stats["unknown"] > 0
    assert stats["respelled"] > 0
    assert stats["environments"] == 3
    assert stats["odd_feedback"] > 0
    assert stats["mobile"] > 0
    per_user = await _one_row(
        scratch,
        """
        SELECT count(*) FILTER (WHERE sessions = 1) AS one_time,
               count(*) FILTER (WHERE sessions >= 2) AS returning,
               max(sessions) AS most
        FROM (SELECT user_id, count(DISTINCT session_id) AS sessions
              FROM landscape_interaction_log WHERE user_id <> '' GROUP BY user_id) AS u
        """,
    )
    assert per_user["one_time"] > per_user["returning"] > 0
    assert per_user["most"] >= 10
    lengths = await _one_row(
        scratch,
        """
        SELECT min(n) AS shortest, max(n) AS longest FROM (
            SELECT count(*) AS n FROM landscape_interaction_log GROUP BY session_id) AS s
        """,
    )
    assert lengths["shortest"] == 1
    assert 10 <= lengths["longest"] <= 20


async def test_generator_is_deterministic(scratch: asyncpg.Connection) -> None:
    await insert_demo_rows(scratch, product="pool", rows=2_000, days=10, end=END, seed=0.5)
    first = await _fingerprint(scratch, "interaction_log")
    await scratch.execute("TRUNCATE interaction_log RESTART IDENTITY")
    await insert_demo_rows(scratch, product="pool", rows=2_000, days=10, end=END, seed=0.5)
    assert await _fingerprint(scratch, "interaction_log") == first
    await scratch.execute("TRUNCATE interaction_log RESTART IDENTITY")
    await insert_demo_rows(scratch, product="pool", rows=2_000, days=10, end=END, seed=0.6)
    assert await _fingerprint(scratch, "interaction_log") != first


async def test_recommended_indexes_apply_and_reapply(scratch: asyncpg.Connection) -> None:
    # The demo database (make run) gets them on every start; IF NOT EXISTS makes that a no-op.
    await apply_recommended_indexes(scratch)
    await apply_recommended_indexes(scratch)
    rows = await scratch.fetch(
        "SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE '%analytics_window'"
    )
    assert sorted(row["tablename"] for row in rows) == [
        "interaction_log",
        "landscape_interaction_log",
    ]
    for row in rows:
        assert "USING btree (time_stamp) INCLUDE (session_id, user_id" in row["indexdef"]
