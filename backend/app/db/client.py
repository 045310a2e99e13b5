"""The engine, its read-only connections, and statement execution with errors translated."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import RowMapping
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from backend.app.db.admission import Admission
from backend.app.db.expressions import AnySelect
from backend.app.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    SchemaMismatchError,
    ServiceError,
)
from backend.app.settings import Settings

logger = logging.getLogger(__name__)

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg2"}

# SQLSTATEs: 57014 query_canceled (statement_timeout); 42P01 undefined_table,
# 42703 undefined_column (a schema that drifted); class 08 and these 57P/53 codes mean the
# server is unreachable, shutting down or full.
_TIMEOUT_STATES = {"57014"}
_SCHEMA_STATES = {"42P01", "42703"}
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}
# The database refuses the service: 28P01 invalid_password (also an unknown role, which
# PostgreSQL reports the same way), 28000 invalid_authorization_specification, 3D000
# invalid_catalog_name (no such database), 42501 insufficient_privilege.
_REFUSALS: dict[str, type[ServiceError]] = {
    "28P01": DatabaseAuthenticationError,
    "28000": DatabaseAuthenticationError,
    "3D000": DatabaseMissingError,
    "42501": DatabasePermissionError,
}
# Beyond the statement timeout, how long the driver waits for an answer before it gives up on a
# server that stopped answering (statement_timeout itself needs a live server).
COMMAND_TIMEOUT_MARGIN_SECONDS = 1.0
# And how long a whole call (checkout, pre-ping, reconnect, statement) may take beyond it.
CALL_DEADLINE_MARGIN_SECONDS = 4.5


def async_database_url(raw: str) -> URL:
    """Return `raw` as a postgresql+asyncpg URL; accepts postgres://, postgresql:// and +asyncpg."""
    url = make_url(raw)
    if url.drivername not in _POSTGRES_SCHEMES:
        raise ValueError(
            f"DATABASE_URL must be a postgresql:// or postgresql+asyncpg:// URL, not {url.drivername}://"
        )
    url = url.set(drivername="postgresql+asyncpg")
    # libpq spells TLS as sslmode=...; asyncpg takes the same values as ssl=...
    if "sslmode" in url.query:
        query = dict(url.query)
        query["ssl"] = query.pop("sslmode")
        url = url.set(query=query)
    return url


def create_engine(database_url: str, settings: Settings) -> AsyncEngine:
    """Create the pooled engine; every connection is read-only and has a statement timeout."""
    return create_async_engine(
        async_database_url(database_url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        # Each statement stands alone: no BEGIN/ROLLBACK round trips around a single SELECT.
        isolation_level="AUTOCOMMIT",
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            # Every wait has a limit, the pre-ping's included: a server that stops answering on
            # an open connection fails the call instead of hanging it.
            "command_timeout": settings.db_statement_timeout_ms / 1000
            + COMMAND_TIMEOUT_MARGIN_SECONDS,
            "server_settings": {
                "default_transaction_read_only": "on",
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "work_mem": settings.db_work_mem,
                "jit": "on" if settings.db_jit else "off",
                "application_name": "heritage-analytics",
            },
        },
    )


def _sqlstate(error: DBAPIError | asyncpg.PostgresError) -> str | None:
    state = getattr(error.orig if isinstance(error, DBAPIError) else error, "sqlstate", None)
    return state if isinstance(state, str) else None


@asynccontextmanager
async def _translated_errors(pool_timeout: float) -> AsyncIterator[None]:
    """Turn driver and pool failures into the service's errors, without leaking their text."""
    try:
        yield
    except PoolTimeoutError:
        logger.warning("no pooled database connection became free in time")
        raise DatabaseBusyError(pool_timeout) from None
    except (DBAPIError, asyncpg.PostgresError) as error:
        # The driver's own errors come from streamed statements, which bypass SQLAlchemy.
        state = _sqlstate(error)
        logger.warning("database error %s", state, extra={"sqlstate": state})
        if state in _TIMEOUT_STATES:
            raise QueryTimeoutError() from None
        if state in _REFUSALS:
            raise _REFUSALS[state]() from None
        if state in _SCHEMA_STATES:
            raise SchemaMismatchError(
                "The analytics tables are missing a table or column the service reads; "
                "see /health/ready."
            ) from None
        if (
            (isinstance(error, DBAPIError) and error.connection_invalidated)
            or state in _UNAVAILABLE_STATES
            or (state is not None and state.startswith("08"))
        ):
            raise DatabaseUnavailableError() from None
        raise
    except TimeoutError:
        # The connect timeout, the driver's command timeout, or the call's deadline: the server
        # stopped answering.
        logger.warning("the database did not answer in time")
        raise DatabaseUnavailableError(
            "The analytics database did not answer in time. Try again shortly."
        ) from None
    except OSError:
        # Connecting failed: refused, no such socket, DNS.
        logger.warning("cannot connect to the database")
        raise DatabaseUnavailableError() from None


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
        """Yield a pooled connection, with database failures translated to service errors."""
        async with (
            _translated_errors(self.pool_timeout),
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
