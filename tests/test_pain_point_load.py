"""Pain points under load and faults: their own admission, their processing budget, a backend
killed mid-stream, and a request cancelled mid-stream."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from backend.app import cpus as cpu_count
from backend.app.analytics.pain_points.label_workers import LabelWorkers
from backend.app.db.client import Database
from backend.app.db.text_source import TextSource
from tests.support.apps import make_settings, running_app
from tests.support.databases import scratch_database, table_locked

T0 = datetime(2025, 5, 1)
ROWS = 6_000
WINDOW = {"start_date": "2025-05-01", "end_date": "2025-05-02", "product_context": "pool"}
ACTIVE = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE application_name = 'heritage-analytics' AND state <> 'idle' "
    "AND query LIKE '%input%'"
)


async def _fill(connection: asyncpg.Connection) -> None:
    # 6,000 distinct texts a second apart: three batches of 2,000 rows.
    await connection.execute(
        """
        INSERT INTO interaction_log (time_stamp, user_id, session_id, input)
        SELECT $1::timestamp + i * interval '1 second', 'u', 's', 'need filter part ' || i
        FROM generate_series(1, $2::int) AS i
        """,
        T0,
        ROWS,
    )


@pytest.fixture(scope="module")
async def texts_url(server_url: str) -> AsyncIterator[str]:
    """Yield a scratch database of 6,000 distinct texts."""
    async with scratch_database(server_url, "text_load", _fill) as url:
        yield url


@contextmanager
def on_labelling(action: Callable[[], Any]) -> Iterator[None]:
    """Run `action` (a coroutine function) each time a batch's texts go to be labelled."""
    original = LabelWorkers.labelling

    def labelling(self: LabelWorkers, texts: Any) -> Any:
        asyncio.get_running_loop().create_task(action())
        return original(self, texts)

    LabelWorkers.labelling = labelling  # type: ignore[method-assign]
    try:
        yield
    finally:
        LabelWorkers.labelling = original  # type: ignore[method-assign]


async def test_a_request_that_cannot_get_a_text_stream_is_told_the_service_is_busy(
    texts_url: str,
) -> None:
    async with running_app(
        texts_url, pain_points_streams=1, db_pool_timeout_seconds=1.0, db_max_waiting_requests=1
    ) as (app, client):
        streams = app.state.database.text_streams
        # The one stream is taken, and one request waits for it (the queue holds one): another
        # is refused at once, the waiting one after the pool timeout less half a second (0.5 s).
        async with streams.admit(1):
            waiting = asyncio.create_task(client.get("/analytics/pain-points", params=WINDOW))
            await asyncio.sleep(0.1)
            refused = await client.get("/analytics/pain-points", params=WINDOW)
            waited = await waiting
        answered = await client.get("/analytics/pain-points", params=WINDOW)
    for response in (refused, waited):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert "busy computing pain points" in response.json()["detail"]
    assert answered.status_code == 200
    assert answered.json()["total_queries"] == ROWS


async def test_the_overview_waits_for_a_text_stream_too(texts_url: str) -> None:
    async with (
        running_app(texts_url, pain_points_streams=1, db_pool_timeout_seconds=1.0) as (
            app,
            client,
        ),
        app.state.database.text_streams.admit(1),
    ):
        response = await client.get("/analytics/overview", params=WINDOW)
    assert response.status_code == 503
    assert "busy computing pain points" in response.json()["detail"]


@pytest.mark.parametrize(
    ("window", "long"),
    [
        # 2025-04-01 to 2025-05-02: 32 local dates, past LONG_STREAM_DAYS (31).
        ({**WINDOW, "start_date": "2025-04-01"}, True),
        # 31 local dates: not long.
        ({**WINDOW, "start_date": "2025-04-02"}, False),
        # 31 local dates in Chicago, though with the hour clocks went back (2025-11-02) it lasts
        # 31 days and one hour: dates count, not elapsed time.
        (
            {
                **WINDOW,
                "start_date": "2025-10-15",
                "end_date": "2025-11-14",
                "tz": "America/Chicago",
            },
            False,
        ),
    ],
)
async def test_long_and_short_windows_wait_for_streams_of_their_own(
    texts_url: str, window: dict[str, str], long: bool
) -> None:
    async with running_app(
        texts_url, pain_points_streams=1, pain_points_long_streams=1, db_pool_timeout_seconds=1.0
    ) as (app, client):
        database = app.state.database
        taken, free = (
            (database.long_text_streams, database.text_streams)
            if long
            else (database.text_streams, database.long_text_streams)
        )
        async with taken.admit(1):
            refused = await client.get("/analytics/pain-points", params=window)
            # A window of the other kind still runs (the 6,000 rows lie in both windows below).
            other = {**WINDOW, "start_date": "2025-05-01" if long else "2025-04-01"}
            beside = await client.get("/analytics/pain-points", params=other)
        answered = await client.get("/analytics/pain-points", params=window)
        held = taken.in_use, free.in_use
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    busy = "over long windows" if long else "(every text stream is in use)"
    assert busy in refused.json()["detail"]
    assert beside.status_code == answered.status_code == 200
    assert beside.json()["total_queries"] == ROWS
    # Each admission was given back.
    assert held == (0, 0)


@pytest.mark.parametrize(
    ("cpus", "workers", "configured", "expected"),
    [
        # A long stream takes the request's process, its database backend and every worker:
        # with the default workers (the CPUs beyond two), all the CPUs there are, or two.
        (1, None, None, 1),
        (2, None, None, 1),
        (4, None, None, 1),
        # Four CPUs with no worker: each stream takes two, so two at once.
        (4, 0, None, 2),
        (8, 1, None, 2),
        # Set, it is what it says.
        (2, None, 3, 3),
    ],
)
def test_long_streams_run_as_many_at_once_as_the_cpus_hold(
    monkeypatch: pytest.MonkeyPatch,
    cpus: int,
    workers: int | None,
    configured: int | None,
    expected: int,
) -> None:
    monkeypatch.setattr(cpu_count, "available_cpus", lambda: cpus)
    default = max(0, cpus - 2)
    assert cpu_count.label_workers(workers) == (default if workers is None else workers)
    assert cpu_count.long_streams(configured, cpu_count.label_workers(workers) + 2) == expected


@pytest.mark.parametrize(("key", "expected"), [(None, 1), ("sk-test", 4)])
async def test_long_streams_count_label_workers_only_where_they_run(
    monkeypatch: pytest.MonkeyPatch, key: str | None, expected: int
) -> None:
    # Four CPUs: the local rules start two workers, so one long stream takes all four; with an
    # LLM none starts (SQL groups the texts), so one stream per CPU.
    monkeypatch.setattr(cpu_count, "available_cpus", lambda: 4)
    url = "postgresql://reader@127.0.0.1:1/heritage"
    database = Database(url, make_settings(url, pain_points_workers=None, anthropic_api_key=key))
    try:
        assert database.long_text_streams.capacity == expected
    finally:
        await database.engine.dispose()


async def test_processing_past_its_budget_is_a_504_that_says_so(texts_url: str) -> None:
    async with running_app(texts_url, pain_points_processing_seconds=1e-9) as (_, client):
        response = await client.get("/analytics/pain-points", params=WINDOW)
        # Other KPIs have no such budget.
        sessions = await client.get("/analytics/sessions", params=WINDOW)
    assert response.status_code == 504
    assert "processing budget" in response.json()["detail"]
    assert sessions.status_code == 200


@pytest.mark.parametrize("path", ["/analytics/pain-points", "/analytics/overview"])
@pytest.mark.parametrize("phase", ["statement", "streaming", "examples"])
async def test_a_backend_killed_mid_stream_is_a_503(
    texts_url: str, phase: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Killed while the texts' statement waits on a lock (before any row), while batches are
    # fetched and labelled, or as the examples' spellings are read after the stream.
    admin = await asyncpg.connect(texts_url)
    texts_statement = (
        "FROM pg_stat_activity WHERE application_name = 'heritage-analytics' "
        "AND query LIKE '%input%' AND pid <> pg_backend_pid()"
    )

    async def kill() -> None:
        await admin.execute(f"SELECT pg_terminate_backend(pid) {texts_statement}")

    async def waiting_on_the_lock() -> None:
        for _ in range(1500):
            query = f"SELECT count(*) {texts_statement} AND wait_event_type = 'Lock'"
            if await admin.fetchval(query):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the texts' statement never waited on the lock")

    if phase == "examples":
        original = TextSource.at

        async def at(self: Any, stamps: list[int]) -> Any:
            await kill()
            async for rows in original(self, stamps):
                yield rows

        monkeypatch.setattr(TextSource, "at", at)
    try:
        async with running_app(texts_url) as (_, client):
            if phase == "statement":
                async with table_locked(texts_url):
                    request = asyncio.create_task(client.get(path, params=WINDOW))
                    await waiting_on_the_lock()
                    await kill()
                    response = await request
            elif phase == "streaming":
                with on_labelling(kill):
                    response = await client.get(path, params=WINDOW)
            else:
                response = await client.get(path, params=WINDOW)
            assert response.status_code == 503
            # "cannot be reached" or "connection was lost", by where the driver noticed.
            assert "analytics database" in response.json()["detail"]
            # The pool recovers: the next request is answered.
            monkeypatch.undo()
            again = await client.get(path, params=WINDOW)
            assert again.status_code == 200
    finally:
        await admin.close()


async def test_a_request_cancelled_mid_stream_leaves_no_statement(texts_url: str) -> None:
    admin = await asyncpg.connect(texts_url)
    streaming = asyncio.Event()

    async def noted() -> None:
        streaming.set()

    try:
        async with running_app(texts_url, pain_points_workers=1) as (app, client):
            with on_labelling(noted):
                request = asyncio.create_task(client.get("/analytics/pain-points", params=WINDOW))
                await asyncio.wait_for(streaming.wait(), 30)
                request.cancel()
                with suppress(asyncio.CancelledError):
                    await request
            # Neither running nor idle in its transaction, within 5 s.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 5
            left = await admin.fetchval(ACTIVE)
            while left and loop.time() < deadline:
                await asyncio.sleep(0.05)
                left = await admin.fetchval(ACTIVE)
            assert left == 0
            # The worker survives the cancellation: the next request uses it.
            workers = app.state.classifier.workers
            pids = workers.pids
            assert len(pids) == 1
            response = await client.get("/analytics/pain-points", params=WINDOW)
            assert response.status_code == 200
            assert workers.pids == pids
        # The lifespan's end stopped the worker and waited for it: it is gone, not even left as
        # a zombie (a process not waited for keeps its /proc entry).
        assert not os.path.exists(f"/proc/{pids[0]}")  # noqa: ASYNC240 (one stat, in a test)
    finally:
        await admin.close()
