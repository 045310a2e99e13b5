"""The engine, its read-only connections, and statement execution with errors translated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from backend.app.db.admission import Admission
from backend.app.db.connection_url import parse_database_url
from backend.app.db.expressions import AnySelect
from backend.app.db.failures import translated_errors
from backend.app.settings import Settings

# Beyond the statement timeout, how long the driver waits for an answer before it gives up on a
# server that stopped answering (statement_timeout itself needs a live server).
COMMAND_TIMEOUT_MARGIN_SECONDS = 1.0
# And how long a whole call (checkout, pre-ping, reconnect, statement) may take beyond it.
CALL_DEADLINE_MARGIN_SECONDS = 4.5


def create_engine(database_url: str, settings: Settings) -> AsyncEngine:
    """Create the pooled engine; every connection is read-only and has a statement timeout."""
    target = parse_database_url(database_url)
    return create_async_engine(
        # Only the driver: asyncpg reads the rest from the DSN, as libpq would.
        "postgresql+asyncpg://",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        # Each statement stands alone: no BEGIN/ROLLBACK round trips around a single SELECT.
        isolation_level="AUTOCOMMIT",
        connect_args={
            "dsn": target.dsn,
            "timeout": target.connect_timeout or settings.db_connect_timeout_seconds,
            # Every wait has a limit, the pre-ping's included: a server that stops answering on
            # an open connection fails the call instead of hanging it.
            "command_timeout": settings.db_statement_timeout_ms / 1000
            + COMMAND_TIMEOUT_MARGIN_SECONDS,
            **target.cache_sizes,
            "server_settings": {
                "application_name": "heritage-analytics",
                **target.server_settings,
                # The service's own settings last: nothing in the URL changes them.
                "default_transaction_read_only": "on",
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "work_mem": settings.db_work_mem,
                "jit": "on" if settings.db_jit else "off",
            },
        },
    )


class Database:
    """Runs statements on the engine, each call on its own pooled connection, within a deadline."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.pool_timeout = settings.db_pool_timeout_seconds
        # A call is answered or fails within the statement timeout plus a few seconds, whatever
        # the server does: also while connecting, and when it stops answering mid-statement.
        self.call_deadline = settings.db_statement_timeout_ms / 1000 + CALL_DEADLINE_MARGIN_SECONDS
        # Readiness and metadata stay outside admission: one connection is kept for them.
        self.admission = Admission(
            capacity=settings.db_pool_size + settings.db_max_overflow - 1,
            timeout=settings.db_pool_timeout_seconds,
            max_waiting=settings.db_max_waiting_requests,
        )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """Yield a pooled connection, with database failures translated to db/'s errors."""
        async with (
            translated_errors(self.pool_timeout),
            asyncio.timeout(self.call_deadline),
            self.engine.connect() as connection,
        ):
            yield connection

    async def fetch_one(self, statement: AnySelect) -> RowMapping:
        """Run a select that returns exactly one row and return that row."""
        async with self.connection() as connection:
            result = await connection.execute(statement)
            row: RowMapping = result.mappings().one()
            return row

    async def fetch_all(self, statement: AnySelect) -> Sequence[RowMapping]:
        """Run a select and return all its rows."""
        async with self.connection() as connection:
            result = await connection.execute(statement)
            rows: Sequence[RowMapping] = result.mappings().all()
            return rows

    @asynccontextmanager
    async def stream(
        self, statement: AnySelect, *, batch_size: int
    ) -> AsyncIterator[AsyncIterator[Sequence[asyncpg.Record]]]:
        """Yield the rows of `statement` in batches of `batch_size`, from a server-side cursor.

        The rows stream straight from the driver: through SQLAlchemy's result objects, a
        million rows took 2.5 s longer. The statement is still built and compiled by SQLAlchemy,
        and reported to the engine's `before_cursor_execute` listeners as any other.
        """
        compiled = statement.compile(dialect=self.engine.dialect)
        sql = compiled.string
        parameters = [compiled.params[name] for name in compiled.positiontup or ()]
        async with self.connection() as connection:
            sync = connection.sync_connection
            assert sync is not None, "a connected AsyncConnection has its sync connection"
            sync.dispatch.before_cursor_execute(sync, None, sql, parameters, None, False)
            driver = (await connection.get_raw_connection()).driver_connection
            assert isinstance(driver, asyncpg.Connection), "the engine runs on asyncpg"
            # A cursor needs a transaction; the service's connections otherwise autocommit.
            async with driver.transaction(readonly=True):
                cursor = await driver.cursor(sql, *parameters)

                async def batches() -> AsyncIterator[Sequence[asyncpg.Record]]:
                    while rows := await cursor.fetch(batch_size):
                        yield rows

                yield batches()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
