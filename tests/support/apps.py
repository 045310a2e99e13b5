"""Test apps: their settings, the app with its lifespan running and a client, a hand-moved clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import httpx2
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from backend.app.cache.answers import Clock
from backend.app.main import create_app
from backend.app.settings import Settings
from tests.fake_llm_server import FakeLLMServer

# Tests of what is computed ask again and count statements: answers are not reused there. The
# tests of reuse (test_cache*.py, and the CSV and gzip ones) turn it on with REUSE, the
# default reuse times.
NO_REUSE = {"cache_settled_ttl_seconds": 0, "cache_recent_ttl_seconds": 0}
REUSE: dict[str, Any] = {"cache_settled_ttl_seconds": 86_400, "cache_recent_ttl_seconds": 60}


class FakeClock:
    """A clock the test moves by hand (seconds since the epoch), for the cache's TTLs."""

    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward."""
        self.now += seconds


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Return settings for a test app on `database_url`, without answer reuse unless asked.

    Pain points label in the request's process unless a test asks for worker processes: most
    apps live for one test, and starting a worker costs about a second. A Redis call may take
    5 s, not the service's 0.25 s: on a loaded CI machine one read once came back later, and a
    test of what the cache holds then found nothing (the tests of a stalled Redis set their own).
    """
    return Settings.model_validate(
        {
            "database_url": database_url,
            "pain_points_workers": 0,
            "cache_timeout_seconds": 5.0,
            **NO_REUSE,
            **overrides,
        }
    )


def llm_of(server: FakeLLMServer) -> dict[str, Any]:
    """Return the settings of an app whose LLM is `server`, without SDK retries."""
    return {
        "anthropic_api_key": "sk-ant-test-cache",
        "llm_base_url": server.url,
        "llm_max_retries": 0,
    }


@asynccontextmanager
async def running_app(
    database_url: str,
    *,
    llm_http_client: httpx2.AsyncClient | None = None,
    clock: Clock = time.time,
    span_exporter: SpanExporter | None = None,
    **settings: object,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Yield a new app on `database_url` with `settings`, its lifespan running, and a client."""
    application = create_app(
        make_settings(database_url, **settings),
        llm_http_client=llm_http_client,
        clock=clock,
        span_exporter=span_exporter,
    )
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield application, http


@asynccontextmanager
async def cached_app(
    database_url: str, clock: FakeClock, **settings: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Yield an app with the default reuse times and `clock`, and its client."""
    async with running_app(database_url, clock=clock, **{**REUSE, **settings}) as running:
        yield running
