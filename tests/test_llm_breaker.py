"""The LLM circuit breaker: after repeated failures the LLM gets a rest, then a probe.

Through the real AsyncAnthropic client and a real local HTTP server (tests/fake_llm_server.py).
Window Q holds 9 distinct texts (tests/fixture_rows.py); with batches of 1 and one call in flight,
each pain-point request would make 9 calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from backend.app.analytics.pain_points.breaker import CircuitBreaker
from tests.fake_llm_server import FakeLLMServer, fake_llm_server
from tests.support.apps import running_app
from tests.support.windows import pool_q

Q = pool_q()
# The local rules' count per cluster in window Q, of its 13 queries (tests/test_pain_points.py
# shows each text's cluster): 0, hours 3 + "Hi" 1 + order 1 = 5; 1, pump 2; 2, cartridge 1; 3,
# SPX3200 2 + R0357800 1 + EC-40 1 = 4; 4, DE grids 1.
LOCAL_COUNTS = [5, 2, 1, 4, 1]
MODEL = "claude-haiku-5-5"


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    """Yield a fresh fake Messages API on 127.0.0.1."""
    with fake_llm_server() as server:
        yield server


@asynccontextmanager
async def breaker_app(
    database_url: str, server: FakeLLMServer, *, cooldown: float
) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of an app whose LLM is `server`: batches of 1, breaker at 3 failures."""
    async with running_app(
        database_url,
        anthropic_api_key="sk-ant-test-breaker",
        llm_base_url=server.url,
        llm_model=MODEL,
        llm_batch_size=1,
        llm_max_concurrency=1,
        llm_max_retries=0,
        llm_breaker_failures=3,
        llm_breaker_cooldown_seconds=cooldown,
    ) as (_, client):
        yield client


async def _pain_points(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/analytics/pain-points", params=Q)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_always_failing_llm_is_left_alone(
    database_url: str, llm_server: FakeLLMServer
) -> None:
    calls: list[int] = []
    bodies: list[dict[str, Any]] = []
    async with breaker_app(database_url, llm_server, cooldown=3600) as client:
        for _ in range(5):
            before = llm_server.calls
            bodies.append(await _pain_points(client))
            calls.append(llm_server.calls - before)
    # The first request stops calling after the third failure: 3 calls, not 9; the other six
    # texts go to the local rules at once. Requests 2 to 5 make none while the breaker is open.
    assert calls == [3, 0, 0, 0, 0]
    assert all(later <= calls[0] / 10 for later in calls[2:])
    for body in bodies:
        assert [cluster["count"] for cluster in body["clusters"]] == LOCAL_COUNTS
        assert body["classifier"] == "keyword"
    assert bodies[0]["fallback_reason"] == "LLM API error (HTTP 500)"
    for body in bodies[1:]:
        assert "circuit breaker open" in body["fallback_reason"]


async def test_after_the_cooldown_one_probe_closes_the_breaker(
    database_url: str, llm_server: FakeLLMServer
) -> None:
    async with breaker_app(database_url, llm_server, cooldown=0.2) as client:
        await _pain_points(client)
        assert llm_server.calls == 3
        llm_server.failing = False
        # Still open: nothing is sent.
        skipped = await _pain_points(client)
        assert llm_server.calls == 3
        assert "circuit breaker open" in skipped["fallback_reason"]
        # Past the cool-down, the first batch probes; it succeeds, so the rest follow.
        await asyncio.sleep(0.25)
        healed = await _pain_points(client)
    assert llm_server.calls == 3 + 9
    assert healed["classifier"] == MODEL
    assert healed["fallback_reason"] is None
    assert [cluster["count"] for cluster in healed["clusters"]] == [0, 0, 0, 0, 13]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_states() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, cooldown=10, clock=clock)
    assert breaker.allow()
    breaker.failed()
    assert breaker.allow()
    assert not breaker.is_open
    breaker.succeeded()  # a success resets the count
    breaker.failed()
    assert not breaker.is_open
    breaker.failed()
    assert breaker.is_open
    assert not breaker.allow()
    clock.now = 9.9
    assert not breaker.allow()
    clock.now = 10.0
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.failed()  # the probe failed: another full cool-down
    clock.now = 19.9
    assert not breaker.allow()
    clock.now = 20.0
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open
    assert breaker.allow()
