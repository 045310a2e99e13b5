"""Nothing the service exports about itself (a span, a metric, Server-Timing) holds a user id, a
query text or a secret: recognisable ones are fed in, and every exported byte is searched."""

from __future__ import annotations

import httpx
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.fake_anthropic import FakeAnthropic, all_in
from tests.fixture_rows import QUERY_ROWS
from tests.support.apps import running_app
from tests.support.endpoints import SESSIONS
from tests.support.windows import QUERY_WINDOW

USER = "uid-4f1c-recognisable"
ENVIRONMENT = "env-9d2e-recognisable"
API_KEY = "sk-ant-test-RECOGNISABLE-0123456789"
SIGNING_KEY = "signing-RECOGNISABLE-0123456789"
# The data's own: window Q's user, and its texts (each long enough not to occur by chance).
DATA_USER = "q-user"
TEXTS = sorted({row.input.strip() for row in QUERY_ROWS if row.input and len(row.input) > 10})
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _requests() -> list[tuple[str, dict[str, str]]]:
    """Return what the test asks: every kind of answer, with the recognisable filters."""
    pool = {**QUERY_WINDOW, "product_context": "pool"}
    mine = {**pool, "user_id": USER, "environment": ENVIRONMENT}
    return [
        ("/analytics/pain-points", pool),
        ("/analytics/pain-points", pool),  # again: a hit, read from Redis
        ("/analytics/pain-points", mine),
        ("/analytics/overview", {**mine, "compare": "previous_period"}),
        ("/analytics/returning-users", pool),  # its body names the data's most active user
        (SESSIONS, mine),
        ("/analytics/volume", {**mine, "format": "csv"}),
        (SESSIONS, {**mine, "start_date": USER}),  # a 422 that echoes it in its body
        (f"/analytics/{USER}", mine),  # a 404 whose path is the user id
    ]


async def test_no_exported_byte_holds_a_user_id_a_text_or_a_secret(
    database_url: str, redis_url: str
) -> None:
    exporter = InMemorySpanExporter()
    fake = FakeAnthropic(all_in(2))
    timings: list[str] = []
    async with running_app(
        database_url,
        span_exporter=exporter,
        llm_http_client=fake.client(),
        anthropic_api_key=API_KEY,
        cache_url=redis_url,
        cache_signing_key=SIGNING_KEY,
        cache_settled_ttl_seconds=86_400,
        metrics_enabled=True,
    ) as (_, http):
        for path, params in _requests():
            response = await http.get(path, params=params, headers={"traceparent": TRACEPARENT})
            assert response.status_code in (200, 404, 422), response.text
            timings.append(response.headers.get("server-timing", ""))
        metrics = await http.get("/metrics")
    spans = exporter.get_finished_spans()
    # What left: the spans as an OTLP collector gets them and as JSON, the metrics, the headers.
    exported = b"\n".join(
        [
            encode_spans(spans).SerializeToString(),
            *(span.to_json().encode() for span in spans),
            metrics.content,
            *(timing.encode() for timing in timings),
        ]
    ).lower()
    # It is all there: the texts did go to the LLM, and each kind of span and metric was made.
    assert fake.requests
    names = {span.name for span in spans}
    assert {"llm call", "cache read", "cache read labels", "SELECT", "SELECT stream"} <= names
    assert b"db.statement" in exported
    assert b"heritage_cache_answers_total" in exported
    assert sum("cache;desc=" in timing for timing in timings) == 7
    for value in [USER, ENVIRONMENT, API_KEY, SIGNING_KEY, redis_url, DATA_USER, *TEXTS]:
        assert value.lower().encode() not in exported, value
    # Nor a word of the texts that is nobody else's: a part number, a brand.
    for word in ("spx3200", "r0357800", "ccp520", "pentair", "saturday"):
        assert word.encode() not in exported, word


async def test_the_server_timing_names_nothing_of_the_request(client: httpx.AsyncClient) -> None:
    response = await client.get(SESSIONS, params={**QUERY_WINDOW, "product_context": "pool"})
    names = [entry.split(";")[0].strip() for entry in response.headers["server-timing"].split(",")]
    assert names == ["cache", "db", "total"]
