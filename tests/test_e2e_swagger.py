"""The brief's definition of done, in a browser: edit filters in Swagger UI, see numbers change."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a sandboxed, offline machine: no background traffic, no GPU, root-safe.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser_server(live_server: str) -> str:
    """Return the live service's base URL, once Chromium is known to be there."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return live_server


@pytest.fixture(scope="module")
def demo_browser_server(demo_server: str) -> str:
    """Return the base URL of the service on demo data ending now, once Chromium is there."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return demo_server


async def _execute(page: Page, operation: Any, params: dict[str, str]) -> dict[str, Any]:
    """Fill the operation's parameters, press Execute, and return the JSON body shown."""
    for name, value in params.items():
        row = operation.locator(f'tr[data-param-name="{name}"]')
        select = row.locator("select")
        if await select.count():
            await select.select_option(value)
        else:
            await row.locator("input").fill(value)
    body = operation.locator(".live-responses-table .response-col_description pre.microlight")
    # Clear the previous response first, so that the body read below is this request's answer.
    clear = operation.locator("button.btn-clear")
    if await clear.count():
        await clear.click()
        await body.first.wait_for(state="detached")
    await operation.locator("button.execute").click()
    await body.first.wait_for()
    parsed: dict[str, Any] = json.loads(await body.first.inner_text())
    return parsed


async def test_swagger_try_it_out_shows_fixture_numbers(browser_server: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{browser_server}/docs")
            operation = page.locator("#operations-analytics-sessions_analytics_sessions_get")
            await operation.locator(".opblock-summary").click()
            await operation.locator("button.try-out__btn").click()

            # Window W on the pool table: 7 sessions, 2 negative, 2 positive, mean 230.71 s
            # (worked out in tests/test_sessions.py::test_window_w).
            window = {
                "start_date": "2025-06-01",
                "end_date": "2025-06-07",
                "product_context": "pool",
                "environment": "",
            }
            body = await _execute(page, operation, window)
            assert body["total_sessions"] == 7
            assert body["negative_feedback_sessions"] == 2
            assert body["positive_feedback_sessions"] == 2
            assert body["avg_session_duration_seconds"] == 230.71

            # Only sC is staging: 1 session, negative, 300 s.
            body = await _execute(page, operation, {"environment": "staging"})
            assert body["total_sessions"] == 1
            assert body["negative_feedback_sessions"] == 1
            assert body["avg_session_duration_seconds"] == 300.0

            # The landscape table in W: 3 sessions, mean 40 s.
            body = await _execute(
                page, operation, {"environment": "", "product_context": "landscape"}
            )
            assert body["total_sessions"] == 3
            assert body["avg_session_duration_seconds"] == 40.0
        finally:
            await browser.close()


async def test_redoc_renders_under_the_security_headers(browser_server: str) -> None:
    # ReDoc is served with the service's security headers too (tests/test_security_headers.py);
    # nothing it needs may be refused by them.
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            refused: list[str] = []
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            response = await page.goto(f"{browser_server}/redoc")
            assert response is not None
            assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
            # ReDoc draws the API's title and an operation of it from the OpenAPI document.
            await page.get_by_text("Heritage chatbot analytics").first.wait_for()
            await page.get_by_text("Session metrics").first.wait_for(state="attached")
            assert refused == []
        finally:
            await browser.close()


# Each body's count of sessions (of queries for pain points), to see real numbers.
COUNTED = {
    "sessions": ("total_sessions",),
    "pain_points": ("total_queries",),
    "volume": ("total_sessions",),
    "engagement": ("total_conversations",),
    "retention": ("unique_users",),
    "query_categories": ("total_sessions",),
    "tool_usage": ("total_sessions",),
    "returning_users": ("returning_users",),
    "segments": ("unique_users",),
    "overview": ("sessions", "total_sessions"),
}


async def test_try_it_out_and_execute_show_real_numbers_without_typing(
    demo_browser_server: str,
) -> None:
    async with httpx.AsyncClient(base_url=demo_browser_server) as http:
        document = (await http.get("/openapi.json")).json()
    operations = {
        path.removeprefix("/analytics/").replace("-", "_"): item["get"]["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/analytics/")
    }
    assert set(operations) == set(COUNTED)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{demo_browser_server}/docs")
            for name, operation_id in operations.items():
                operation = page.locator(f"#operations-analytics-{operation_id}")
                await operation.locator(".opblock-summary").click()
                await operation.locator("button.try-out__btn").click()
                # No field is touched: Execute sends what Try it out filled in.
                body = await _execute(page, operation, {})
                value: Any = body
                for key in COUNTED[name]:
                    value = value[key]
                assert value > 0, (name, body)
                sent = await operation.locator(".request-url pre").inner_text()
                assert "start_date=" in sent
                assert "product_context=pool" in sent
        finally:
            await browser.close()
