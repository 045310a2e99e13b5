"""The result cache in the process: reuse proven by statement counts, TTLs by a clock in hand.

Window W (2025-06-01 to 2025-06-07, pool) ends just before END_W. /analytics/sessions computes it
with one statement (tests/test_sessions.py). The tests' apps turn reuse off (make_settings in
tests/support/apps.py); these turn the defaults back on: settled answers 86400 s, recent
ones 60 s, a window settled once its end is more than 3600 s before the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from backend.app.analytics.pain_points.classifier import PainPointClassifier, label_cache
from backend.app.cache.answers import CachedAnswer, MemoryStore, entry_size
from tests.support.apps import REUSE, FakeClock, cached_app, running_app
from tests.support.databases import table_locked
from tests.support.endpoints import SESSIONS
from tests.support.sql_log import get_counted, recording
from tests.support.windows import END_W, SETTLED, pool

RECENT = END_W + timedelta(minutes=30)


async def test_a_repeated_request_runs_no_sql(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        first, ran_first = await get_counted(app, client, SESSIONS, pool())
        again, ran_again = await get_counted(app, client, SESSIONS, pool())
    assert (first.status_code, again.status_code) == (200, 200)
    assert (ran_first, ran_again) == (1, 0)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith('"')
    assert first.headers["etag"].endswith('"')
    # The clock did not move: the whole settled TTL is left on both.
    assert first.headers["cache-control"] == again.headers["cache-control"]
    assert first.headers["cache-control"] == "private, max-age=86400"


@pytest.mark.parametrize(
    "change",
    [
        {"environment": "production"},
        {"user_id": "u1"},
        {"tz": "America/Chicago"},
        {"compare": "previous_period"},
        {"product_context": "landscape"},
        {"end_date": "2025-06-06"},
    ],
)
async def test_every_filter_is_in_the_key(database_url: str, change: dict[str, str]) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        _, warm = await get_counted(app, client, SESSIONS, pool())
        other, ran = await get_counted(app, client, SESSIONS, pool(**change))
        _, again = await get_counted(app, client, SESSIONS, pool(**change))
    assert other.status_code == 200
    # compare=previous_period computes two windows: two statements; every other change one.
    assert (warm, ran, again) == (1, 2 if "compare" in change else 1, 0)


class _AnotherModel:
    """An LLM by its name alone: with no policy to send it texts, the local rules label them."""

    name = "another-model"

    async def classify(self, texts: Sequence[str]) -> list[int]:
        """Never asked: the classifier has no policy."""
        raise AssertionError("asked for labels")


async def test_only_answers_holding_pain_points_are_keyed_by_the_classifier(
    database_url: str,
) -> None:
    paths = (SESSIONS, "/analytics/volume", "/analytics/pain-points", "/analytics/overview")
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        first = {path: (await get_counted(app, client, path, pool()))[1] for path in paths}
        keyword = app.state.classifier
        # Another LLM model names another classifier (keyword's rules still label every text).
        app.state.classifier = PainPointClassifier(
            local=keyword.local, cache=label_cache(8), llm=_AnotherModel()
        )
        try:
            again = {path: await get_counted(app, client, path, pool()) for path in paths}
        finally:
            app.state.classifier = keyword
    # Only pain points, alone and in the overview, are computed again, every statement of them.
    assert {path: ran for path, (_, ran) in again.items()} == {
        SESSIONS: 0,
        "/analytics/volume": 0,
        "/analytics/pain-points": first["/analytics/pain-points"],
        "/analytics/overview": first["/analytics/overview"],
    }
    assert first["/analytics/pain-points"] > 0
    [pain_points, overview] = (again[path][0].json() for path in paths[2:])
    assert pain_points["classifier"] == overview["pain_points"]["classifier"] == "keyword"


async def test_each_endpoint_has_its_own_answer(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        _, sessions = await get_counted(app, client, SESSIONS, pool())
        volume, ran = await get_counted(app, client, "/analytics/volume", pool())
        _, overview = await get_counted(app, client, "/analytics/overview", pool())
        _, overview_again = await get_counted(app, client, "/analytics/overview", pool())
    assert "daily" in volume.json()
    # Volume reads the session grain (1 statement); the overview all three grains.
    assert (sessions, ran, overview, overview_again) == (1, 1, 3, 0)


async def test_a_matching_if_none_match_is_a_304(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        first, _ = await get_counted(app, client, SESSIONS, pool())
        tag = first.headers["etag"]
        answers = {
            header: await get_counted(app, client, SESSIONS, pool(), **{"If-None-Match": header})
            for header in (tag, f"W/{tag}", f'"elsewhere", {tag}', "*", '"elsewhere"')
        }
    for header in (tag, f"W/{tag}", f'"elsewhere", {tag}', "*"):
        response, ran = answers[header]
        assert (response.status_code, response.content, ran) == (304, b"", 0), header
        assert response.headers["etag"] == tag
        assert response.headers["cache-control"] == first.headers["cache-control"]
    changed, ran = answers['"elsewhere"']
    assert (changed.status_code, changed.content, ran) == (200, first.content, 0)


async def test_max_age_counts_down_and_an_expired_answer_is_computed_again(
    database_url: str,
) -> None:
    clock = FakeClock(SETTLED)
    async with cached_app(database_url, clock) as (app, client):
        fresh, ran_fresh = await get_counted(app, client, SESSIONS, pool())
        clock.advance(1000.4)
        reused, ran_reused = await get_counted(app, client, SESSIONS, pool())
        # Age 86400 s: as old as the TTL, so never served again.
        clock.advance(86_400 - 1000.4)
        renewed, ran_renewed = await get_counted(app, client, SESSIONS, pool())
    assert (ran_fresh, ran_reused, ran_renewed) == (1, 0, 1)
    assert fresh.headers["cache-control"] == "private, max-age=86400"
    # 86400 - 1000.4 = 85399.6 s left: max-age is the whole seconds, 85399.
    assert reused.headers["cache-control"] == "private, max-age=85399"
    assert renewed.headers["cache-control"] == "private, max-age=86400"
    assert renewed.content == fresh.content


async def test_a_recent_window_is_reused_for_the_recent_ttl_only(database_url: str) -> None:
    # 30 minutes after W ends: not yet settled (3600 s), so 60 s of reuse.
    clock = FakeClock(RECENT)
    async with cached_app(database_url, clock) as (app, client):
        fresh, ran_fresh = await get_counted(app, client, SESSIONS, pool())
        clock.advance(59)
        reused, ran_reused = await get_counted(app, client, SESSIONS, pool())
        clock.advance(1)
        _, ran_expired = await get_counted(app, client, SESSIONS, pool())
    assert (ran_fresh, ran_reused, ran_expired) == (1, 0, 1)
    assert fresh.headers["cache-control"] == "private, max-age=60"
    assert reused.headers["cache-control"] == "private, max-age=1"


async def test_the_settle_time_decides_which_ttl(database_url: str) -> None:
    # With CACHE_SETTLE_SECONDS=600, 30 minutes after the end is settled.
    async with cached_app(database_url, FakeClock(RECENT), cache_settle_seconds=600) as (
        app,
        client,
    ):
        response, _ = await get_counted(app, client, SESSIONS, pool())
    assert response.headers["cache-control"] == "private, max-age=86400"


async def test_ttl_zero_turns_reuse_off(database_url: str) -> None:
    async with running_app(database_url, clock=FakeClock(SETTLED)) as (app, client):
        first, ran_first = await get_counted(app, client, SESSIONS, pool())
        again, ran_again = await get_counted(app, client, SESSIONS, pool())
        # The validator still holds: the client has these bytes, so a 304 (after computing).
        revalidated, ran_304 = await get_counted(
            app, client, SESSIONS, pool(), **{"If-None-Match": first.headers["etag"]}
        )
    assert (ran_first, ran_again, ran_304) == (1, 1, 1)
    assert again.content == first.content
    assert first.headers["cache-control"] == "private, max-age=0"
    assert revalidated.status_code == 304


async def test_the_in_process_cache_holds_at_most_cache_max_entries(database_url: str) -> None:
    ends = {"a": "2025-06-05", "b": "2025-06-06", "c": "2025-06-07"}
    async with cached_app(database_url, FakeClock(SETTLED), cache_max_entries=2) as (app, client):

        async def ran(name: str) -> int:
            _, count = await get_counted(app, client, SESSIONS, pool(end_date=ends[name]))
            return count

        # a, b stored; a used again (now the most recent); c evicts b, the least recent.
        filled = [await ran("a"), await ran("b"), await ran("a"), await ran("c")]
        after = [await ran("a"), await ran("c"), await ran("b")]
        stored = len(app.state.cache.store)
    assert filled == [1, 1, 0, 1]
    assert after == [0, 0, 1]
    assert stored == 2


async def test_errors_are_never_stored(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (_, client):
        refused = await client.get(SESSIONS, params=pool(tz="Mars/Olympus"))
        missing = await client.get("/analytics/nowhere", params=pool())
    for response in (refused, missing):
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
    assert (refused.status_code, missing.status_code) == (422, 404)


async def _wait_for_waiters(app: FastAPI, count: int) -> None:
    for _ in range(1000):
        if app.state.cache.waiters() == count:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"{app.state.cache.waiters()} requests wait, not {count}")


async def test_identical_requests_share_one_computation(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        with recording(app) as log:
            async with table_locked(database_url):
                requests = [
                    asyncio.create_task(client.get(SESSIONS, params=pool())) for _ in range(20)
                ]
                # All 20 are waiting on the one computation the lock holds back.
                await _wait_for_waiters(app, 20)
            responses = await asyncio.gather(*requests)
    assert [response.status_code for response in responses] == [200] * 20
    assert len({response.content for response in responses}) == 1
    assert len(log.statements) == 1


async def test_a_failed_shared_computation_fails_every_waiter_and_is_not_kept(
    database_url: str,
) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        with recording(app) as log:
            async with table_locked(database_url) as locker:
                requests = [
                    asyncio.create_task(client.get(SESSIONS, params=pool())) for _ in range(5)
                ]
                await _wait_for_waiters(app, 5)
                # End the one statement waiting on the lock: the computation fails.
                for _ in range(1000):
                    ended = await locker.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if ended:
                        break
                    await asyncio.sleep(0.01)
                failed = await asyncio.gather(*requests)
        # Nothing was stored: the next request computes.
        after, ran_after = await get_counted(app, client, SESSIONS, pool())
    assert len(log.statements) == 1
    statuses = {response.status_code for response in failed}
    assert len(statuses) == 1
    assert statuses.pop() >= 500
    assert len({response.content for response in failed}) == 1
    assert all(response.headers["cache-control"] == "no-store" for response in failed)
    assert (after.status_code, ran_after) == (200, 1)


async def test_a_waiter_that_leaves_does_not_cancel_the_others(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        with recording(app) as log:
            async with table_locked(database_url):
                leaving = asyncio.create_task(client.get(SESSIONS, params=pool()))
                staying = asyncio.create_task(client.get(SESSIONS, params=pool()))
                await _wait_for_waiters(app, 2)
                leaving.cancel()
                await _wait_for_waiters(app, 1)
            response = await staying
    assert response.status_code == 200
    assert len(log.statements) == 1


async def test_the_in_process_store_is_bounded_by_bytes() -> None:
    # Four answers of 1,000-byte bodies under one-character keys: each costs 1,000 + 1 + 512 bytes
    # (entry_size). A bound of three entries' worth minus one byte holds two.
    one = entry_size("a", CachedAnswer(body=bytes(1000), stored_at=0, ttl=60))
    assert one == 1_513
    store = MemoryStore(max_entries=100, max_bytes=3 * one - 1)
    for key in "abc":
        await store.put(key, CachedAnswer(body=bytes(1000), stored_at=0, ttl=60))
    assert [key for key in "abc" if await store.get(key)] == ["b", "c"]
    assert store.size_bytes == 2 * one
    # b was just read: d evicts c, the least recently used.
    await store.get("b")
    await store.put("d", CachedAnswer(body=bytes(1000), stored_at=0, ttl=60))
    assert [key for key in "abcd" if await store.get(key)] == ["b", "d"]
    # A key stored again replaces its answer and its size; one larger than the bound is not kept.
    await store.put("b", CachedAnswer(body=bytes(10), stored_at=0, ttl=60))
    assert store.size_bytes == one + (10 + 1 + 512)
    await store.put("e", CachedAnswer(body=bytes(3 * one), stored_at=0, ttl=60))
    assert await store.get("e") is None
    assert len(store) == 2


async def test_cache_max_bytes_bounds_the_service_s_store(database_url: str) -> None:
    # 100 bytes hold no answer (the overhead alone is 512): every request computes again.
    async with cached_app(database_url, FakeClock(SETTLED), cache_max_bytes=100) as (app, client):
        runs = [(await get_counted(app, client, SESSIONS, pool()))[1] for _ in range(2)]
        held = len(app.state.cache.store)
    assert (runs, held) == ([1, 1], 0)


async def test_a_fresh_answer_has_its_whole_ttl_by_the_real_clock(database_url: str) -> None:
    # With the real clock, some time passes between computing and answering; a fresh answer's
    # max-age is still the TTL (a settled window: a day), and the repeat counts down from it.
    async with running_app(database_url, **REUSE) as (app, client):
        fresh, ran_fresh = await get_counted(app, client, SESSIONS, pool())
        reused, ran_reused = await get_counted(app, client, SESSIONS, pool())
        recent, _ = await get_counted(
            app, client, SESSIONS, pool(end_date=datetime.now(UTC).isoformat())
        )
    assert (ran_fresh, ran_reused) == (1, 0)
    assert fresh.headers["cache-control"] == "private, max-age=86400"
    # Reused a moment later: less than a day left, in whole seconds rounded down.
    left = int(reused.headers["cache-control"].removeprefix("private, max-age="))
    assert 86_300 < left < 86_400
    assert recent.headers["cache-control"] == "private, max-age=60"
