"""Pain points over streamed texts: bounded memory, examples by frequency then recency, the LLM's
ceiling inside the stream, on a window of 100,000 distinct texts through the real SDK."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from backend.app.analytics.pain_points.classifier import PainPointClassifier, label_cache
from backend.app.analytics.pain_points.keyword_rules import KeywordClassifier
from backend.app.analytics.pain_points.pain_tally import QueryText, Tally
from tests.fake_llm_server import fake_llm_server
from tests.support.apps import running_app
from tests.support.databases import scratch_database
from tests.support.endpoints import get_json

T0 = datetime(2025, 9, 1)
DISTINCT = 100_000
MODEL = "claude-haiku-5-5"


def text(queries: int, minute: int, spelling: str) -> QueryText:
    """Return a per-text row as SQL streams it."""
    return QueryText(queries, T0 + timedelta(minutes=minute), spelling.lower(), spelling)


def test_examples_most_frequent_then_most_recent_then_spelling() -> None:
    tally = Tally(["keyword"])
    # Five texts in cluster 0, streamed in no particular order.
    for row in [
        text(1, 10, "b older single"),
        text(3, 1, "a frequent"),
        text(1, 20, "c newest single"),
        text(1, 20, "a same time, first in byte order"),
        text(1, 5, "d oldest single"),
    ]:
        tally.add(row, 0, "keyword")
    # 3 queries first; then the two texts of minute 20 (the same time: byte order); the
    # minute-10 and minute-5 ones are not kept.
    assert tally.examples(0) == [
        "a frequent",
        "a same time, first in byte order",
        "c newest single",
    ]
    assert tally.counts == [7, 0, 0, 0, 0]
    assert tally.texts == 5
    assert tally.texts_by_classifier == {"keyword": 5}


def test_examples_are_trimmed_spellings() -> None:
    tally = Tally(["keyword"])
    tally.add(QueryText(1, T0, "hi", "Hi \t\n"), 0, "keyword")
    assert tally.examples(0) == ["Hi"]


async def batches_of(rows: Sequence[QueryText], size: int) -> AsyncIterator[Sequence[Any]]:
    """Yield `rows` in batches, as the database stream does."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def test_local_rules_label_every_streamed_text() -> None:
    rows = [
        text(2, 1, "Do you have SPX3200 in stock?"),
        text(1, 2, "How do I reassemble the DE filter grids?"),
        text(4, 3, "what time do you open"),
        text(1, 4, "need new o rings"),
        text(1, 5, "IntelliFlo or TriStar for a 20k gallon pool?"),
    ]
    classifier = PainPointClassifier(local=KeywordClassifier(), cache=label_cache(10))
    result = await classifier.classify_grouped(batches_of(rows, 2))
    # Clusters 3, 4, 0, 2, 1 with 2, 1, 4, 1, 1 queries.
    assert result.tally.counts == [4, 1, 1, 2, 1]
    assert result.classifier == "keyword"
    assert result.fallback_reason is None
    assert result.tally.texts_by_classifier == {"keyword": 5}


async def _distinct_texts(connection: asyncpg.Connection) -> None:
    # Text i is asked once, at T0 + i seconds: all distinct, all one query, the latest last.
    await connection.execute(
        """
        INSERT INTO interaction_log (time_stamp, user_id, session_id, input)
        SELECT $1::timestamp + i * interval '1 second', 'u' || i % 900, 's' || i % 9000,
               'Do you have part ' || 'SP' || (100000 + i) || ' in stock at the branch?'
        FROM generate_series(1, $2::int) AS i
        """,
        T0,
        DISTINCT,
    )


@pytest.fixture(scope="module")
async def distinct_database_url(server_url: str) -> AsyncIterator[str]:
    """Yield a scratch database of 100,000 rows whose inputs are all distinct."""
    async with scratch_database(server_url, "distinct_texts", _distinct_texts) as url:
        yield url


async def test_a_hundred_thousand_distinct_texts_through_the_llm(
    distinct_database_url: str,
) -> None:
    window = {"start_date": "2025-09-01", "end_date": "2025-09-03", "product_context": "pool"}
    with fake_llm_server() as llm:
        llm.failing = False
        async with running_app(
            distinct_database_url,
            anthropic_api_key="sk-ant-test",
            llm_base_url=llm.url,
            llm_model=MODEL,
            llm_max_retries=0,
        ) as (_, client):
            tracemalloc.start()
            try:
                body = await get_json(client, "/analytics/pain-points", **window)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    # The default ceiling, 1,000 texts, went to the LLM in 20 calls of 50; the local rules read
    # the other 99,000 as stock checks (a part number and "in stock").
    assert llm.texts == 1_000
    assert llm.calls == 20
    assert body["total_queries"] == DISTINCT
    assert body["distinct_queries"] == DISTINCT
    assert body["texts_by_classifier"] == {MODEL: 1_000, "keyword": 99_000}
    counts = [cluster["count"] for cluster in body["clusters"]]
    # The fake LLM answers cluster 4 for everything it is sent.
    assert counts == [0, 0, 0, 99_000, 1_000]
    # All texts are asked once, so ties go to the most recent: the LLM got texts 99,001 to
    # 100,000, and the local rules' best examples are texts 99,000, 98,999 and 98,998.
    assert body["clusters"][4]["examples"][0] == (
        "Do you have part SP200000 in stock at the branch?"
    )
    assert body["clusters"][3]["examples"] == [
        f"Do you have part SP{100000 + i} in stock at the branch?" for i in (99_000, 98_999, 98_998)
    ]
    # Streamed, the request never holds the window's texts: held at once, the 100,000 strings
    # alone take over 9 MB (100,000 x ~97 bytes).
    assert peak < 4_000_000, f"peak {peak:,} bytes"
