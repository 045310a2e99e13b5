"""Request logs as JSON lines without secrets or query strings; CORS for the console's origins."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.app.logging import JsonFormatter, configure_logging
from backend.app.main import create_app
from backend.app.settings import Settings
from tests.fake_anthropic import FakeAnthropic, all_in
from tests.held_request import held_request
from tests.support.apps import make_settings
from tests.support.windows import pool

FORMATTER = JsonFormatter()


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """Return every captured record as the JSON line the service writes."""
    return [json.loads(FORMATTER.format(record)) for record in caplog.records]


async def test_one_json_line_per_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.app.requests")
    await client.get("/analytics/sessions", params=pool(user_id="secret-user-42"))
    await client.get("/analytics/sessions", params=pool(start_date="nope"))
    lines = [line for line in json_lines(caplog) if line["logger"] == "backend.app.requests"]
    assert [line["message"] for line in lines] == [
        "GET /analytics/sessions 200",
        "GET /analytics/sessions 422",
    ]
    first = lines[0]
    assert first["severity"] == "INFO"
    request = first["httpRequest"]
    assert isinstance(request, dict)
    assert request["requestUrl"] == "/analytics/sessions"
    assert request["status"] == 200
    assert str(request["latency"]).endswith("s")
    # The query string (user ids, dates) stays out of the logs.
    assert "secret-user-42" not in json.dumps(lines)


def test_an_exception_is_logged_by_type_only() -> None:
    try:
        raise ValueError("SELECT * FROM interaction_log WHERE user_id = 'u1' -- password=hunter2")
    except ValueError as error:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "unhandled error", None, (type(error), error, None)
        )
    line = json.loads(FORMATTER.format(record))
    assert line == {
        **line,
        "severity": "ERROR",
        "message": "unhandled error",
        "error": "ValueError",
    }
    assert "hunter2" not in json.dumps(line)
    assert "Traceback" not in json.dumps(line)


async def test_unreachable_database_leaks_nothing_to_logs(
    tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"postgresql://analyst:s3cret-pw@/analytics?host={tmp_path}/no-such-socket"
    app = create_app(make_settings(url, db_connect_timeout_seconds=2))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        assert (await http.get("/analytics/volume", params=pool())).status_code == 503
    text = json.dumps(json_lines(caplog))
    for secret in ("s3cret-pw", "analyst"):
        assert secret not in text
    # Where the database is, an operator's first question, is logged.
    assert f"host {tmp_path}/no-such-socket, port 5432, database analytics" in text


async def test_cors_allows_the_console_to_get(database_url: str) -> None:
    app = create_app(make_settings(database_url, cors_origins=["https://console.example"]))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        preflight = {"Origin": "https://console.example", "Access-Control-Request-Method": "GET"}
        response = await http.options("/analytics/sessions", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://console.example"
        # HEAD too: it is a GET without the body.
        head = {**preflight, "Access-Control-Request-Method": "HEAD"}
        assert (await http.options("/analytics/sessions", headers=head)).status_code == 200
        post = {**preflight, "Access-Control-Request-Method": "POST"}
        assert (await http.options("/analytics/sessions", headers=post)).status_code == 400
        other = await http.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        allowed = await http.get("/health", headers={"Origin": "https://console.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://console.example"
        # A script on the console may read the validator, the CSV file name and the timings.
        exposed = allowed.headers["access-control-expose-headers"].lower().split(", ")
        assert {"etag", "content-disposition", "retry-after", "server-timing"} <= set(exposed)


async def test_no_cors_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://console.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_debug_logs_hold_no_query_text_user_id_url_or_key(
    database_url: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # At DEBUG, the LLM SDK and the HTTP clients would log whole request bodies (the customers'
    # query texts) and URLs. The LLM here is the fake Messages API (tests/fake_anthropic.py).
    caplog.set_level(logging.DEBUG)
    key = "sk-ant-test-LOGS-1234"
    settings = make_settings(database_url, log_level="DEBUG", anthropic_api_key=key)
    fake = FakeAnthropic(all_in(4))
    app = create_app(settings, llm_http_client=fake.client())
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            window = {"start_date": "2025-09-01", "end_date": "2025-09-30"}
            response = await http.get(
                "/analytics/pain-points", params={**window, "product_context": "pool"}
            )
            assert response.status_code == 200
            assert fake.requests  # the texts did go to the LLM
            params = pool(user_id="secret-user-77")
            assert (await http.get("/analytics/sessions", params=params)).status_code == 200
    finally:
        configure_logging("INFO")
    written = capsys.readouterr().err + json.dumps(json_lines(caplog))
    assert "GET /analytics/pain-points 200" in written  # the request log itself is there
    for secret in (
        "saturday",  # a query text (window Q's commonest)
        "pentair",
        "q-user",  # a user id in the rows
        "secret-user-77",  # a user id in the filters
        key,
        database_url,
    ):
        assert secret not in written.lower(), secret


async def test_a_long_path_is_logged_cut(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.app.requests")
    path = "/analytics/" + "x" * 60_000
    assert (await client.get(path)).status_code == 404
    [line] = [entry for entry in json_lines(caplog) if entry["logger"] == "backend.app.requests"]
    assert len(json.dumps(line)) < 1_000
    assert "(60011 characters)" in str(line["message"])


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [line for line in json_lines(caplog) if line["logger"] == "backend.app.requests"]


async def test_an_unexpected_error_is_a_logged_json_500_never_stored(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(make_settings(database_url, cors_origins=["https://console.example"]))

    async def broken() -> None:
        raise OverflowError("date value out of range: 9999-12-31 secret-user-9")

    # A route with a bug, as a stand-in for one nobody has found yet.
    app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/broken", headers={"Origin": "https://console.example"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert response.headers["cache-control"] == "no-store"
    # The console can read it: the CORS headers are there as on any answer.
    assert response.headers["access-control-allow-origin"] == "https://console.example"
    [line] = _request_lines(caplog)
    assert (line["message"], line["severity"]) == ("GET /broken 500", "WARNING")
    errors = [line for line in json_lines(caplog) if line.get("error")]
    assert [(line["message"], line["error"]) for line in errors] == [
        ("unhandled error on /broken", "OverflowError")
    ]
    assert "secret-user-9" not in json.dumps(json_lines(caplog))


async def test_a_client_that_goes_away_is_logged_as_499(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.app.requests")
    held = await held_request(database_url)
    await held.messages.put({"type": "http.disconnect"})
    await asyncio.wait_for(held.task, timeout=10)
    assert held.sent == []  # nobody was left to answer
    [line] = _request_lines(caplog)
    assert line["message"] == "GET /slow 499"
    assert line["severity"] == "INFO"


async def _start(app: object) -> list[dict[str, object]]:
    """Run the ASGI lifespan startup of `app`; return what it sent the server."""
    messages: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    with contextlib.suppress(Exception):
        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, messages.get, send)  # type: ignore[operator]
    return sent


async def test_a_failed_start_is_reported_by_its_type(database_url: str) -> None:
    # A CACHE_URL whose port is no number: the parser's message would repeat it.
    settings = make_settings(database_url, cache_url="redis://:hunter2@cache.internal:sixty/0")
    sent = await _start(create_app(settings))
    assert sent == [
        {"type": "lifespan.startup.failed", "message": "the service could not start: ValueError"}
    ]


def _failed_start(**environment: str) -> subprocess.CompletedProcess[str]:
    """Start the service under uvicorn with `environment`; return the run, which must fail."""
    run = subprocess.run(
        [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--port", "0"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    return run


def test_uvicorn_logs_a_failed_start_without_a_traceback() -> None:
    run = _failed_start(DATABASE_URL="mysql://analyst:hunter2@db.internal/analytics")
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    messages = [str(line["message"]) for line in lines]
    assert "Application startup failed. Exiting." in messages
    assert any(message.startswith("the service could not start: ") for message in messages)
    assert "Traceback" not in run.stderr
    assert "hunter2" not in run.stderr


@pytest.mark.parametrize(
    "entry",
    [
        "http://127.0.0.1:5173/",  # a trailing slash: a browser never sends one
        "https://console.example/app",
        "https://console.example?x=1",
        "console.example",
        "*",
        "ftp://console.example",
        "https://console.example:99999",
        "https://user:pw@console.example",
    ],
)
def test_an_entry_that_is_not_an_origin_is_refused(
    entry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment variable as an operator writes it, comma-separated beside a good origin.
    monkeypatch.setenv("CORS_ORIGINS", f"https://console.example,{entry}")
    with pytest.raises(ValueError, match="CORS_ORIGINS") as refused:
        Settings()
    assert "pw" not in str(refused.value)


def test_origins_are_kept_as_a_browser_sends_them() -> None:
    settings = make_settings(
        "postgresql://unused/db",
        cors_origins=["HTTPS://Console.Example:443", "http://127.0.0.1:5173", "http://[::1]:80"],
    )
    assert settings.cors_origins == [
        "https://console.example",
        "http://127.0.0.1:5173",
        "http://[::1]",
    ]


def test_the_service_does_not_start_with_a_bad_origin() -> None:
    run = _failed_start(DATABASE_URL="postgresql://unused/db", CORS_ORIGINS="http://h:1/")
    assert "CORS_ORIGINS: 'http://h:1/' is not an origin" in run.stderr
