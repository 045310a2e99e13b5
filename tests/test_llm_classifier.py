"""The LLM path of pain points, through the real AsyncAnthropic client and a fake Messages API.

The window-Q fixture rows hold 9 distinct normalised texts and 13 queries (tests/fixture_rows.py).
The fake answers differently from the local rules (e.g. everything in cluster 4), so a response
shows which classifier answered.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest

from backend.app.analytics.pain_points.llm_classifier import parse_assignments
from backend.app.main import create_app
from tests.fake_anthropic import FakeAnthropic, all_in, tool_answer
from tests.support.apps import make_settings
from tests.support.windows import pool_q

PATH = "/analytics/pain-points"
Q = pool_q()
# The local rules' count per cluster in window Q, of its 13 queries (tests/test_pain_points.py
# shows each text's cluster): 0, hours 3 + "Hi" 1 + order 1 = 5; 1, pump 2; 2, cartridge 1; 3,
# SPX3200 2 + R0357800 1 + EC-40 1 = 4; 4, DE grids 1.
LOCAL_COUNTS = [5, 2, 1, 4, 1]
API_KEY = "sk-ant-test-DO-NOT-LEAK-123"
MODEL = "claude-haiku-5-5"


@asynccontextmanager
async def llm_app(
    database_url: str, fake: FakeAnthropic, **settings: object
) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of an app whose LLM classifier talks to `fake`."""
    options: dict[str, object] = {
        "anthropic_api_key": API_KEY,
        "llm_model": MODEL,
        "llm_max_retries": 0,
        **settings,
    }
    app = create_app(make_settings(database_url, **options), llm_http_client=fake.client())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


async def pain_points(client: httpx.AsyncClient, **extra: str) -> dict[str, Any]:
    """GET the pain points of window Q and return the body."""
    response = await client.get(PATH, params={**Q, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(body: dict[str, Any]) -> list[int]:
    """Return the count of each cluster."""
    return [cluster["count"] for cluster in body["clusters"]]


async def test_llm_answers_and_batches(database_url: str) -> None:
    # 9 texts in batches of 4: ceil(9 / 4) = 3 calls of 4, 4 and 1 texts.
    fake = FakeAnthropic(all_in(4))
    async with llm_app(database_url, fake, llm_batch_size=4) as client:
        body = await pain_points(client)
    assert [len(batch) for batch in fake.batches] == [4, 4, 1]
    assert body["classifier"] == MODEL
    assert body["texts_by_classifier"] == {MODEL: 9, "keyword": 0}
    assert counts(body) == [0, 0, 0, 0, 13]
    assert body["fallback_reason"] is None
    # Most frequent first: the hours text (3 queries) leads the first batch.
    assert fake.batches[0][0] == "what are your hours on saturday?"
    request = fake.requests[0]
    assert request["model"] == MODEL
    assert request["tool_choice"] == {"type": "tool", "name": "assign_clusters"}
    assert "temperature" not in request


async def test_concurrency_is_bounded(database_url: str) -> None:
    # 9 texts in batches of 1 with at most 2 in flight, each call taking 50 ms.
    fake = FakeAnthropic(all_in(1), delay=0.05)
    async with llm_app(database_url, fake, llm_batch_size=1, llm_max_concurrency=2) as client:
        body = await pain_points(client)
    assert len(fake.requests) == 9
    assert fake.max_in_flight == 2
    assert counts(body) == [0, 13, 0, 0, 0]


async def test_cache_makes_a_repeated_request_free(database_url: str) -> None:
    fake = FakeAnthropic(all_in(2))
    async with llm_app(database_url, fake, llm_batch_size=4) as client:
        first = await pain_points(client)
        calls = len(fake.requests)
        second = await pain_points(client)
        # The overview's pain-points section is served from the same cache.
        overview = await client.get("/analytics/overview", params=Q)
    assert calls == 3
    assert len(fake.requests) == calls
    assert second["clusters"] == first["clusters"]
    assert second["texts_by_classifier"] == {MODEL: 9, "keyword": 0}
    assert overview.json()["pain_points"]["clusters"] == first["clusters"]


async def test_ceiling_sends_the_rest_to_the_local_classifier(database_url: str) -> None:
    # Only the 5 most frequent texts may go to the LLM: hours (3), pump (2), SPX3200 (2), then
    # the two most recent 1-query texts, DE grids (09-13) and EC-40 (09-12).
    fake = FakeAnthropic(all_in(4))
    async with llm_app(database_url, fake, llm_max_texts_per_request=5) as client:
        body = await pain_points(client)
    assert sum(len(batch) for batch in fake.batches) == 5
    assert body["texts_by_classifier"] == {MODEL: 5, "keyword": 4}
    assert body["classifier"] == MODEL
    # LLM: 3 + 2 + 2 + 1 + 1 = 9 queries in cluster 4; the local rules put the other four
    # (order -> 0, "hi" -> 0, cartridge -> 2, R0357800 -> 3) where they belong.
    assert counts(body) == [2, 0, 1, 1, 9]


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "LLM API rate limit (HTTP 429)"), (500, "LLM API error (HTTP 500)")],
)
async def test_api_errors_fall_back_to_local(database_url: str, status: int, reason: str) -> None:
    fake = FakeAnthropic(lambda questions: httpx2.Response(status, json={"type": "error"}))
    async with llm_app(database_url, fake) as client:
        body = await pain_points(client)
    assert body["classifier"] == "keyword"
    assert body["fallback_reason"] == reason
    assert body["texts_by_classifier"] == {MODEL: 0, "keyword": 9}
    assert counts(body) == LOCAL_COUNTS


async def test_malformed_answer_is_retried_once(database_url: str) -> None:
    answers = iter(
        [
            tool_answer([{"index": 0, "cluster_id": 4}]),  # too few assignments
            tool_answer([{"index": i, "cluster_id": 3} for i in range(9)]),
        ]
    )
    fake = FakeAnthropic(lambda questions: next(answers))
    async with llm_app(database_url, fake) as client:
        body = await pain_points(client)
    assert len(fake.requests) == 2
    assert counts(body) == [0, 0, 0, 13, 0]
    assert body["fallback_reason"] is None


@pytest.mark.parametrize(
    "answer",
    [
        [{"index": i, "cluster_id": 7} for i in range(9)],
        [{"index": 0, "cluster_id": 1}] * 9,
        [{"index": i, "cluster_id": True} for i in range(9)],
    ],
    ids=["cluster out of range", "duplicate index", "boolean id"],
)
async def test_malformed_twice_falls_back(database_url: str, answer: list[dict[str, Any]]) -> None:
    fake = FakeAnthropic(lambda questions: tool_answer(answer))
    async with llm_app(database_url, fake) as client:
        body = await pain_points(client)
    assert len(fake.requests) == 2
    assert body["fallback_reason"] == "LLM answer malformed twice"
    assert counts(body) == LOCAL_COUNTS


async def test_refusal_falls_back(database_url: str) -> None:
    fake = FakeAnthropic(lambda questions: tool_answer([], stop_reason="refusal"))
    async with llm_app(database_url, fake) as client:
        body = await pain_points(client)
    assert body["fallback_reason"] == "LLM refused the request"
    assert counts(body) == LOCAL_COUNTS


async def test_deadline_bounds_a_slow_llm(database_url: str) -> None:
    # Each call takes 5 s; the request may wait 0.3 s, then the local rules answer.
    fake = FakeAnthropic(all_in(4), delay=5.0)
    async with llm_app(database_url, fake, llm_deadline_seconds=0.3) as client:
        body = await pain_points(client)
    assert body["fallback_reason"] == "LLM deadline passed"
    assert counts(body) == LOCAL_COUNTS


async def test_a_call_past_the_sdk_timeout_falls_back(database_url: str) -> None:
    # What the HTTP transport raises when LLM_TIMEOUT_SECONDS passes (a mock transport enforces
    # no timeouts itself); the SDK turns it into its APITimeoutError.
    def time_out(questions: list[str]) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out")

    fake = FakeAnthropic(time_out)
    async with llm_app(database_url, fake) as client:
        body = await pain_points(client)
    assert body["fallback_reason"] == "LLM request timed out"
    assert counts(body) == LOCAL_COUNTS


async def test_long_texts_are_truncated(database_url: str) -> None:
    # "which pump would you recommend for a 20,000 gallon pool?" cut to 20 characters.
    fake = FakeAnthropic(all_in(0))
    async with llm_app(database_url, fake, llm_max_text_chars=20) as client:
        await pain_points(client)
    sent = [question for batch in fake.batches for question in batch]
    assert len(sent) == 9
    assert "which pump would you" in sent
    assert max(len(question) for question in sent) <= 20


async def test_key_never_leaks(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeAnthropic(lambda questions: httpx2.Response(401, json={"error": API_KEY}))
    async with llm_app(database_url, fake) as client:
        response = await client.get(PATH, params=Q)
        overview = await client.get("/analytics/overview", params=Q)
    # The key reaches the API (and only the API), never a response or a log line.
    assert API_KEY in fake.headers[0].get("authorization", "") + fake.headers[0].get(
        "x-api-key", ""
    )
    assert response.json()["fallback_reason"] == "LLM API error (HTTP 401)"
    for text in (response.text, overview.text, caplog.text):
        assert API_KEY not in text


def test_parse_assignments_rejects_a_missing_tool_call() -> None:
    from anthropic.types import Message

    message = Message.model_validate(
        {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [{"type": "text", "text": "0: 1"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )
    assert parse_assignments(message, 1) is None


# What a process holds of the SDK, asked in a fresh interpreter: this one has loaded it already.
_SDK_LOADED = """
import sys
from backend.app.analytics.pain_points.classifier import build_classifier
from tests.support.apps import make_settings
settings = make_settings("postgresql://nowhere/db", **{kwargs})
build_classifier(settings)
print("anthropic" in sys.modules)
"""


@pytest.mark.parametrize(("key", "loaded"), [(None, "False"), ("sk-test", "True")])
def test_the_sdk_is_loaded_only_where_a_key_asks_for_claude(key: str | None, loaded: str) -> None:
    # Without a key the local rules answer, and the SDK's 70 MB and 1.5 s of imports are spared:
    # the service's own modules import it only in build_classifier's LLM branch.
    kwargs = "{}" if key is None else f"{{'anthropic_api_key': {key!r}}}"
    result = subprocess.run(
        [sys.executable, "-c", _SDK_LOADED.replace("{kwargs}", kwargs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.stdout.strip().splitlines()[-1] == loaded
