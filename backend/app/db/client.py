"""The engine, its read-only connections, and statement execution with errors translated."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

import asyncpg
from asyncpg.exceptions import ConnectionDoesNotExistError
from opentelemetry.trace import SpanKind
from sqlalchemy import CursorResult, QueuePool, RowMapping
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from backend.app import telemetry
from backend.app.cpus import available_cpus, label_workers, long_streams
from backend.app.db.admission import Admission
from backend.app.db.connection_url import ConnectionTarget, parse_database_url
from backend.app.db.errors import DatabaseError, DatabaseSettingRefusedError, QueryTimeoutError
from backend.app.db.expressions import AnySelect
from backend.app.db.failures import connect_explained, translated_errors
from backend.app.settings import Settings
from backend.app.start_error import StartupError

# Beyond the statement timeout, how long the driver waits for an answer before it gives up on a
# server that stopped answering (statement_timeout itself needs a live server).
COMMAND_TIMEOUT_MARGIN_SECONDS = 1.0
# And how long a whole call (checkout, pre-ping, reconnect, statement) may take beyond it.
CALL_DEADLINE_MARGIN_SECONDS = 4.5


def create_engine(target: ConnectionTarget, settings: Settings) -> AsyncEngine:
    """Create the pooled engine; every connection is read-only and has a statement timeout."""
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
            # SQLAlchemy's asyncpg adapter calls this instead of asyncpg.connect.
            "async_creator_fn": connect_explained(target),
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


# How long ending a snapshot (a rollback) may take before its connection is dropped instead.
SNAPSHOT_END_SECONDS = 2.0
# How much sooner than the pool timeout a queued text stream is refused: its 503 then reaches
# the client within the pool timeout.
REFUSAL_MARGIN_SECONDS = 0.5
TEXT_STREAMS_BUSY = (
    "The service is busy computing pain points for other requests (every text stream is in "
    "use). Try again shortly."
)
LONG_TEXT_STREAMS_BUSY = (
    "The service is busy computing pain points over long windows for other requests (every "
    "long-window text stream is in use). Try again shortly."
)


class DatabaseDeadline:
    """How long a caller may still wait on the database, counting only the waits."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    @asynccontextmanager
    async def waiting(self) -> AsyncIterator[None]:
        """Time out a wait on the database once the waits so far add up to the deadline."""
        started = time.monotonic()
        try:
            with telemetry.phase(telemetry.DB):
                async with asyncio.timeout(max(self.left, 0.0)):
                    yield
        finally:
            self.left -= time.monotonic() - started


CLIENT = SpanKind.CLIENT
T = TypeVar("T")


def _statement_attributes(sql: str) -> dict[str, str]:
    """Return a statement span's attributes: the SQL as compiled, its values left as $n."""
    return {"db.system": "postgresql", "db.statement": sql}


# PostgreSQL's own epoch: TIMESTAMP values are microseconds since then.
POSTGRES_EPOCH = datetime(2000, 1, 1)


def _microseconds_tuple(value: int | datetime) -> tuple[int]:
    # The window's bounds still arrive as datetimes.
    if isinstance(value, datetime):
        return ((value - POSTGRES_EPOCH) // timedelta(microseconds=1),)
    return (value,)


class Snapshot:
    """Statements on one connection in one read-only snapshot, their rows straight from asyncpg.

    Through SQLAlchemy's result objects, a million rows took 2.5 s longer. Each statement is
    still built and compiled by SQLAlchemy, and reported to the engine's `before_cursor_execute`
    listeners as any other.
    """

    def __init__(self, driver: asyncpg.Connection, sync: Any, deadline: DatabaseDeadline) -> None:
        self._driver = driver
        self._sync = sync
        self._deadline = deadline
        self._custom_codecs = False

    @asynccontextmanager
    async def _waiting(self) -> AsyncIterator[None]:
        """Wait on the database within the deadline; a closed connection is a lost one."""
        try:
            async with self._deadline.waiting():
                yield
        except asyncpg.InterfaceError:
            if self._driver.is_closed():
                raise ConnectionDoesNotExistError("connection is closed") from None
            raise

    async def _times_as_microseconds(self, wanted: bool) -> None:
        """Read and send TIMESTAMP values as microseconds since 2000-01-01, or as datetimes.

        Decoding a million datetimes and converting them to numbers took seconds; the integers
        are what PostgreSQL sends anyway. The connection's own codec is restored on leaving.
        """
        if wanted == self._custom_codecs:
            return
        if wanted:
            await self._driver.set_type_codec(
                "timestamp",
                schema="pg_catalog",
                encoder=_microseconds_tuple,
                decoder=operator.itemgetter(0),
                format="tuple",
            )
        else:
            await self._driver.reset_type_codec("timestamp", schema="pg_catalog")
        self._custom_codecs = wanted

    async def restore_codecs(self) -> None:
        """Give the connection back its default codecs, before it returns to the pool."""
        await self._times_as_microseconds(False)

    def _compiled(self, statement: AnySelect) -> tuple[str, list[Any]]:
        compiled = statement.compile(dialect=self._sync.dialect)
        parameters = [compiled.params[name] for name in compiled.positiontup or ()]
        self._sync.dispatch.before_cursor_execute(
            self._sync, None, compiled.string, parameters, None, False
        )
        return compiled.string, parameters

    async def batches(
        self, statement: AnySelect, *, batch_size: int, microseconds: bool = False
    ) -> AsyncGenerator[Sequence[Any], None]:
        """Yield the rows of `statement` in batches of `batch_size`, from a server-side cursor.

        With `microseconds`, TIMESTAMP values are read and sent as integers (microseconds since
        2000-01-01), otherwise as datetimes. The next batch is asked for before this one is
        yielded: the server reads and sends it while the caller works on this one.
        """
        sql, parameters = self._compiled(statement)
        # The stream's rows and batches are counted on its span, never their content.
        traced = telemetry.start_span("SELECT stream", _statement_attributes(sql), kind=CLIENT)
        read = batches = 0
        await self._times_as_microseconds(microseconds)
        async with self._waiting():
            cursor = await self._driver.cursor(sql, *parameters)
        following = asyncio.ensure_future(cursor.fetch(batch_size))
        try:
            while True:
                async with self._waiting():
                    rows = await following
                if not rows:
                    return
                read, batches = read + len(rows), batches + 1
                following = asyncio.ensure_future(cursor.fetch(batch_size))
                # One turn of the event loop sends the request for the next batch now: else it
                # went out only when the caller next awaited, and the server idled while the
                # caller worked (a year of free text waited a second longer on the database).
                await asyncio.sleep(0)
                yield rows
        except GeneratorExit:
            # Closed by the caller between two batches: the fetch in flight ends first, so that
            # the connection can run another statement in this snapshot, and the cursor is
            # closed (a suspended scan left open made the next statement ten times slower).
            async with self._waiting():
                if not following.done():
                    await following
                await self._driver.execute("CLOSE ALL")
            raise
        except BaseException as error:
            telemetry.failed(traced, error)
            raise
        finally:
            if not following.done():
                following.cancel()
            elif not following.cancelled():
                # Read, so that a fetch that failed after the caller stopped is not reported as
                # never retrieved: the caller's own error, if any, is the one that stands.
                following.exception()
            traced.set_attributes({"heritage.rows": read, "heritage.batches": batches})
            traced.end()


class Database:
    """Runs statements on the engine, each call on its own pooled connection, within a deadline."""

    def __init__(self, database_url: str, settings: Settings) -> None:
        target = parse_database_url(database_url)
        self.engine = create_engine(target, settings)
        self.location = target.location
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
        # Pain points' text streams keep a CPU busy for seconds each: beyond one per CPU they
        # would only share the CPUs and all finish late. The rest queue (short windows take
        # milliseconds), and one still queued is refused early enough that its 503 leaves within
        # the pool timeout.
        stream_timeout = max(
            settings.db_pool_timeout_seconds - REFUSAL_MARGIN_SECONDS,
            settings.db_pool_timeout_seconds / 2,
        )
        self.text_streams = Admission(
            capacity=settings.pain_points_streams or available_cpus(),
            timeout=stream_timeout,
            max_waiting=settings.db_max_waiting_requests,
            busy=TEXT_STREAMS_BUSY,
        )
        # Long windows' streams have their own: with the local rules each keeps its process, its
        # database backend and every label worker busy for seconds, so two at once only share
        # those CPUs, and each holds its rows (a year's: tens of MB) longer; with an LLM each
        # waits on the network, one per CPU. Short windows' streams keep running beside them.
        per_stream = (
            1 if settings.anthropic_api_key else label_workers(settings.pain_points_workers) + 2
        )
        self.long_text_streams = Admission(
            capacity=long_streams(settings.pain_points_long_streams, per_stream),
            timeout=stream_timeout,
            max_waiting=settings.db_max_waiting_requests,
            busy=LONG_TEXT_STREAMS_BUSY,
        )
        # Statements that ran past DB_STATEMENT_TIMEOUT_MS, since the start (GET /metrics).
        self.statement_timeouts = 0

    async def check_settings(self) -> None:
        """Connect once, so that a server refusing the connections' settings stops the start.

        Any other failure (no server yet, a role refused) is left to readiness and requests, as
        before: it may pass while the service runs.
        """
        try:
            async with self.connection():
                pass
        except DatabaseSettingRefusedError as error:
            raise StartupError(
                f"the database server refused a startup setting ({error.why}): "
                f"check {error.culprit}"
            ) from None
        except (DatabaseError, DBAPIError):
            pass

    def connections_in_use(self) -> int:
        """Return how many of the pool's connections are checked out now."""
        pool = self.engine.sync_engine.pool
        return pool.checkedout() if isinstance(pool, QueuePool) else 0

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        """Translate database failures to db/'s errors, counting statement timeouts."""
        try:
            async with translated_errors(self.pool_timeout, self.location):
                yield
        except QueryTimeoutError:
            self.statement_timeouts += 1
            raise

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """Yield a pooled connection, with database failures translated to db/'s errors."""
        async with (
            self._translated(),
            asyncio.timeout(self.call_deadline),
            self.engine.connect() as connection,
        ):
            yield connection

    async def _execute(self, statement: AnySelect, read: Callable[[CursorResult[Any]], T]) -> T:
        """Run `statement` on a pooled connection, traced and timed; return `read` of its result."""
        sent = False
        with (
            telemetry.span("SELECT", {"db.system": "postgresql"}, kind=CLIENT) as traced,
            telemetry.phase(telemetry.DB),
        ):
            try:
                async with self.connection() as connection:
                    result = await connection.execute(statement)
                    sent = True
                    traced.set_attributes(_statement_attributes(result.context.statement))
                    return read(result)
            except BaseException:
                if traced.is_recording() and not sent:
                    # It failed before SQLAlchemy said what it sent: compiled again, for the span.
                    compiled = statement.compile(dialect=self.engine.dialect)
                    traced.set_attributes(_statement_attributes(compiled.string))
                raise

    async def fetch_one(self, statement: AnySelect) -> RowMapping:
        """Run a select that returns exactly one row and return that row."""
        return await self._execute(statement, lambda result: result.mappings().one())

    async def fetch_all(self, statement: AnySelect) -> Sequence[RowMapping]:
        """Run a select and return all its rows."""
        return await self._execute(statement, lambda result: result.mappings().all())

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """Yield one connection's read-only snapshot, for statements that stream their rows.

        Every statement run through it sees the same data (REPEATABLE READ), and the deadline
        counts only the time spent waiting on the database, not the caller's work between
        fetches.
        """
        deadline = DatabaseDeadline(self.call_deadline)
        async with self._translated():
            connection = self.engine.connect()
            async with deadline.waiting():
                await connection.start()
            try:
                sync = connection.sync_connection
                assert sync is not None, "a connected AsyncConnection has its sync connection"
                async with deadline.waiting():
                    driver = (await connection.get_raw_connection()).driver_connection
                assert isinstance(driver, asyncpg.Connection), "the engine runs on asyncpg"
                # A cursor needs a transaction; the service's connections otherwise autocommit.
                transaction = driver.transaction(readonly=True, isolation="repeatable_read")
                async with deadline.waiting():
                    await transaction.start()
                snapshot = Snapshot(driver, sync, deadline)
                try:
                    yield snapshot
                except BaseException:
                    # A failed or cancelled read leaves its cursor's transaction open: drop the
                    # connection rather than wait on a rollback, which needs an answering server.
                    await asyncio.shield(connection.invalidate())
                    raise
                try:
                    # The answer is computed: ending the snapshot gets a time of its own, however
                    # much of the deadline the reads used, and a connection that cannot end it
                    # is dropped rather than pooled mid-transaction.
                    async with asyncio.timeout(SNAPSHOT_END_SECONDS):
                        await snapshot.restore_codecs()
                        await transaction.rollback()
                except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    await asyncio.shield(connection.invalidate())
            finally:
                await asyncio.shield(connection.close())

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
