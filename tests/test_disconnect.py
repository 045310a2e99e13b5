"""Work nobody waits for stops: an abandoned request's statements end in PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import suppress

import asyncpg
import httpx
import pytest

from tests.support.servers import uvicorn_server
from tests.support.windows import BIG_WINDOW

# The promise: no statement of a request runs more than 5 seconds after its client left.
STOP_WITHIN_SECONDS = 5.0
SERVICE_STATEMENTS = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE application_name = 'heritage-analytics' AND state = 'active'"
)


@pytest.fixture(scope="module")
def big_service(big_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the service under uvicorn on the 150,000-row database."""
    with uvicorn_server(big_database_url, tmp_path_factory.mktemp("big_uvicorn")) as base:
        yield base


async def _abandon_overview(base: str, admin: asyncpg.Connection, *, running: int) -> None:
    """Start an overview, wait until `running` of its statements are active, then hang up."""
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        request = asyncio.create_task(http.get("/analytics/overview", params=BIG_WINDOW))
        guard = loop.time() + 60
        while await admin.fetchval(SERVICE_STATEMENTS) < running:
            assert not request.done(), "the overview ended before it could be abandoned"
            assert loop.time() < guard, "the overview's statements never started"
            await asyncio.sleep(0.01)
        request.cancel()  # the client goes away; httpx closes the connection
        with suppress(asyncio.CancelledError):
            await request


async def _wait_for_no_statements(admin: asyncpg.Connection) -> int:
    """Poll until no statement of the service is active, or the promised bound passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STOP_WITHIN_SECONDS
    active = await admin.fetchval(SERVICE_STATEMENTS)
    while active and loop.time() < deadline:
        await asyncio.sleep(0.05)
        active = await admin.fetchval(SERVICE_STATEMENTS)
    return int(active)


async def test_abandoned_overview_cancels_its_blocked_statements(
    big_service: str, big_database_url: str
) -> None:
    # The test holds a lock on the table, so the overview's three statements wait on it and
    # would wait for the whole 30 s statement timeout if nobody cancelled them: only a cancel
    # sent to PostgreSQL ends them while the lock is still held.
    admin = await asyncpg.connect(big_database_url)
    locker = await asyncpg.connect(big_database_url)
    try:
        async with locker.transaction():
            await locker.execute("LOCK TABLE interaction_log IN ACCESS EXCLUSIVE MODE")
            await _abandon_overview(big_service, admin, running=3)
            assert await _wait_for_no_statements(admin) == 0
    finally:
        await locker.close()
        await admin.close()


async def test_abandoned_overview_on_real_volume_stops_mid_statement(
    big_service: str, big_database_url: str
) -> None:
    # The same on 150,000 rows, hanging up while PostgreSQL is computing: the statements end,
    # and the service answers the next request at once.
    admin = await asyncpg.connect(big_database_url)
    try:
        await _abandon_overview(big_service, admin, running=1)
        assert await _wait_for_no_statements(admin) == 0
    finally:
        await admin.close()
    async with httpx.AsyncClient(base_url=big_service, timeout=120) as http:
        assert (await http.get("/analytics/sessions", params=BIG_WINDOW)).status_code == 200
