"""Admission control: bound the database work in flight; a rush queues briefly or fails fast."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.app.db.errors import DatabaseBusyError


class Admission:
    """Lets a request start only when the connections (or text streams) it will use are free.

    Each request reserves as many connections as it runs statements at once (an overview three
    per window: six with compare),
    so an admitted request never waits on the pool, and a burst cannot take every connection:
    the rest wait in a bounded queue for at most `timeout` seconds, then are told the database
    is busy (DatabaseBusyError, with that wait).
    """

    def __init__(
        self, *, capacity: int, timeout: float, max_waiting: int, busy: str | None = None
    ) -> None:
        self.capacity = max(1, capacity)
        # What a refused request is told (DatabaseBusyError's own words unless given).
        self.busy = busy
        self.timeout = timeout
        self.max_waiting = max_waiting
        self._free = self.capacity
        self._waiting = 0
        # Requests refused since the start (GET /metrics).
        self.refusals = 0
        self._changed = asyncio.Condition()

    @property
    def in_use(self) -> int:
        """Return how many connections admitted requests hold now."""
        return self.capacity - self._free

    @asynccontextmanager
    async def admit(self, connections: int, *, wait: float | None = None) -> AsyncIterator[None]:
        """Wait for `connections` free connections (at most the timeout), hold them, free them.

        `wait` shortens the timeout: what is left of one a request has partly spent elsewhere.
        """
        timeout = self.timeout if wait is None else max(0.0, min(wait, self.timeout))
        wanted = min(max(1, connections), self.capacity)
        if self._free < wanted and self._waiting >= self.max_waiting:
            # It would have to queue, and the queue is full: waiting would only end in the same
            # refusal, later.
            self.refusals += 1
            raise DatabaseBusyError(self.timeout, self.busy)
        self._waiting += 1
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: self._free >= wanted)
                self._free -= wanted
        except TimeoutError:
            self.refusals += 1
            raise DatabaseBusyError(self.timeout, self.busy) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            async with self._changed:
                self._free += wanted
                self._changed.notify_all()
