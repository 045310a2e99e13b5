"""A second process that watches the service while the benchmark loads it: `python -m bench.probe`.

The benchmark's own clients share one event loop, so under a rush the latencies they see include
their own queueing. This process has nothing else to do: it asks for /health every
`--health-every` seconds and, one at a time, for the overview with `--params`, until its standard
input is closed (or `--seconds` have passed), then prints what it saw as one JSON object:

    {"health": {"count", "statuses", "p50", "p99", "max"},
     "overview": {"count", "by_status": {status: {"count", "p50", "max"}}}}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

import httpx


def summary(latencies: list[float]) -> dict[str, float]:
    """Return the median, 99th percentile and longest of `latencies` (seconds)."""
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max": ordered[-1],
    }


async def watch(
    base: str, params: dict[str, str], done: asyncio.Event, every: float
) -> dict[str, Any]:
    """Probe /health and the overview at `base` until `done` is set; return what was seen."""
    health: list[tuple[int, float]] = []
    overview: list[tuple[int, float]] = []

    async def timed(
        client: httpx.AsyncClient, path: str, query: dict[str, str]
    ) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            status = (await client.get(path, params=query)).status_code
        except httpx.TransportError:
            status = 0  # no answer at all
        return status, time.perf_counter() - started

    async def health_loop(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            health.append(await timed(client, "/health", {}))
            await asyncio.sleep(every)

    async def overview_loop(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            overview.append(await timed(client, "/analytics/overview", params))

    # Two connections of their own, so that a slow overview never holds up a /health probe.
    async with (
        httpx.AsyncClient(base_url=base, timeout=120) as health_client,
        httpx.AsyncClient(base_url=base, timeout=120) as overview_client,
    ):
        await asyncio.gather(health_loop(health_client), overview_loop(overview_client))
    by_status: dict[str, dict[str, float]] = {}
    for status in sorted({status for status, _ in overview}):
        spent = [latency for seen, latency in overview if seen == status]
        by_status[str(status)] = {"count": len(spent), **summary(spent)}
    statuses: dict[str, int] = {}
    for status, _ in health:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "health": {"count": len(health), "statuses": statuses, **summary([t for _, t in health])},
        "overview": {"count": len(overview), "by_status": by_status},
    }


async def _until_stdin_closes(seconds: float) -> asyncio.Event:
    """Return an event set when standard input closes, or after `seconds` at the latest."""
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    reader = loop.run_in_executor(None, sys.stdin.read)
    reader.add_done_callback(lambda _: done.set())
    loop.call_later(seconds, done.set)
    return done


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    done = await _until_stdin_closes(args.seconds)
    return await watch(args.base, json.loads(args.params), done, args.health_every)


def main() -> None:
    """Watch the service and print the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--params", required=True, help="the overview's query, as JSON")
    parser.add_argument("--seconds", type=float, default=3600, help="the longest it watches")
    parser.add_argument("--health-every", type=float, default=0.1)
    result = asyncio.run(_main(parser.parse_args()))
    print(json.dumps(result), flush=True)
    # The thread still reading standard input must not hold the process.
    os._exit(0)


if __name__ == "__main__":
    main()
