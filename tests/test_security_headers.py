"""Security headers on every answer; Swagger UI and ReDoc still work; no `server` header."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx
import pytest

from tests.support.servers import SERVE
from tests.support.windows import pool

ROOT = Path(__file__).resolve().parents[1]
ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
DATA = "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/analytics/sessions", pool(), 200),
        ("/analytics/volume", pool(format="csv"), 200),
        ("/analytics/sessions", pool(tz="Mars/Olympus"), 422),
        ("/analytics/nowhere", {}, 404),
        ("/health", {}, 200),
        ("/openapi.json", {}, 200),
    ],
)
async def test_data_may_load_nothing_and_be_framed_by_nobody(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == status
    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS
    assert response.headers["content-security-policy"] == DATA


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_pages_are_only_kept_out_of_frames(
    client: httpx.AsyncClient, path: str
) -> None:
    # Their own scripts and styles must run (tests/test_e2e_swagger.py drives both in Chromium).
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_no_server_header_from_uvicorn(live_server: str) -> None:
    response = httpx.get(f"{live_server}/health")
    assert response.status_code == 200
    assert "server" not in response.headers


def test_every_launch_command_drops_the_server_header() -> None:
    # The tests' own server (SERVE, above) does; so must `make run` and the image.
    assert "--no-server-header" in SERVE
    run = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if "uvicorn backend" in line
    )
    assert "--no-server-header" in shlex.split(run)
    command = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    assert "--no-server-header" in command
