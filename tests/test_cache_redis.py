"""The cache shared in Redis (the tests' own server, or TEST_REDIS_URL's), and without it.

Window W as in tests/test_cache.py: /analytics/sessions computes it with one statement, the
overview with three. Window Q (September 2025) holds 9 distinct query texts
(tests/fixture_rows.py); the fake LLM puts each in cluster 4.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from backend.app.analytics.registry import schema_fingerprint
from backend.app.cache.answers import MAX_STORED_BYTES
from backend.app.cache.setup import ANSWERS_VERSION
from tests.fake_llm_server import FakeLLMServer
from tests.private_redis import free_port, private_redis
from tests.support.apps import REUSE, FakeClock, llm_of, running_app
from tests.support.endpoints import SESSIONS
from tests.support.sql_log import get_counted
from tests.support.stored_answers import stored_answer
from tests.support.windows import SETTLED, pool, pool_q

Q = pool_q()
Q_SETTLED = datetime(2025, 10, 1, 2, tzinfo=UTC)  # two hours after Q ends
NAMESPACE = f"heritage-analytics:v{ANSWERS_VERSION}-{schema_fingerprint()}:answer:"


async def test_two_instances_share_answers(database_url: str, redis_url: str, redis: Redis) -> None:
    clock = FakeClock(SETTLED)
    shared: dict[str, Any] = {**REUSE, "cache_url": redis_url}
    async with (
        running_app(database_url, clock=clock, **shared) as (first_app, first),
        running_app(database_url, clock=clock, **shared) as (second_app, second),
    ):
        computed, ran_first = await get_counted(first_app, first, "/analytics/overview", pool())
        clock.advance(100)
        reused, ran_second = await get_counted(second_app, second, "/analytics/overview", pool())
    assert (ran_first, ran_second) == (3, 0)
    assert reused.content == computed.content
    assert reused.headers["etag"] == computed.headers["etag"]
    # The second instance reports the age the first stored: 86400 - 100 s left.
    assert reused.headers["cache-control"] == "private, max-age=86300"
    keys = await redis.keys("*")
    names = [key.decode() if isinstance(key, bytes) else key for key in keys]
    assert [name.startswith(NAMESPACE) for name in names] == [True]
    # The TTL is set in Redis too (in milliseconds; a little has passed since).
    assert 86_300_000 < await redis.pttl(keys[0]) <= 86_400_000


async def test_an_answer_past_its_ttl_is_not_served_from_redis(
    database_url: str, redis_url: str, redis: Redis
) -> None:
    clock = FakeClock(SETTLED)
    async with running_app(database_url, clock=clock, **REUSE, cache_url=redis_url) as (app, c):
        _, ran = await get_counted(app, c, SESSIONS, pool())
        # Redis still holds it (its own clock has not moved), but it is a day old by ours.
        clock.advance(86_400)
        assert await redis.dbsize() == 1
        _, ran_again = await get_counted(app, c, SESSIONS, pool())
    assert (ran, ran_again) == (1, 1)


async def test_unreadable_bytes_in_redis_are_a_miss(
    database_url: str, redis_url: str, redis: Redis
) -> None:
    settings: dict[str, Any] = {**REUSE, "cache_url": redis_url}
    async with running_app(database_url, clock=FakeClock(SETTLED), **settings) as (app, client):
        first, _ = await get_counted(app, client, SESSIONS, pool())
        [key] = await redis.keys("*")
        await redis.set(key, b"not an answer")
        again, ran = await get_counted(app, client, SESSIONS, pool())
    assert (again.content, ran) == (first.content, 1)


async def test_an_unreachable_redis_costs_nothing_but_a_warning(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.WARNING, logger="backend.app.cache.redis_store"):
        async with running_app(database_url, clock=FakeClock(SETTLED), **REUSE, cache_url=url) as (
            app,
            client,
        ):
            answers = [await get_counted(app, client, SESSIONS, pool()) for _ in range(3)]
    assert [(response.status_code, ran) for response, ran in answers] == [(200, 1)] * 3
    warnings = [record.getMessage() for record in caplog.records]
    # One warning: after the first failure, Redis is left alone for CACHE_RETRY_SECONDS.
    assert warnings == ["cache: Redis read failed (ConnectionError); answering without it for 10 s"]


@pytest.fixture
def stalled_redis() -> Iterator[str]:
    """Return the URL of a server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    listener.close()


async def test_a_stalled_redis_is_bounded_by_the_cache_timeout(
    database_url: str, stalled_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings: dict[str, Any] = {
        **REUSE,
        "cache_url": stalled_redis,
        "cache_timeout_seconds": 0.2,
    }
    with caplog.at_level(logging.WARNING, logger="backend.app.cache.redis_store"):
        async with running_app(database_url, clock=FakeClock(SETTLED), **settings) as (app, c):
            # Far inside the test's patience: the 0.2 s timeout, not a hang, ends the read.
            response, ran = await asyncio.wait_for(
                get_counted(app, c, SESSIONS, pool()), timeout=20
            )
    assert (response.status_code, ran) == (200, 1)
    assert [record.getMessage() for record in caplog.records] == [
        "cache: Redis read failed (TimeoutError); answering without it for 10 s"
    ]


async def test_llm_labels_are_shared_by_a_new_instance(
    database_url: str, redis_url: str, llm_server: FakeLLMServer
) -> None:
    # Answers are not reused here (TTL 0), so both instances compute; only labels are shared.
    async with running_app(database_url, cache_url=redis_url, **llm_of(llm_server)) as (_, first):
        paid = (await first.get("/analytics/pain-points", params=Q)).json()
    calls = llm_server.calls
    async with running_app(database_url, cache_url=redis_url, **llm_of(llm_server)) as (_, second):
        shared = (await second.get("/analytics/pain-points", params=Q)).json()
    assert calls == 1  # 9 texts, one batch of 50
    assert llm_server.calls == calls
    assert (
        shared["texts_by_classifier"]
        == paid["texts_by_classifier"]
        == {
            "claude-haiku-5-5": 9,
            "keyword": 0,
        }
    )
    assert shared["clusters"] == paid["clusters"]


async def test_a_fallen_back_pain_point_answer_is_kept_for_the_recent_ttl_only(
    database_url: str, llm_server: FakeLLMServer
) -> None:
    clock = FakeClock(Q_SETTLED)
    llm_server.failing = True
    async with running_app(database_url, clock=clock, **REUSE, **llm_of(llm_server)) as (app, c):
        fallen, _ = await get_counted(app, c, "/analytics/pain-points", Q)
        clock.advance(59)
        _, ran_reused = await get_counted(app, c, "/analytics/pain-points", Q)
        llm_server.failing = False
        clock.advance(1)
        healed, ran_healed = await get_counted(app, c, "/analytics/pain-points", Q)
        calls = llm_server.calls
        _, ran_again = await get_counted(app, c, "/analytics/pain-points", Q)
    assert fallen.json()["fallback_reason"] is not None
    # Q is long settled, yet a fallen-back answer gets the recent TTL, 60 s.
    assert fallen.headers["cache-control"] == "private, max-age=60"
    assert (ran_reused, ran_healed, ran_again) == (0, 1, 0)
    assert healed.json()["fallback_reason"] is None
    assert healed.headers["cache-control"] == "private, max-age=86400"
    # A repeated request classifies nothing.
    assert llm_server.calls == calls


async def test_the_classifier_is_in_the_key(
    database_url: str, redis_url: str, llm_server: FakeLLMServer
) -> None:
    shared: dict[str, Any] = {**REUSE, "cache_url": redis_url}
    clock = FakeClock(SETTLED)
    async with (
        running_app(database_url, clock=clock, **shared) as (local_app, local),
        running_app(database_url, clock=clock, **shared, **llm_of(llm_server)) as (llm_app, llm),
    ):
        by_rules, ran_local = await get_counted(local_app, local, "/analytics/pain-points", Q)
        by_llm, ran_llm = await get_counted(llm_app, llm, "/analytics/pain-points", Q)
    # Both computed: the local rules read the window's texts, then their examples' spellings (two
    # statements); with the LLM, SQL groups the texts (one).
    assert (ran_local, ran_llm) == (2, 1)
    assert (by_rules.json()["classifier"], by_llm.json()["classifier"]) == (
        "keyword",
        "claude-haiku-5-5",
    )


# --- A full Redis, and what is read from Redis -------------------------------------------------


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda now: stored_answer(now, math.inf), id="infinite TTL"),
        pytest.param(lambda now: stored_answer(now, math.nan), id="TTL not a number"),
        pytest.param(lambda now: stored_answer(now, -5), id="negative TTL"),
        pytest.param(lambda now: stored_answer(math.inf, 60), id="stored at infinity"),
        # Longer than any TTL the service gives (86,400 s).
        pytest.param(lambda now: stored_answer(now, 10**9), id="a TTL of 31 years"),
        # Ten days ahead of every clock: it would never age.
        pytest.param(lambda now: stored_answer(now + 864_000, 86_400), id="stored in the future"),
        # 64 MiB of zeros, 64 KiB compressed: inflated only up to the largest body's bound.
        pytest.param(lambda now: stored_answer(now, 60, bytes(64 << 20)), id="inflates to 64 MiB"),
        pytest.param(lambda now: stored_answer(now, 60) + b"trailing", id="bytes after the body"),
        pytest.param(lambda now: b"x" * (MAX_STORED_BYTES + 10), id="longer than any answer"),
    ],
)
async def test_a_forged_answer_in_redis_is_a_miss(
    database_url: str, redis_url: str, redis: Redis, forged: Callable[[float], bytes]
) -> None:
    clock = FakeClock(SETTLED)
    async with running_app(database_url, clock=clock, **REUSE, cache_url=redis_url) as (app, c):
        first, _ = await get_counted(app, c, SESSIONS, pool())
        [key] = await redis.keys("*")
        await redis.set(key, forged(clock()))
        again, ran = await get_counted(app, c, SESSIONS, pool())
    # Computed again (one statement), never the forged body, never a 500.
    assert (again.status_code, ran) == (200, 1)
    assert again.content == first.content
    assert again.headers["cache-control"] == "private, max-age=86400"


async def test_a_key_of_another_type_is_a_miss_and_redis_stays_in_use(
    database_url: str, redis_url: str, redis: Redis
) -> None:
    async with running_app(
        database_url, clock=FakeClock(SETTLED), **REUSE, cache_url=redis_url
    ) as (
        app,
        client,
    ):
        _, ran_first = await get_counted(app, client, SESSIONS, pool())
        [key] = await redis.keys("*")
        await redis.delete(key)
        await redis.rpush(key, "not a string")  # GETRANGE on it: WRONGTYPE
        _, ran_miss = await get_counted(app, client, SESSIONS, pool())
        # The miss stored the answer again (SET replaces the list); the next request reads it.
        _, ran_hit = await get_counted(app, client, SESSIONS, pool())
    assert (ran_first, ran_miss, ran_hit) == (1, 1, 0)


async def test_a_label_that_is_no_cluster_is_not_trusted(
    database_url: str, redis_url: str, redis: Redis, llm_server: FakeLLMServer
) -> None:
    async with running_app(database_url, cache_url=redis_url, **llm_of(llm_server)) as (_, first):
        paid = (await first.get("/analytics/pain-points", params=Q)).json()
    keys = [key async for key in redis.scan_iter("heritage-analytics:labels:*")]
    assert len(keys) == 9  # window Q's distinct texts (see the module's docstring)
    for index, key in enumerate(keys):
        await redis.set(key, [b"7", b"-1", b"x", b"01", b"4 "][index % 5])
    calls = llm_server.calls
    async with running_app(database_url, cache_url=redis_url, **llm_of(llm_server)) as (_, second):
        response = await second.get("/analytics/pain-points", params=Q)
    # None was a label: the LLM is asked again for every text, and the answer is the same.
    assert response.status_code == 200
    assert llm_server.calls == calls + 1
    assert response.json()["clusters"] == paid["clusters"]


async def _fill(url: str) -> None:
    """Make the Redis at `url` (the test's own) full: maxmemory below what it holds."""
    client = Redis.from_url(url)
    try:
        # Filling it with junk instead leaves it hovering at the limit, where a small write may
        # still fit as client buffers come and go; this refuses every write, every time.
        await client.config_set("maxmemory", 1)
        with pytest.raises(OutOfMemoryError):
            await client.set("junk", b"x")
    finally:
        await client.aclose()


async def test_a_full_redis_stops_writes_and_keeps_serving_reads(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A Redis at maxmemory with noeviction refuses every write ("OOM command not allowed") and
    # still answers reads. Window W's sessions are stored before it is full; then new windows
    # are asked (their writes refused) in turn with W (its answer read from Redis each time).
    clock = FakeClock(SETTLED)
    with (
        private_redis(maxmemory="64mb", maxmemory_policy="noeviction") as url,
        caplog.at_level(logging.WARNING, logger="backend.app.cache.redis_store"),
    ):
        async with running_app(database_url, clock=clock, **REUSE, cache_url=url) as (app, c):
            stored, ran_stored = await get_counted(app, c, SESSIONS, pool())
            await _fill(url)
            runs = []
            for day in range(1, 21):
                other = {"start_date": f"2025-05-{day:02d}", "end_date": f"2025-05-{day:02d}"}
                fresh, ran_fresh = await get_counted(app, c, SESSIONS, pool(**other))
                reused, ran_reused = await get_counted(app, c, SESSIONS, pool())
                runs.append((fresh.status_code, ran_fresh, reused.status_code, ran_reused))
                assert reused.content == stored.content
    assert ran_stored == 1
    # Every new window computed (1 statement), every W read from Redis (none): 20 of 20.
    assert runs == [(200, 1, 200, 0)] * 20
    # The refused writes are told once, not once a request.
    assert [record.getMessage() for record in caplog.records] == [
        "cache: Redis write failed (OutOfMemoryError); writing nothing for 10 s"
    ]
