"""A fresh PostgreSQL database per test run, seeded once with the fixture rows; the app on it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

from backend.app.main import create_app
from backend.demo.embedded import DEMO_DAYS, DEMO_SEEDS, start_server
from backend.demo.generator import insert_demo_rows
from tests.fake_llm_server import FakeLLMServer, fake_llm_server
from tests.fixture_rows import (
    LANDSCAPE_ROWS,
    LANDSCAPE_USER_ROWS,
    NOW_ROWS,
    POOL_ROWS,
    QUERY_ROWS,
    TZ_ROWS,
    USER_ROWS,
)
from tests.private_redis import private_redis
from tests.support.apps import make_settings
from tests.support.databases import insert_rows, scratch_database
from tests.support.servers import uvicorn_server
from tests.support.sql_log import StatementLog, recording
from tests.support.windows import BIG_END


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return an admin URL: TEST_DATABASE_URL's server, else a new embedded PostgreSQL."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    server = start_server(tmp_path_factory.mktemp("embedded") / "pgdata")
    yield server.get_uri("postgres")
    server.cleanup()


async def _fixture_rows(connection: asyncpg.Connection) -> None:
    await insert_rows(
        connection, "interaction_log", POOL_ROWS + USER_ROWS + QUERY_ROWS + TZ_ROWS + NOW_ROWS
    )
    await insert_rows(connection, "landscape_interaction_log", LANDSCAPE_ROWS + LANDSCAPE_USER_ROWS)


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    """Create a fresh database with the schema and fixture rows; drop it after the run."""
    async with scratch_database(server_url, "analytics_test", _fixture_rows) as url:
        yield url


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """Return the app on the test database, with its lifespan running."""
    application = create_app(make_settings(database_url))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Return an HTTP client that calls the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def statements(app: FastAPI) -> Iterator[StatementLog]:
    """Record every statement the app's engine executes during one test."""
    with recording(app) as log:
        yield log


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """Return TEST_REDIS_URL, else the URL of a private Valkey server started on first use."""
    configured = os.environ.get("TEST_REDIS_URL")
    if not configured:
        with private_redis() as url:
            yield url
        return
    # Fail, never skip, when the named server does not answer.
    try:
        with Redis.from_url(configured, socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except (RedisError, OSError) as error:
        pytest.fail(
            f"TEST_REDIS_URL names a Redis that does not answer ({type(error).__name__}): start "
            "it, or unset TEST_REDIS_URL and the tests start their own"
        )
    yield configured


@pytest.fixture
async def redis_url(redis_server_url: str) -> AsyncIterator[str]:
    """Return the URL of the tests' Redis database, emptied before the test (only that database)."""
    client = AsyncRedis.from_url(redis_server_url)
    try:
        await client.flushdb()
        yield redis_server_url
    finally:
        await client.aclose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    """Return a client of the tests' Redis database, to look at what the service stored."""
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    """Yield a healthy fake Messages API."""
    with fake_llm_server() as server:
        server.failing = False
        yield server


@pytest.fixture(scope="session")
async def big_database_url(server_url: str) -> AsyncIterator[str]:
    """Yield a scratch database holding 150,000 generated pool rows over 90 days."""

    async def fill(connection: asyncpg.Connection) -> None:
        await insert_demo_rows(
            connection, product="pool", rows=150_000, days=90, end=BIG_END, seed=0.5
        )

    async with scratch_database(server_url, "big_test", fill) as url:
        yield url


# Demo rows per product for the demo database of the tests (`make run` loads 100,000).
DEMO_TEST_ROWS = 20_000


@pytest.fixture(scope="session")
async def demo_database_url(server_url: str) -> AsyncIterator[str]:
    """Yield a database of demo data for both products over the 90 days up to now, as `make run`
    loads it (fewer rows): the documents' examples and Swagger's own examples fall inside it."""

    async def fill(connection: asyncpg.Connection) -> None:
        for product, seed in DEMO_SEEDS.items():
            await insert_demo_rows(
                connection,
                product=product,
                rows=DEMO_TEST_ROWS,
                days=DEMO_DAYS,
                end=datetime.now(UTC),
                seed=seed,
            )

    async with scratch_database(server_url, "demo_test", fill) as url:
        yield url


@pytest.fixture(scope="session")
def demo_server(demo_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the service under uvicorn on the demo database; yield its base URL."""
    with uvicorn_server(demo_database_url, tmp_path_factory.mktemp("demo-uvicorn")) as base:
        yield base


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the service under uvicorn on a free local port, on the test database."""
    with uvicorn_server(database_url, tmp_path_factory.mktemp("uvicorn")) as base:
        yield base
