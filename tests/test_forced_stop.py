"""A forced stop (a second Ctrl-C) is a stop: what is still in flight gets the service's own 503.

uvicorn waits for requests in flight after the first SIGINT; a second one stops it at once, and
the requests still running are cancelled. Each is answered with the service's JSON 503 (with its
`detail`, the security headers and `Cache-Control: no-store`), not uvicorn's bare plain-text 500,
and the log says the service stopped, not that it "could not start".
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from pathlib import Path
from typing import cast

import asyncpg
import httpx
import pytest

from backend.app.main import create_app
from backend.app.start_error import StartupError
from backend.app.startup import FORCED_STOP, describe_failure
from tests.held_request import held_request
from tests.support.apps import make_settings
from tests.support.databases import table_locked
from tests.support.servers import uvicorn_process
from tests.support.windows import pool, pool_u

# Statements of the service waiting on the test's lock.
WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND application_name = 'heritage-analytics' AND wait_event_type = 'Lock'"
)


def _log_lines(log_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]


# Requests the lock holds back: a KPI as JSON and as CSV, the overview (a task group), a HEAD.
IN_FLIGHT = [
    ("GET", "/analytics/sessions", pool(tz="America/Chicago")),
    ("GET", "/analytics/volume", pool_u(format="csv")),
    ("GET", "/analytics/overview", pool(tz="Europe/Paris")),
    ("HEAD", "/analytics/retention", pool(tz="Asia/Tokyo")),
]


async def test_a_second_ctrl_c_answers_what_is_in_flight_with_a_503(
    database_url: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "uvicorn.log"
    with uvicorn_process(database_url, log_path) as (process, base):
        admin = await asyncpg.connect(database_url)
        try:
            async with (
                table_locked(database_url),
                httpx.AsyncClient(base_url=base, timeout=30) as http,
            ):
                requests = [
                    asyncio.create_task(http.request(method, path, params=params))
                    for method, path, params in IN_FLIGHT
                ]
                # Every request is in flight: its statements wait on the lock.
                deadline = time.monotonic() + 20
                while await admin.fetchval(WAITING) < len(IN_FLIGHT):
                    assert time.monotonic() < deadline, log_path.read_text()
                    await asyncio.sleep(0.05)
                # Ctrl-C: uvicorn waits for them. Ctrl-C again: it stops at once.
                process.send_signal(signal.SIGINT)
                await asyncio.sleep(0.5)
                assert process.poll() is None
                process.send_signal(signal.SIGINT)
                responses = await asyncio.gather(*requests)
                await asyncio.to_thread(process.wait, 15)
        finally:
            await admin.close()
    lines = _log_lines(log_path)
    for (method, path, _), response in zip(IN_FLIGHT, responses, strict=True):
        assert response.status_code == 503, (path, response.text, log_path.read_text())
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert (
            response.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        if method == "GET":
            assert "stopping" in response.json()["detail"]
        # The request log has its line, with the 503.
        assert f"{method} {path} 503" in [line["message"] for line in lines]
    messages = [str(line["message"]) for line in lines]
    text = log_path.read_text()
    # A stop, said as one; no "could not start", no traceback, no plain 500.
    assert not any("could not start" in message for message in messages), text
    assert "Traceback" not in text
    assert "Internal Server Error" not in text
    assert not [line for line in lines if line.get("error") == "CancelledError"], text
    [stopped] = [line for line in lines if "forced stop" in str(line["message"])]
    assert stopped["severity"] == "WARNING"


async def test_a_request_the_server_cancels_is_answered_503_inside_the_stack(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # In process, as uvicorn's forced stop does it: the request's task is cancelled.
    caplog.set_level(logging.INFO, logger="backend.app.requests")
    held = await held_request(database_url)
    held.task.cancel()
    # Answered, and ended: the cancellation does not reach the server as an error.
    await asyncio.wait_for(held.task, timeout=10)
    [start, body] = held.sent
    assert start["status"] == 503
    headers = dict(cast(list[tuple[bytes, bytes]], start["headers"]))
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"x-frame-options"] == b"DENY"
    assert "stopping" in json.loads(body["body"])["detail"]  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records if r.name == "backend.app.requests"] == [
        "GET /slow 503"
    ]


async def test_a_cancelled_lifespan_is_a_forced_stop(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.app.startup")
    app = create_app(make_settings(database_url))
    messages: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, messages.get, send)  # type: ignore[arg-type]
    )
    deadline = time.monotonic() + 30
    while not sent:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    # Started; then cancelled instead of asked to shut down, as uvicorn's forced stop does.
    lifespan.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lifespan
    # Reported to the server without words (it logs none), and logged here as a stop.
    assert sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.failed", "message": ""},
    ]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("WARNING", FORCED_STOP)]


def test_a_failed_stop_is_no_failed_start() -> None:
    assert describe_failure(ValueError("postgresql://u:pw@h/db")) == (
        "the service could not start: ValueError"
    )
    assert describe_failure(ValueError("pw"), stopping=True) == (
        "the service could not stop cleanly: ValueError"
    )
    assert describe_failure(StartupError("CACHE_URL is no URL"), stopping=True) == (
        "the service could not stop cleanly: CACHE_URL is no URL"
    )
