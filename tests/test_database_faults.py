"""Database faults: a server that stops and comes back, an exhausted pool, a drifted schema."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from backend.app.analytics import runner
from backend.app.main import create_app
from backend.demo.embedded import start_server
from tests.private_redis import free_port
from tests.support.apps import make_settings
from tests.support.databases import create_database, drop_database
from tests.support.polling import until
from tests.support.windows import WINDOW, pool

# Generous bounds that only catch a hang: nothing here waits on a timer to pass or fail.
HANG_GUARD = httpx.Timeout(60.0)


async def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=HANG_GUARD)


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """Yield an embedded PostgreSQL this test may stop and start, and its data directory."""
    data_dir = str(tmp_path_factory.mktemp("faults") / "pgdata")
    server = start_server(data_dir)
    yield server, data_dir
    start_server(data_dir).cleanup()


async def _fresh_database(server_url: str, *, drift: bool = False) -> str:
    """Create a database with the schema, or with a drifted one, and return its URL."""
    url = await create_database(server_url, "faults")
    if drift:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("ALTER TABLE interaction_log DROP COLUMN user_feedback")
            # A column the service never reads: its loss is no reason to leave rotation.
            await connection.execute("ALTER TABLE interaction_log DROP COLUMN full_prompt")
            await connection.execute("DROP TABLE landscape_interaction_log")
        finally:
            await connection.close()
    return url


async def test_database_down_is_503_and_the_service_recovers(own_server: tuple[Any, str]) -> None:
    server, data_dir = own_server
    url = await _fresh_database(server.get_uri("postgres"))
    app = create_app(make_settings(url, db_connect_timeout_seconds=2))
    async with app.router.lifespan_context(app), await _client(app) as http:
        assert (await http.get("/analytics/sessions", params=pool())).status_code == 200
        server.cleanup()  # stops PostgreSQL under the running service
        down = await http.get("/analytics/sessions", params=pool())
        assert down.status_code == 503
        assert down.json() == {
            "detail": "The analytics database cannot be reached. Try again shortly."
        }
        assert (await http.get("/health/ready")).status_code == 503
        assert (await http.get("/health")).status_code == 200
        start_server(data_dir)  # back, at the same socket
        # Pre-ping drops the dead pooled connection; no restart of the service is needed.
        again = await http.get("/analytics/sessions", params=pool())
        assert again.status_code == 200
        assert again.json()["total_sessions"] == 0


async def test_an_unreachable_database_is_logged_by_its_address_never_its_user(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="backend.app.db")
    port = free_port()  # nothing listens there
    url = f"postgresql://report_reader:Secret-Word@127.0.0.1:{port}/analytics_nowhere"
    app = create_app(make_settings(url, db_connect_timeout_seconds=2))
    async with app.router.lifespan_context(app), await _client(app) as http:
        assert (await http.get("/analytics/sessions", params=pool())).status_code == 503
    logged = [r.getMessage() for r in caplog.records if r.name == "backend.app.db.failures"]
    # Once as the service starts, and again for the request.
    assert len(logged) >= 2
    where = f"(host 127.0.0.1, port {port}, database analytics_nowhere)"
    assert all(message == f"cannot connect to the database {where}" for message in logged)
    assert "report_reader" not in caplog.text
    assert "Secret-Word" not in caplog.text


async def test_a_setting_refused_after_the_start_is_a_503_naming_it(
    own_server: tuple[Any, str],
) -> None:
    # The server is down at the start, so the start's check cannot see it refuse the URL's
    # options and the service starts; back up, it refuses them (42704: no such setting) on every
    # connection.
    server, data_dir = own_server
    url = await _fresh_database(server.get_uri("postgres"))
    server.cleanup()
    separator = "&" if "?" in url else "?"
    refused = f"{url}{separator}options=-c%20bogus_guc%3D1"
    app = create_app(make_settings(refused, db_connect_timeout_seconds=2))
    async with app.router.lifespan_context(app), await _client(app) as http:
        start_server(data_dir)
        sessions = await http.get("/analytics/sessions", params=pool())
        ready = await http.get("/health/ready")
    assert sessions.status_code == 503
    assert sessions.json()["detail"] == (
        "The analytics database refused a startup setting of the service's connections "
        "(SQLSTATE 42704, a setting the server does not know): check options in DATABASE_URL."
    )
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
    assert ready.json()["detail"] == sessions.json()["detail"]


async def test_exhausted_pool_is_503_after_the_pool_timeout(database_url: str) -> None:
    settings = make_settings(
        database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.5
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), await _client(app) as http:
        # Hold the pool's only connection, as a slow query would.
        async with app.state.database.engine.connect():
            busy = await http.get("/analytics/sessions", params=pool())
        assert busy.status_code == 503
        assert busy.json()["detail"] == "All database connections are busy. Try again shortly."
        # Released, the same connection serves the next request.
        assert (await http.get("/analytics/sessions", params=pool())).status_code == 200


async def test_a_request_refused_for_busy_connections_builds_no_statement(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Building an overview's statements costs tens of milliseconds of CPU; in a rush, requests
    # that end in a 503 must not spend it (while /health waits behind them). Counted by wrapping
    # the builder, which runs no SQL itself.
    built: list[object] = []
    build = runner.statements

    def counted(kpis: Any, filters: Any, **options: Any) -> Any:
        built.append(filters)
        return build(kpis, filters, **options)

    monkeypatch.setattr(runner, "statements", counted)
    app = create_app(make_settings(database_url, db_pool_timeout_seconds=0.5))
    async with app.router.lifespan_context(app), await _client(app) as http:
        admission = app.state.database.admission
        # Every connection reserved, as a rush's admitted requests would.
        async with admission.admit(admission.capacity):
            busy = await http.get("/analytics/overview", params=pool())
        assert (busy.status_code, built) == (503, [])
        assert (await http.get("/analytics/overview", params=pool())).status_code == 200
    assert len(built) == 1


@pytest.fixture
async def drifted_url(server_url: str) -> AsyncIterator[str]:
    """Yield a database whose pool table lost a column and whose landscape table is gone."""
    url = await _fresh_database(server_url, drift=True)
    yield url
    await drop_database(server_url, url)


async def test_drifted_schema_is_named_by_ready_and_503_elsewhere(drifted_url: str) -> None:
    app = create_app(make_settings(drifted_url))
    async with app.router.lifespan_context(app), await _client(app) as http:
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "schema_mismatch"
        assert body["missing"] == ["interaction_log.user_feedback", "landscape_interaction_log"]
        assert "interaction_log.user_feedback" in body["detail"]
        for context in ("pool", "landscape"):
            params = {**WINDOW, "product_context": context}
            response = await http.get("/analytics/sessions", params=params)
            assert response.status_code == 503
            assert "see /health/ready" in response.json()["detail"]
            # No SQL, no driver message, no trace: only the detail.
            for leak in ("SELECT", "interaction_log.", "asyncpg", "Traceback"):
                assert leak not in response.text


async def test_a_rush_past_capacity_gets_503_with_retry_after(database_url: str) -> None:
    # Pool 4: three connections for analytics (one kept for readiness), so one overview (three
    # statements) fills it. The test's lock holds that overview inside PostgreSQL.
    settings = make_settings(
        database_url, db_pool_size=4, db_max_overflow=0, db_pool_timeout_seconds=0.5
    )
    app = create_app(settings)
    locker = await asyncpg.connect(database_url)
    async with app.router.lifespan_context(app), await _client(app) as http:
        admission = app.state.database.admission
        try:
            async with locker.transaction():
                await locker.execute("LOCK TABLE interaction_log IN ACCESS EXCLUSIVE MODE")
                first = asyncio.create_task(http.get("/analytics/overview", params=pool()))
                await until(lambda: admission.in_use == 3)
                # Admitted work holds every analytics connection: the next request waits the
                # pool timeout, then is told when to come back.
                busy = await http.get("/analytics/sessions", params=pool())
                assert busy.status_code == 503
                assert busy.headers["Retry-After"] == "1"
                assert (
                    busy.json()["detail"] == "All database connections are busy. Try again shortly."
                )
                # Readiness and liveness are not queued behind the rush.
                assert (await http.get("/health")).status_code == 200
                assert (await http.get("/health/ready")).status_code == 200
        finally:
            await locker.close()
        # The lock gone, the admitted overview completes, and the connections are free again.
        assert (await first).status_code == 200
        assert admission.in_use == 0
        assert (await http.get("/analytics/sessions", params=pool())).status_code == 200


async def test_a_full_queue_refuses_at_once(database_url: str) -> None:
    settings = make_settings(
        database_url, db_pool_size=2, db_max_overflow=0, db_max_waiting_requests=0
    )
    app = create_app(settings)
    locker = await asyncpg.connect(database_url)
    async with app.router.lifespan_context(app), await _client(app) as http:
        try:
            async with locker.transaction():
                await locker.execute("LOCK TABLE interaction_log IN ACCESS EXCLUSIVE MODE")
                first = asyncio.create_task(http.get("/analytics/sessions", params=pool()))
                await until(lambda: app.state.database.admission.in_use == 1)
                # No room to queue: refused at once, not after the 5 s pool timeout.
                refused = await asyncio.wait_for(
                    http.get("/analytics/volume", params=pool()), timeout=2
                )
                assert refused.status_code == 503
                assert refused.headers["Retry-After"] == "5"
        finally:
            await locker.close()
        assert (await first).status_code == 200
