"""Traces: the request, each grain's statement, the text stream, the classification, the LLM call
and cache reads; an incoming traceparent continues; none unless OTEL_* ask; a stalled collector
holds no request."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from backend.app.main import create_app
from backend.app.observability.tracing import requested_exporters
from backend.app.start_error import StartupError
from tests.fake_anthropic import FakeAnthropic, all_in
from tests.support.apps import REUSE, FakeClock, make_settings, running_app
from tests.support.endpoints import SESSIONS
from tests.support.servers import uvicorn_server
from tests.support.windows import SETTLED, pool, pool_q

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def named(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    """Return the spans called `name`."""
    return [span for span in spans if span.name == name]


def attribute(span: ReadableSpan, key: str) -> object:
    """Return one attribute of `span`."""
    assert span.attributes is not None
    return span.attributes.get(key)


def count(span: ReadableSpan, key: str) -> int:
    """Return an attribute of `span` that counts something."""
    value = attribute(span, key)
    assert isinstance(value, int)
    return value


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    """Return the spans whose parent is `parent`."""
    assert parent.context is not None
    return [
        span
        for span in spans
        if span.parent is not None and span.parent.span_id == parent.context.span_id
    ]


async def test_a_compare_overview_shows_each_grain_of_each_window(database_url: str) -> None:
    exporter = InMemorySpanExporter()
    async with running_app(database_url, span_exporter=exporter) as (_, http):
        params = pool_q(compare="previous_period")
        response = await http.get("/analytics/overview", params=params)
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    [request] = named(spans, "GET /analytics/overview")
    assert request.kind is SpanKind.SERVER
    assert attribute(request, "http.route") == "/analytics/overview"
    assert attribute(request, "http.response.status_code") == 200
    grains = [span for span in spans if span.name.startswith("grain ")]
    assert sorted(
        (attribute(s, "heritage.grain"), attribute(s, "heritage.window")) for s in grains
    ) == [
        (grain, window)
        for grain in ("query_text", "session", "user")
        for window in ("current", "previous")
    ]
    statements = []
    for grain in grains:
        [child] = children(spans, grain)
        if attribute(grain, "heritage.grain") == "query_text":
            # The texts stream past the classification, on statements of their own.
            assert child.name == "classify pain points"
            assert attribute(child, "heritage.classifier") == "keyword"
            streams = children(spans, child)
            assert {stream.name for stream in streams} == {"SELECT stream"}
            assert all(count(s, "heritage.rows") >= count(s, "heritage.batches") for s in streams)
            statements += streams
        else:
            assert child.name == "SELECT"
            statements.append(child)
    for statement in statements:
        assert statement.kind is SpanKind.CLIENT
        assert attribute(statement, "db.system") == "postgresql"
        sql = str(attribute(statement, "db.statement"))
        # The SQL as text, with its values left as parameters.
        assert sql.startswith(("SELECT", "WITH"))
        assert "$1" in sql
        assert "2025-09" not in sql
    texts = sorted(
        int(str(attribute(s, "heritage.texts"))) for s in named(spans, "classify pain points")
    )
    # Window Q's 9 distinct texts, and the month before it, which has none.
    assert texts == [0, 9]
    assert request.context is not None
    assert {span.context.trace_id for span in spans if span.context} == {request.context.trace_id}


async def test_an_incoming_traceparent_continues(database_url: str) -> None:
    exporter = InMemorySpanExporter()
    async with running_app(database_url, span_exporter=exporter) as (_, http):
        response = await http.get(SESSIONS, params=pool(), headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    assert {f"{span.context.trace_id:032x}" for span in spans if span.context} == {TRACE_ID}
    [request] = named(spans, f"GET {SESSIONS}")
    assert request.parent is not None
    assert request.parent.is_remote
    assert f"{request.parent.span_id:016x}" == PARENT_ID


async def test_the_llm_calls_and_cache_reads_are_spans(database_url: str) -> None:
    exporter = InMemorySpanExporter()
    fake = FakeAnthropic(all_in(4))
    async with running_app(
        database_url,
        span_exporter=exporter,
        llm_http_client=fake.client(),
        clock=FakeClock(SETTLED),
        anthropic_api_key="sk-ant-test-spans",
        llm_batch_size=4,
        **REUSE,
    ) as (_, http):
        for _ in range(2):
            assert (await http.get("/analytics/pain-points", params=pool_q())).status_code == 200
    spans = exporter.get_finished_spans()
    calls = named(spans, "llm call")
    assert len(calls) == len(fake.requests) == 3
    assert sorted(count(call, "heritage.texts") for call in calls) == [1, 4, 4]
    assert {attribute(call, "gen_ai.request.model") for call in calls} == {"claude-haiku-5-5"}
    [classification] = named(spans, "classify pain points")
    assert attribute(classification, "heritage.llm.texts") == 9
    assert attribute(classification, "heritage.llm.batches") == 3
    assert {call.parent.span_id for call in calls if call.parent} == {
        classification.context.span_id
    }
    reads = named(spans, "cache read")
    assert [attribute(read, "heritage.cache.outcome") for read in reads] == ["miss", "hit"]
    assert {attribute(read, "heritage.cache.store") for read in reads} == {"memory"}


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "otlp, console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, []),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}, []),
    ],
)
def test_only_the_otel_variables_turn_traces_on(
    environ: dict[str, str], exporters: list[str]
) -> None:
    assert requested_exporters(environ) == exporters


@pytest.mark.parametrize(
    ("variable", "value", "named_in_error"),
    [
        ("OTEL_TRACES_EXPORTER", "zipkin", "zipkin"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "http/protobuf"),
    ],
)
async def test_an_exporter_the_service_lacks_stops_the_start(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    named_in_error: str,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv(variable, value)
    app = create_app(make_settings(database_url))
    with pytest.raises(StartupError, match=named_in_error):
        async with app.router.lifespan_context(app):
            pass


def _exported_spans(log: Path) -> list[dict[str, object]]:
    """Return the spans the console exporter wrote among a server's output lines."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if "context" in line and "kind" in line]


def test_plain_uvicorn_traces_only_when_the_environment_asks(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(variable, raising=False)
    logs = {}
    for name, settings in (("off", {}), ("on", {"OTEL_TRACES_EXPORTER": "console"})):
        (tmp_path / name).mkdir()
        with uvicorn_server(database_url, tmp_path / name, **settings) as base:
            assert httpx.get(f"{base}{SESSIONS}", params=pool(), timeout=30).status_code == 200
        logs[name] = tmp_path / name / "uvicorn.log"
    assert "GET /analytics/sessions 200" in logs["off"].read_text()
    assert _exported_spans(logs["off"]) == []
    # Flushed on the way out: the request's span and its statements.
    names = {span["name"] for span in _exported_spans(logs["on"])}
    assert {f"GET {SESSIONS}", "grain session", "SELECT"} <= names


class StallingCollector:
    """An OTLP endpoint that takes every connection and answers none while it runs."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.reached = threading.Event()
        self.answered = 0
        self._closing = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.reached.set()
            answering = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(answering)
            answering.start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            self._closing.wait()
            # Answered only when the test is over, so that no exporter thread outlives it.
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            self.answered += 1

    @contextmanager
    def running(self) -> Iterator[StallingCollector]:
        """Take connections while the block runs."""
        self._threads[0].start()
        try:
            yield self
        finally:
            self._closing.set()
            for thread in self._threads:
                thread.join(timeout=10)
            self._listener.close()


async def test_a_collector_that_never_answers_holds_no_request_nor_the_shutdown(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StallingCollector().running() as collector:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
        # Exported 10 ms after they end, each export waiting on the collector for a minute.
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "60")
        async with running_app(database_url) as (_, http):
            assert (await http.get(SESSIONS, params=pool())).status_code == 200
            assert await asyncio.to_thread(collector.reached.wait, 30)
            # The exporter now waits on a collector that does not answer: requests do not.
            for path in ("/analytics/overview", "/analytics/pain-points", SESSIONS):
                assert (await http.get(path, params=pool())).status_code == 200
            assert collector.answered == 0
        # Nor does it hold the shutdown, which gives up on the last spans.
        assert collector.answered == 0
