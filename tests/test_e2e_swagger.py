"""The brief's definition of done, in a browser: edit filters in Swagger UI, see numbers change."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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
REPO_ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the service under uvicorn on a free local port, on the test database."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    log_path = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(f"uvicorn did not answer /health within 30 s:\n{log_path.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


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


async def test_swagger_try_it_out_shows_fixture_numbers(live_server: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{live_server}/docs")
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
