"""Log lines carry their request's trace: from its span, `traceparent` or X-Cloud-Trace-Context,
in Cloud Logging's own fields when GOOGLE_CLOUD_PROJECT is set."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.apps import running_app
from tests.support.endpoints import SESSIONS
from tests.support.windows import pool

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
GOOGLE = "logging.googleapis.com/"


def written(capsys: pytest.CaptureFixture[str], logger: str) -> list[dict[str, object]]:
    """Return the JSON lines `logger` wrote to stderr, as the service writes them."""
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    return [line for line in lines if line["logger"] == logger]


async def request_line(
    http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], headers: dict[str, str]
) -> dict[str, object]:
    """Return the log line of one GET of the sessions with `headers`."""
    capsys.readouterr()
    assert (await http.get(SESSIONS, params=pool(), headers=headers)).status_code == 200
    [line] = written(capsys, "backend.app.requests")
    return line


async def test_a_traceparent_is_on_the_request_line(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_app(database_url) as (_, http):
        line = await request_line(http, capsys, {"traceparent": TRACEPARENT})
    assert (line["trace_id"], line["span_id"], line["trace_sampled"]) == (TRACE_ID, PARENT_ID, True)
    assert not [field for field in line if field.startswith(GOOGLE)]


@pytest.mark.parametrize(
    ("headers", "span_id", "sampled"),
    [
        ({"traceparent": TRACEPARENT}, PARENT_ID, True),
        # Cloud Run's own header: the span id in decimal (12345 is 0x3039).
        ({"X-Cloud-Trace-Context": f"{TRACE_ID.upper()}/12345;o=1"}, "0000000000003039", True),
        ({"X-Cloud-Trace-Context": f"{TRACE_ID}/0;o=0"}, None, False),
        # traceparent first, when both are sent.
        (
            {"traceparent": TRACEPARENT, "X-Cloud-Trace-Context": f"{'1' * 32}/1;o=0"},
            PARENT_ID,
            True,
        ),
    ],
)
async def test_with_the_project_the_trace_is_cloud_loggings(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    headers: dict[str, str],
    span_id: str | None,
    sampled: bool,
) -> None:
    async with running_app(database_url, google_cloud_project="heritage-prod") as (_, http):
        line = await request_line(http, capsys, headers)
    assert line[f"{GOOGLE}trace"] == f"projects/heritage-prod/traces/{TRACE_ID}"
    assert line.get(f"{GOOGLE}spanId") == span_id
    assert line[f"{GOOGLE}trace_sampled"] is sampled
    assert "trace_id" not in line


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01 user-42"},
        {"traceparent": f"00-{'0' * 32}-{PARENT_ID}-01"},
        {"traceparent": f"ff-{TRACE_ID}-{PARENT_ID}-01"},
        {"X-Cloud-Trace-Context": "user-42/1;o=1"},
        {"X-Cloud-Trace-Context": f"{TRACE_ID}/1;o=1;user=42"},
    ],
)
async def test_a_header_of_another_shape_names_no_trace(
    database_url: str, capsys: pytest.CaptureFixture[str], headers: dict[str, str]
) -> None:
    async with running_app(database_url, google_cloud_project="heritage-prod") as (_, http):
        line = await request_line(http, capsys, headers)
    assert not [field for field in line if "trace" in field or "span" in field.lower()]
    assert "user" not in json.dumps(line)


async def test_with_tracing_the_line_names_the_requests_own_span(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exporter = InMemorySpanExporter()
    async with running_app(database_url, span_exporter=exporter) as (app, http):

        async def noisy() -> None:
            logging.getLogger("backend.app.test").warning("a line the request's code logs")

        app.add_api_route("/noisy", noisy)
        line = await request_line(http, capsys, {"traceparent": TRACEPARENT})
        await http.get("/noisy", headers={"traceparent": TRACEPARENT})
        [logged] = written(capsys, "backend.app.test")
    [server] = [span for span in exporter.get_finished_spans() if span.name == f"GET {SESSIONS}"]
    assert server.context is not None
    # The trace continued, and the line names the service's span in it, not the caller's.
    assert (line["trace_id"], line["span_id"]) == (TRACE_ID, f"{server.context.span_id:016x}")
    # Every line logged while a request runs carries its trace, not only the request's own.
    assert logged["trace_id"] == TRACE_ID
