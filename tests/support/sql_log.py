"""The SQL an app sends: statements recorded as its engine executes them, and counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

# The service's own dialect (asyncpg), to compile statements without connecting.
DIALECT = create_async_engine("postgresql+asyncpg://compile-only/db").sync_engine.dialect


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


async def get_counted(
    app: FastAPI, client: httpx.AsyncClient, path: str, params: dict[str, str], **headers: str
) -> tuple[httpx.Response, int]:
    """GET and return the response and how many statements it ran."""
    with recording(app) as log:
        response = await client.get(path, params=params, headers=headers)
    return response, len(log.statements)
