"""What traces cost: the overview without them, and with them exported to a local collector."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

import httpx

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"


class Served(Protocol):
    """A running service (bench/run.py's Service)."""

    base: str

    async def ready(self) -> None:
        """Wait until it answers."""
        ...

    def stop(self) -> None:
        """Stop it."""
        ...


class Collector:
    """An OTLP/HTTP endpoint on 127.0.0.1 that accepts every export and keeps nothing."""

    def __init__(self) -> None:
        self.url = ""
        self.exports = 0
        self.bytes = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.bytes += len(await reader.readexactly(length))
                self.exports += 1
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Collector]:
        """Accept exports while the block runs."""
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with server:
            yield self


async def measure(
    start: Callable[[Mapping[str, str]], Served], params: dict[str, str], *, requests: int
) -> dict[str, Any]:
    """Time the cold overview of two services in turns: without traces, and exporting them.

    `start` starts a service with extra environment variables; the traced one exports every
    span over OTLP/HTTP to a collector in this process, as the OpenTelemetry SDK does to a
    collector sidecar.
    """
    async with Collector().running() as collector:
        plain = start({})
        traced = start({"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url})
        try:
            await asyncio.gather(plain.ready(), traced.ready())
            spent: dict[str, list[float]] = {"plain": [], "traced": []}
            async with httpx.AsyncClient(timeout=900) as client:

                async def overview(base: str) -> float:
                    started = time.perf_counter()
                    response = await client.get(f"{base}/analytics/overview", params=params)
                    response.raise_for_status()
                    return time.perf_counter() - started

                for service in (plain, traced):
                    await overview(service.base)  # warm-up
                # In turns, so that whatever else the machine does weighs on both alike, and each
                # first every other time: the second of two requests in a row was seen to take
                # up to 5 % longer.
                turns = [("plain", plain), ("traced", traced)]
                for turn in range(requests):
                    for name, service in turns if turn % 2 == 0 else turns[::-1]:
                        spent[name].append(await overview(service.base))
        finally:
            # Stopped off the event loop: the traced one flushes its last spans to the collector.
            await asyncio.gather(asyncio.to_thread(plain.stop), asyncio.to_thread(traced.stop))
    without, with_traces = statistics.median(spent["plain"]), statistics.median(spent["traced"])
    return {
        "requests": requests,
        "plain": without,
        "traced": with_traces,
        "ratio": with_traces / without,
        "exports": collector.exports,
        "exported_bytes": collector.bytes,
    }
