"""Scratch databases on the tests' PostgreSQL: created with the schema, filled, locked, dropped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from backend.demo.embedded import apply_schema
from tests.fixture_rows import Row


def libpq_url(server_url: str, database: str) -> str:
    """Return `server_url` pointed at `database`, as a plain postgresql:// URL for asyncpg."""
    url = make_url(server_url).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


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
