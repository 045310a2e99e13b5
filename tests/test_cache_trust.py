"""What is read from Redis is trusted only as far as it proves itself (the tests' own Redis).

Anyone who may write to a shared Redis could forge what the service reads back. Always: a body is
served only when it is exactly that endpoint's answer (its model's JSON, or its CSV), a label is
read only up to its longest length, and a label read keeps locally the TTL it had left in Redis.
With CACHE_SIGNING_KEY: every value carries an HMAC over its key and content, and one whose tag
fails is a miss, logged once. Windows as in tests/test_cache_redis.py: W (SETTLED is two hours
past its end, so its answers are reused for a day), and Q, whose 9 distinct texts the fake LLM
puts in cluster 4.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from backend.app.settings import Settings
from tests.fake_llm_server import FakeLLMServer
from tests.private_redis import private_redis
from tests.support.apps import REUSE, FakeClock, llm_of, running_app
from tests.support.endpoints import ANALYTICS_PATHS, SESSIONS
from tests.support.sql_log import get_counted
from tests.support.stored_answers import stored_answer
from tests.support.windows import SETTLED, pool, pool_q

KEY = "a shared secret of the test's own, 40 chars"
OTHER_KEY = "another secret, of another deployment...."
Q = pool_q()
PAIN_POINTS = "/analytics/pain-points"
FOREIGN_BODY = "cache: an answer in Redis is not its endpoint's answer and is read as a miss; "
BAD_TAG = "cache: a value in Redis failed its CACHE_SIGNING_KEY tag (unsigned, signed with "
# Without the key, what has the right shape is trusted; with it, only what it signed.
TRUSTED_WITHOUT_KEY = [
    pytest.param(None, True, id="unsigned"),
    pytest.param(KEY, False, id="signed"),
]


def _shared(redis_url: str, key: str | None) -> dict[str, Any]:
    return {**REUSE, "cache_url": redis_url, "cache_signing_key": key}


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


# --- Answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, KEY], ids=["unsigned", "signed"])
async def test_every_answer_is_read_back_from_redis(
    database_url: str, redis_url: str, key: str | None
) -> None:
    # Every endpoint in JSON (and CSV but the overview), alone and under compare: what one
    # instance stored, another serves without a statement, byte for byte.
    requests = [
        (path, {**pool(compare=compare), **({"format": "csv"} if csv else {})})
        for compare in ("none", "previous_period")
        for path in [*ANALYTICS_PATHS, "/analytics/overview"]
        for csv in (False, True)
        if not (csv and path == "/analytics/overview")
    ]
    clock = FakeClock(SETTLED)
    async with (
        running_app(database_url, clock=clock, **_shared(redis_url, key)) as (first_app, first),
        running_app(database_url, clock=clock, **_shared(redis_url, key)) as (second_app, second),
    ):
        for path, params in requests:
            computed, _ = await get_counted(first_app, first, path, params)
            read_back, ran = await get_counted(second_app, second, path, params)
            assert computed.status_code == 200, (path, params)
            assert (read_back.content, ran) == (computed.content, 0), (path, params)


def _json_forgeries(body: bytes) -> list[bytes]:
    """Return bodies that are not the service's JSON answer, made from the real `body`."""
    answer = json.loads(body)
    return [
        b'{"forged": true}',
        # A field the model does not have: the service never writes it.
        body[:-1] + b',"note":"<script>alert(1)</script>"}',
        # The same values, spaced otherwise than the service writes them.
        json.dumps(answer, indent=1).encode(),
        b"[]",
        body[: len(body) // 2],
    ]


def _csv_forgeries(body: bytes) -> list[bytes]:
    """Return bodies that are not the service's CSV answer, made from the real `body`."""
    header, row, _ = body.split(b"\r\n")
    first_cell, rest = row.split(b",", 1)
    return [
        # A live formula; then one after a ; a spreadsheet in a ; locale splits at (the service
        # quotes any cell holding a ;).
        header + b'\r\n=HYPERLINK("http://evil.example"),' + rest + b"\r\n",
        header + b"\r\n" + first_cell + b";=1+2," + rest + b"\r\n",
        # Another header, a row of another width, no byte-order mark, not UTF-8.
        header.replace(b"total_sessions", b"sessions") + b"\r\n" + row + b"\r\n",
        header + b"\r\n" + row + b",1\r\n",
        body.removeprefix("\ufeff".encode()),
        body + b"\xff\r\n",
    ]


@pytest.mark.parametrize(
    ("params", "forgeries"),
    [(pool(), _json_forgeries), (pool(format="csv"), _csv_forgeries)],
    ids=["json", "csv"],
)
async def test_a_body_that_is_not_the_endpoints_answer_is_a_miss_logged_once(
    database_url: str,
    redis_url: str,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
    params: dict[str, str],
    forgeries: Callable[[bytes], list[bytes]],
) -> None:
    # Each forgery has a header as the service writes it (stored now, a day to live): before
    # the body was checked, it was served for a day.
    clock = FakeClock(SETTLED)
    with caplog.at_level(logging.WARNING, logger="backend.app.cache"):
        async with running_app(database_url, clock=clock, **_shared(redis_url, None)) as (app, c):
            computed, _ = await get_counted(app, c, SESSIONS, params)
            [key] = await redis.keys("*")
            runs = []
            for forged in forgeries(computed.content):
                await redis.set(key, stored_answer(clock(), 86_400, forged))
                again, ran = await get_counted(app, c, SESSIONS, params)
                runs.append((again.content == computed.content, ran))
    # Each read as a miss and computed again (one statement), and told once for all of them.
    assert runs == [(True, 1)] * len(forgeries(computed.content))
    assert [message[: len(FOREIGN_BODY)] for message in _warnings(caplog)] == [FOREIGN_BODY]


@pytest.mark.parametrize(("key", "served"), TRUSTED_WITHOUT_KEY)
async def test_an_answer_of_the_right_shape_is_trusted_only_without_the_key(
    database_url: str, redis_url: str, redis: Redis, key: str | None, served: bool
) -> None:
    # A forger who writes the model's exact JSON with other numbers: only the key tells.
    clock = FakeClock(SETTLED)
    async with running_app(database_url, clock=clock, **_shared(redis_url, key)) as (app, c):
        computed, _ = await get_counted(app, c, SESSIONS, pool())
        [name] = await redis.keys("*")
        forged = computed.content.replace(
            f'"total_sessions":{computed.json()["total_sessions"]}'.encode(),
            b'"total_sessions":999',
        )
        assert forged != computed.content
        await redis.set(name, stored_answer(clock(), 86_400, forged))
        again, ran = await get_counted(app, c, SESSIONS, pool())
    assert (again.content == forged, ran) == ((True, 0) if served else (False, 1))


@pytest.mark.parametrize("how", ["copied from another key", "unsigned", "signed otherwise"])
async def test_a_value_whose_tag_fails_is_a_miss_logged_once(
    database_url: str, redis_url: str, redis: Redis, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    clock = FakeClock(SETTLED)
    other_window = pool(start_date="2025-06-02")
    writer_key = {"unsigned": None, "signed otherwise": OTHER_KEY}.get(how, KEY)
    # The value put under W's key: another window's answer, stored by an instance signing with
    # the service's key (a tag for another key), with none, or with another.
    async with running_app(database_url, clock=clock, **_shared(redis_url, writer_key)) as (
        app,
        c,
    ):
        await get_counted(app, c, SESSIONS, other_window if how.startswith("copied") else pool())
        [written] = await redis.keys("*")
        value = await redis.get(written)
        assert isinstance(value, bytes)
        await redis.flushdb()
    with caplog.at_level(logging.WARNING, logger="backend.app.cache"):
        async with running_app(database_url, clock=clock, **_shared(redis_url, KEY)) as (app, c):
            computed, _ = await get_counted(app, c, SESSIONS, pool())
            [name] = await redis.keys("*")
            runs = []
            for _ in range(2):
                await redis.set(name, value)
                again, ran = await get_counted(app, c, SESSIONS, pool())
                runs.append((again.content == computed.content, ran))
    # Both reads a miss, computed again (one statement each); one warning for both.
    assert runs == [(True, 1), (True, 1)]
    assert [message[: len(BAD_TAG)] for message in _warnings(caplog)] == [BAD_TAG]
    assert KEY not in caplog.text
    assert OTHER_KEY not in caplog.text


def test_a_short_signing_key_is_refused_without_it() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters") as refusal:
        Settings.model_validate({"cache_signing_key": "fifteen chars.."})
    assert "fifteen" not in str(refusal.value)


# --- Labels -------------------------------------------------------------------------------------


async def _paid(database_url: str, redis_url: str, llm: FakeLLMServer, key: str | None) -> Any:
    """Return window Q's pain points from a first instance, which pays the LLM for its labels."""
    async with running_app(
        database_url, cache_url=redis_url, cache_signing_key=key, **llm_of(llm)
    ) as (_, first):
        return (await first.get(PAIN_POINTS, params=Q)).json()


@pytest.mark.parametrize(("key", "trusted"), TRUSTED_WITHOUT_KEY)
async def test_forged_labels_are_trusted_only_without_the_key(
    database_url: str,
    redis_url: str,
    redis: Redis,
    llm_server: FakeLLMServer,
    key: str | None,
    trusted: bool,
) -> None:
    paid = await _paid(database_url, redis_url, llm_server, key)
    # Every label made cluster 1 (a cluster id, as a label of the service's is), keeping its TTL.
    keys = [name async for name in redis.scan_iter("heritage-analytics:labels:*")]
    assert len(keys) == 9
    for name in keys:
        await redis.set(name, b"1", keepttl=True)
    calls = llm_server.calls
    async with running_app(
        database_url, cache_url=redis_url, cache_signing_key=key, **llm_of(llm_server)
    ) as (_, second):
        answer = (await second.get(PAIN_POINTS, params=Q)).json()
    # Window Q's 13 queries (tests/test_pain_points.py counts them), by cluster id.
    assert _by_cluster(paid) == {0: 0, 1: 0, 2: 0, 3: 0, 4: 13}
    if trusted:
        # Unsigned, a forged cluster id passes for the LLM's: every query moves to cluster 1.
        assert llm_server.calls == calls
        assert _by_cluster(answer) == {0: 0, 1: 13, 2: 0, 3: 0, 4: 0}
    else:
        # Signed, none is a label: the LLM is asked again (one batch), and the answer is the same.
        assert llm_server.calls == calls + 1
        assert _by_cluster(answer) == _by_cluster(paid)


def _by_cluster(answer: dict[str, Any]) -> dict[int, int]:
    return {cluster["cluster_id"]: cluster["count"] for cluster in answer["clusters"]}


async def test_a_label_read_from_redis_keeps_its_ttl_locally(
    database_url: str, redis_url: str, redis: Redis, llm_server: FakeLLMServer
) -> None:
    await _paid(database_url, redis_url, llm_server, None)
    for name in [name async for name in redis.scan_iter("heritage-analytics:labels:*")]:
        await redis.expire(name, 100)
    calls = llm_server.calls
    clock = FakeClock(datetime(2025, 10, 1, 2, tzinfo=UTC))
    async with running_app(
        database_url, clock=clock, cache_url=redis_url, **llm_of(llm_server)
    ) as (_, second):
        read = await second.get(PAIN_POINTS, params=Q)
        await redis.flushdb()
        # Read with 100 s less the few milliseconds since EXPIRE: still held at 99 s, gone at 101.
        clock.advance(99)
        held = await second.get(PAIN_POINTS, params=Q)
        calls_held = llm_server.calls
        clock.advance(2)
        expired = await second.get(PAIN_POINTS, params=Q)
    assert [read.status_code, held.status_code, expired.status_code] == [200] * 3
    assert (calls_held, llm_server.calls) == (calls, calls + 1)


async def test_a_label_is_read_only_up_to_the_longest_the_service_writes(
    database_url: str, llm_server: FakeLLMServer
) -> None:
    # A Redis of this test's own: what it sends is counted, and nobody else's traffic is in it.
    with private_redis() as url:
        redis = Redis.from_url(url)
        try:
            paid = await _paid(database_url, url, llm_server, None)
            # Each of the 9 labels made a cluster id followed by 1 MiB: 9 MiB if read whole.
            for name in [name async for name in redis.scan_iter("heritage-analytics:labels:*")]:
                await redis.set(name, b"4" + bytes(1 << 20), keepttl=True)
            sent_before = (await redis.info("stats"))["total_net_output_bytes"]
            async with running_app(database_url, cache_url=url, **llm_of(llm_server)) as (_, c):
                answer = (await c.get(PAIN_POINTS, params=Q)).json()
            sent = (await redis.info("stats"))["total_net_output_bytes"] - sent_before
        finally:
            await redis.aclose()
    # Two bytes of each value, its TTL and the INFO replies come to a few kilobytes; a single
    # label read whole would be 1 MiB.
    assert sent < 64 * 1024
    assert answer["clusters"] == paid["clusters"]
