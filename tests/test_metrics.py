"""GET /metrics: off unless METRICS_ENABLED, out of the OpenAPI document, labelled only by route
templates and fixed names."""

from __future__ import annotations

import asyncio

import httpx
import httpx2
from prometheus_client.parser import text_string_to_metric_families

from tests.fake_anthropic import FakeAnthropic
from tests.support.apps import FakeClock, cached_app, running_app
from tests.support.databases import table_locked
from tests.support.endpoints import SESSIONS
from tests.support.polling import until
from tests.support.windows import SETTLED, pool, pool_q

# Every sample, by name and labels.
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scraped(http: httpx.AsyncClient) -> Samples:
    """Return every sample of GET /metrics by name and labels."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Return one sample's value."""
    return samples[(name, frozenset(labels.items()))]


async def test_metrics_are_off_unless_enabled(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_count_a_miss_and_a_hit_by_route(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED), metrics_enabled=True) as (_, http):
        for _ in range(2):
            assert (await http.get(SESSIONS, params=pool())).status_code == 200
        assert (await http.get("/analytics/no-such-user-42")).status_code == 404
        document = (await http.get("/openapi.json")).json()
        samples = await scraped(http)
    assert "/metrics" not in document["paths"]
    assert value(samples, "heritage_cache_answers_total", outcome="hit") == 1
    assert value(samples, "heritage_cache_answers_total", outcome="miss") == 1
    assert value(samples, "heritage_cache_answers_total", outcome="shared") == 0
    count = "heritage_http_request_duration_seconds_count"
    assert value(samples, count, route=SESSIONS, status="200") == 2
    # A path no route matched is counted without it: the client chose it.
    assert value(samples, count, route="unmatched", status="404") == 1
    routes = {dict(labels).get("route") for _, labels in samples}
    assert routes <= {None, SESSIONS, "unmatched", "/openapi.json"}
    assert value(samples, "heritage_db_pool_connections_in_use") == 0
    assert value(samples, "heritage_text_streams_running") == 0
    assert value(samples, "heritage_long_text_streams_running") == 0


async def test_metrics_count_refusals_timeouts_and_streams(database_url: str) -> None:
    async with running_app(
        database_url,
        metrics_enabled=True,
        db_pool_size=2,
        db_max_overflow=0,
        db_max_waiting_requests=0,
        db_statement_timeout_ms=300,
    ) as (app, http):
        database = app.state.database
        async with table_locked(database_url):
            waiting = asyncio.create_task(http.get("/analytics/pain-points", params=pool()))
            await until(lambda: database.connections_in_use() == 1)
            during = await scraped(http)
            # Every connection taken and no room to queue: refused at once.
            refused = await http.get("/analytics/volume", params=pool())
            # The stream waits on the lock past the statement timeout.
            assert (await waiting).status_code == 504
        assert refused.status_code == 503
        samples = await scraped(http)
    # A seven-day window streams a short one.
    assert value(during, "heritage_text_streams_running") == 1
    assert value(during, "heritage_long_text_streams_running") == 0
    assert value(during, "heritage_db_pool_connections_in_use") == 1
    gate = "heritage_db_admission_refusals_total"
    assert value(samples, gate, gate="connections") == 1
    assert value(samples, gate, gate="text_streams") == 0
    assert value(samples, gate, gate="long_text_streams") == 0
    assert value(samples, "heritage_db_statement_timeouts_total") == 1
    assert value(samples, "heritage_text_streams_running") == 0


async def test_metrics_count_llm_calls_failures_and_the_breaker(database_url: str) -> None:
    fake = FakeAnthropic(lambda _questions: httpx2.Response(500, json={"error": "down"}))
    async with running_app(
        database_url,
        metrics_enabled=True,
        llm_http_client=fake.client(),
        anthropic_api_key="sk-ant-test-metrics",
        llm_max_retries=0,
        llm_max_concurrency=1,
        llm_batch_size=4,
        llm_breaker_failures=2,
    ) as (_, http):
        before = await scraped(http)
        assert (await http.get("/analytics/pain-points", params=pool_q())).status_code == 200
        after = await scraped(http)
    assert value(before, "heritage_llm_breaker_open") == 0
    # Two calls failed, and the breaker kept the third batch from the LLM.
    assert value(after, "heritage_llm_calls_total") == len(fake.requests) == 2
    assert value(after, "heritage_llm_failures_total") == 2
    assert value(after, "heritage_llm_breaker_open") == 1
