"""Small helpers shared by the endpoint tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app.analytics.registry import KPIS
from backend.demo.embedded import apply_schema

# The service's own dialect (asyncpg), to compile statements without connecting.
DIALECT = create_async_engine("postgresql+asyncpg://compile-only/db").sync_engine.dialect
WINDOW = {"start_date": "2025-06-01", "end_date": "2025-06-07"}
# Every analytics endpoint except the overview, from the KPI declarations.
ANALYTICS_PATHS = [f"/analytics{kpi.path}" for kpi in KPIS]
# The whole of the generated rows of the `big_database_url` fixture (90 days up to BIG_END).
BIG_END = datetime(2026, 3, 1, tzinfo=UTC)
BIG_WINDOW = {"start_date": "2025-12-01", "end_date": "2026-03-01", "product_context": "pool"}
# The user and category fixtures' window (see tests/fixture_rows.py).
USER_WINDOW = {"start_date": "2025-08-01", "end_date": "2025-08-31"}
# The pain-point fixtures' window Q: 9 distinct query texts (see tests/fixture_rows.py).
QUERY_WINDOW = {"start_date": "2025-09-01", "end_date": "2025-09-30"}


async def get_json(client: httpx.AsyncClient, path: str, **params: str) -> Any:
    """GET `path` with `params`, assert a 200, and return the JSON body."""
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def pool(**extra: str) -> dict[str, str]:
    """Return the pool filters for window W plus `extra`."""
    return {**WINDOW, "product_context": "pool", **extra}


def libpq_url(server_url: str, database: str) -> str:
    """Return `server_url` pointed at `database`, as a plain postgresql:// URL for asyncpg."""
    url = make_url(server_url).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def pool_u(**extra: str) -> dict[str, str]:
    """Return the pool filters for window U plus `extra`."""
    return {**USER_WINDOW, "product_context": "pool", **extra}


def pool_q(**extra: str) -> dict[str, str]:
    """Return the pool filters for window Q plus `extra`."""
    return {**QUERY_WINDOW, "product_context": "pool", **extra}


def without_filters(body: dict[str, Any]) -> dict[str, Any]:
    """Return a response body as an overview section: without `filters`, `previous`, `changes`."""
    return {
        key: value for key, value in body.items() if key not in ("filters", "previous", "changes")
    }


async def create_database(server_url: str, prefix: str) -> str:
    """Create a new database `<prefix>_<random>` holding the two empty tables; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(libpq_url(server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = libpq_url(server_url, name)
    connection = await asyncpg.connect(url)
    try:
        await apply_schema(connection)
    finally:
        await connection.close()
    return url


@asynccontextmanager
async def scratch_database(
    server_url: str, prefix: str, fill: Callable[[asyncpg.Connection], Awaitable[object]]
) -> AsyncIterator[str]:
    """Yield the URL of a new database with the schema, filled by `fill`; drop it afterwards."""
    url = await create_database(server_url, prefix)
    connection = await asyncpg.connect(url)
    try:
        await fill(connection)
    finally:
        await connection.close()
    try:
        yield url
    finally:
        await drop_database(server_url, url)


async def drop_database(server_url: str, url: str) -> None:
    """Drop the database `url` names, closing any connection still open to it."""
    admin = await asyncpg.connect(libpq_url(server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


class FakeClock:
    """A clock the test moves by hand (seconds since the epoch), for the cache's TTLs."""

    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward."""
        self.now += seconds


@asynccontextmanager
async def table_locked(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold an exclusive lock on interaction_log, so that every read of it waits."""
    connection = await asyncpg.connect(database_url)
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("LOCK TABLE interaction_log IN ACCESS EXCLUSIVE MODE")
        yield connection
        await transaction.rollback()
    finally:
        await connection.close()
