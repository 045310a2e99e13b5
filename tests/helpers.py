"""Helpers and constants the tests share: windows, databases, apps, reuse, CSV cells, uvicorn."""

from __future__ import annotations

import asyncio
import os
import struct
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import httpx2
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app.analytics.registry import KPIS
from backend.app.cache.answers import Clock
from backend.app.main import create_app
from backend.app.models.categories import ToolShare, ToolUsage
from backend.app.settings import Settings
from backend.demo.embedded import apply_schema
from tests.fake_llm_server import FakeLLMServer
from tests.fixture_rows import Row
from tests.private_redis import free_port

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
# The local rules' count per cluster in window Q, of its 13 queries: 0, hours 3 + "Hi" 1 + order
# 1 = 5; 1, pump 2; 2, cartridge 1; 3, SPX3200 2 + R0357800 1 + EC-40 1 = 4; 4, DE grids 1.
LOCAL_COUNTS = [5, 2, 1, 4, 1]

# For the tests of answer reuse: window W ends just before END_W, so at SETTLED (two hours later,
# past the 3600 s settle time) its answers are settled. REUSE is the default reuse times, which
# make_settings turns off unless a test asks for them.
END_W = datetime(2025, 6, 8, tzinfo=UTC)
SETTLED = END_W + timedelta(hours=2)
REUSE: dict[str, Any] = {"cache_settled_ttl_seconds": 86_400, "cache_recent_ttl_seconds": 60}
SESSIONS = "/analytics/sessions"


async def get_json(client: httpx.AsyncClient, path: str, **params: str) -> Any:
    """GET `path` with `params`, assert a 200, and return the JSON body."""
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def until(condition: Callable[[], bool], *, within: float = 60.0) -> None:
    """Poll `condition` until it holds, for what has no event to wait on (an admission, say)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (nothing to wait on but the condition)
            await asyncio.sleep(0.01)


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


async def insert_rows(connection: asyncpg.Connection, table: str, rows: list[Row]) -> None:
    """Insert fixture rows into `table` (the pool table has no is_mobile_app)."""
    columns = list(Row._fields)
    if table == "interaction_log":
        columns.remove("is_mobile_app")
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await connection.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
        [[getattr(row, c) for c in columns] for row in rows],
    )


# Tests of what is computed ask again and count statements: answers are not reused there. The
# tests of reuse (test_cache*.py, and the CSV and gzip ones) turn it on with REUSE.
NO_REUSE = {"cache_settled_ttl_seconds": 0, "cache_recent_ttl_seconds": 0}


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Return settings for a test app on `database_url`, without answer reuse unless asked.

    Pain points label in the request's process unless a test asks for worker processes: most
    apps live for one test, and starting a worker costs about a second.
    """
    return Settings.model_validate(
        {"database_url": database_url, "pain_points_workers": 0, **NO_REUSE, **overrides}
    )


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


class StatementLog:
    """The SQL statements and parameters the app's engine sent, in order."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, object]] = []
        # The Connection objects themselves (kept alive, so that their ids stay distinct).
        self.connections: list[object] = []

    def __call__(
        self,
        conn: object,
        cursor: object,
        statement: str,
        parameters: object,
        context: object,
        executemany: bool,
    ) -> None:
        self.entries.append((statement, parameters))
        self.connections.append(conn)

    @property
    def statements(self) -> list[str]:
        """Return the statement texts."""
        return [statement for statement, _ in self.entries]


@contextmanager
def recording(app: FastAPI) -> Iterator[StatementLog]:
    """Record every statement `app`'s engine executes inside the block."""
    log = StatementLog()
    engine = app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", log)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", log)


@asynccontextmanager
async def cached_app(
    database_url: str, clock: FakeClock, **settings: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Yield an app with the default reuse times and `clock`, and its client."""
    async with running_app(database_url, clock=clock, **{**REUSE, **settings}) as running:
        yield running


async def get_counted(
    app: FastAPI, client: httpx.AsyncClient, path: str, params: dict[str, str], **headers: str
) -> tuple[httpx.Response, int]:
    """GET and return the response and how many statements it ran."""
    with recording(app) as log:
        response = await client.get(path, params=params, headers=headers)
    return response, len(log.statements)


# The CSV tests' texts, and the cell a spreadsheet must get from each (docs/metrics.md, "CSV and
# reused answers"): defused with a leading ' or left as it is.
TEXT_CELLS = [
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("plain", "plain"),
    # Past what a spreadsheet skips: spaces, a line break, no-break and zero-width spaces, a
    # word joiner, a byte-order mark, an ideographic space.
    (" =1+2", "' =1+2"),
    # The line break is a place a reader cuts the cell too: the piece after it is defused.
    ("\n=1+2", "'\n'=1+2"),
    ("\u00a0=1+2", "'\u00a0=1+2"),
    ("\u200b=1+2", "'\u200b=1+2"),
    ("\u2060\ufeff@A1", "'\u2060\ufeff@A1"),
    ("\u3000-1", "'\u3000-1"),
    # Full-width and small forms, which spreadsheets read as = + - @.
    ("\uff1d1+2", "'\uff1d1+2"),
    ("\ufe62A1", "'\ufe62A1"),
    ("\uff20A1", "'\uff20A1"),
    # A quote is skipped as well: a reader drops it where a piece starts inside a line.
    ('"=1+2"', '\'"=1+2"'),
    # Each piece a reader can cut the cell into, after , ; tab CR LF or |, is defused at its
    # start, right after the separator: Excel in a ; locale, a tab import, a reader that ends
    # the row at a line break, text to columns on |.
    ("abc;=1+2", "abc;'=1+2"),
    ("abc,=1+2", "abc,'=1+2"),
    ("abc\t=1+2", "abc\t'=1+2"),
    ("abc\n=1+2", "abc\n'=1+2"),
    ("abc\r=1+2", "abc\r'=1+2"),
    ("abc\r\n@A1", "abc\r\n'@A1"),
    ("abc|=1+2", "abc|'=1+2"),
    ("abc | -1", "abc |' -1"),
    ('abc;"=1+2"', 'abc;\'"=1+2"'),
    ("abc; \u00a0\u200b+1", "abc;' \u00a0\u200b+1"),
    ("abc;\uff1d1+2", "abc;'\uff1d1+2"),
    # Every piece, also one that a second separator begins: after ; the tab, after the tab =.
    ("abc;\t=1+2", "abc;'\t'=1+2"),
    ("=1;=2|=3", "'=1;'=2|'=3"),
    # A formula character inside a piece, a separator before anything else, is text as before.
    ("a - b", "a - b"),
    ("pH 7.2 - 7.6, chlorine +1; salt | ok", "pH 7.2 - 7.6, chlorine +1; salt | ok"),
    ("a;;,|", "a;;,|"),
    (
        "Replacement filter parts \u2013 maintenance needs",
        "Replacement filter parts \u2013 maintenance needs",
    ),
]


FORGED_BODY = b'{"forged": true}'


def stored_answer(stored_at: float, ttl: float, body: bytes = FORGED_BODY) -> bytes:
    """Return a value in the stored answers' format (header, then the zlib-compressed body)."""
    return struct.pack("!Bdd", 1, stored_at, ttl) + zlib.compress(body)


def llm_of(server: FakeLLMServer) -> dict[str, Any]:
    """Return the settings of an app whose LLM is `server`, without SDK retries."""
    return {
        "anthropic_api_key": "sk-ant-test-cache",
        "llm_base_url": server.url,
        "llm_max_retries": 0,
    }


# The cases the rule was written for, and more: a formula after each separator, also when the
# cell is split on | (an example that itself holds |), past spaces, invisible characters, quotes
# and other separators; and a line that ends in a separator.
SPLIT_TEXTS = [
    "a;=1+2",
    "a\t=1+2",
    "a\n=1+2",
    "a\r\n=1+2",
    "a\r=1+2",
    "a,=1+2",
    "a|=1+2",
    "a | =1+2",
    "a;\t=1+2",
    "a; \t\n =1+2",
    'a;"=1+2"',
    'a;""=1+2',
    'a;" -1"',
    "a;\u00a0\u200b@A1",
    "a|\uff1d1+2",
    "a;\ufe62A1",
    "a,\t",
    "a;\r",
    "a;",
    "=1;+2,-3\t@4\n=5|=6",
    '=cmd|" /C calc"!A0',
    "a\0b;\0=1",
]


def tool_usage(texts: list[str]) -> ToolUsage:
    """Return a tool-usage body with a row per text, each of -1 sessions and -0.5 percent."""
    return ToolUsage(
        total_sessions=1, tools=[ToolShare(tool=text, sessions=-1, percent=-0.5) for text in texts]
    )


# The service as `make run` and the Dockerfile start it (tests/test_security_headers.py checks
# that they do), with no `server` header.
SERVE = [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--no-server-header"]


@contextmanager
def uvicorn_server(database_url: str, log_dir: Path, **settings: str) -> Iterator[str]:
    """Run the service under uvicorn on a free local port; yield its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, **settings}
    env.pop("ANTHROPIC_API_KEY", None)
    log_path = log_dir / "uvicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=Path(__file__).resolve().parents[1],
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
