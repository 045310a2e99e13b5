"""Request logs as JSON lines without secrets or query strings; CORS for the console's origins."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from backend.app.logging import JsonFormatter, configure_logging
from backend.app.main import create_app
from tests.conftest import make_settings
from tests.fake_anthropic import FakeAnthropic, all_in
from tests.helpers import pool

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
    for secret in ("s3cret-pw", "no-such-socket", "analyst"):
        assert secret not in text


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
        post = {**preflight, "Access-Control-Request-Method": "POST"}
        assert (await http.options("/analytics/sessions", headers=post)).status_code == 400
        other = await http.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        allowed = await http.get("/health", headers={"Origin": "https://console.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://console.example"
        # A script on the console may read the validator and the CSV file name.
        exposed = allowed.headers["access-control-expose-headers"].lower().split(", ")
        assert {"etag", "content-disposition", "retry-after"} <= set(exposed)


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
