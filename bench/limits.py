"""The service's limits: memory with the cache full of the largest bodies, and a rush seen from
outside the benchmark's own process.

- **Memory.** The largest body the service writes is the overview of a 3,660-day window under
  `compare=previous_period` (two windows of 3,660 daily items, about 0.5 MB). The service is
  started with the result cache on and asked for distinct such overviews, a few at a time, until
  its cache has been filled and refilled; its resident memory is sampled throughout. Once with
  the defaults (`CACHE_MAX_BYTES`, 64 MiB) and once bounded by `CACHE_MAX_ENTRIES` alone (as
  before `CACHE_MAX_BYTES`), so that the bound's effect shows. The windows end before the data
  begins: full-size bodies from quick statements.
- **The rush, from a second process.** While the benchmark's own clients rush the service,
  `bench/probe.py`, a process of its own with nothing else to do, asks for /health every 0.1 s
  and for the overview one request at a time: its latencies are the service's, not the
  benchmark's event loop's.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import httpx

LARGEST_DAYS = 3_660
# Before any data the benchmark loads (it ends today and spans at most a few years).
LARGEST_BEFORE = date(2005, 1, 1)
# The defaults a 512 MiB Cloud Run instance runs with, and a bound the entries alone set.
BYTES_UNBOUNDED = str(1 << 40)
INSTANCE_MIB = 512
RSS_TARGET_MB = INSTANCE_MIB * 1.048576 * 0.75  # three quarters of the instance, in MB
RSS_SAMPLE_SECONDS = 0.05


class Running(Protocol):
    """The service under test, as bench/run.py starts it."""

    base: str

    async def ready(self) -> None:
        """Wait until it is ready."""

    def memory_mb(self) -> tuple[float, float]:
        """Return its current and peak resident memory in MB."""

    def stop(self) -> None:
        """Stop it."""


def largest_windows(count: int) -> list[dict[str, str]]:
    """Return `count` distinct 3,660-day overview queries under compare, before any data."""
    queries = []
    for shift in range(count):
        end = LARGEST_BEFORE - timedelta(days=shift)
        start = end - timedelta(days=LARGEST_DAYS - 1)
        queries.append(
            {
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "product_context": "pool",
                "compare": "previous_period",
            }
        )
    return queries


async def _fill(service: Running, requests: int, concurrency: int) -> dict[str, Any]:
    """Send `requests` distinct largest overviews, `concurrency` at a time; sample the RSS."""
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for query in largest_windows(requests):
        queue.put_nowait(query)
    sizes: list[int] = []
    statuses: dict[int, int] = {}
    samples: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            samples.append(service.memory_mb()[0])
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
            while not queue.empty():
                response = await client.get("/analytics/overview", params=queue.get_nowait())
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                sizes.append(len(response.content))

    before = service.memory_mb()[0]
    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    done.set()
    await sampler
    current, peak = service.memory_mb()
    return {
        "requests": requests,
        "statuses": dict(sorted(statuses.items())),
        "body_kb": max(sizes) / 1024,
        "rss_before": before,
        "rss_after": current,
        "rss_peak": max(peak, *samples),
    }


async def memory_under_largest_bodies(
    start: Callable[[Mapping[str, str]], Running], *, requests: int, concurrency: int
) -> dict[str, dict[str, Any]]:
    """Return the RSS with the cache filled by the largest bodies: bounded by bytes, and not."""
    results: dict[str, dict[str, Any]] = {}
    for name, env in (("bytes", {}), ("entries", {"CACHE_MAX_BYTES": BYTES_UNBOUNDED})):
        service = start(env)
        try:
            await service.ready()
            print(f"  largest bodies, cache bounded by {name}", flush=True)
            results[name] = await _fill(service, requests, concurrency)
        finally:
            service.stop()
    return results


@dataclass
class Watch:
    """What bench/probe.py saw, once the block it watched has ended."""

    seen: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def watched(base: str, params: Mapping[str, str]) -> AsyncIterator[Watch]:
    """Run bench/probe.py against `base` while the block runs; fill the Watch afterwards."""
    probe = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.probe",
        "--base",
        base,
        "--params",
        json.dumps(dict(params)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    watch = Watch()
    try:
        # A moment of the service at rest first, for comparison.
        await asyncio.sleep(1)
        yield watch
    finally:
        assert probe.stdin is not None
        probe.stdin.close()
        output, _ = await probe.communicate()
        if output:
            watch.seen = json.loads(output)


def render(
    report: dict[str, Any], pool_timeout: float
) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """Return the targets and the Markdown lines of this part of the benchmark."""
    memory = report["largest_bodies"]
    bounded, entries = memory["bytes"], memory["entries"]
    seen = report["rush_outside"]
    health = seen["health"]
    refused = seen["overview"]["by_status"].get("503")
    slowest_503 = refused["max"] if refused else 0.0
    if refused:
        refusals = (
            f"{refused['count']} of its {seen['overview']['count']} overviews got a 503, the "
            f"slowest in {slowest_503:.2f} s"
        )
    else:
        refusals = f"none of its {seen['overview']['count']} overviews got a 503"
    targets = [
        (
            f"RSS with the cache full of the largest bodies ≤ 75 % of a {INSTANCE_MIB} MiB "
            "instance (default CACHE_MAX_BYTES)",
            f"peak {bounded['rss_peak']:.0f} MB ({entries['rss_peak']:.0f} MB bounded by "
            "entries alone)",
            bounded["rss_peak"] <= RSS_TARGET_MB,
        ),
        (
            "rush, seen from a second process: every 503 within the pool timeout + 1 s",
            f"{refusals} (bound {pool_timeout + 1:g} s)",
            slowest_503 <= pool_timeout + 1,
        ),
        (
            "rush, seen from a second process: /health under 1 s throughout",
            f"longest {health['max'] * 1000:.0f} ms of {health['count']} probes",
            health["max"] < 1 and set(health["statuses"]) == {"200"},
        ),
    ]
    by_status = ", ".join(
        f"{status}: {spent['count']} (p50 {spent['p50']:.2f} s, longest {spent['max']:.2f} s)"
        for status, spent in seen["overview"]["by_status"].items()
    )
    lines = [
        "## Memory with the largest bodies, and the rush from outside",
        "",
        f"- Largest bodies: {bounded['requests']} distinct 3,660-day overviews under "
        f"`compare=previous_period` ({bounded['body_kb']:.0f} KB each), sent four at a time to "
        "the service with the result cache on. With the default `CACHE_MAX_BYTES` (64 MiB): "
        f"RSS {bounded['rss_before']:.0f} MB before, {bounded['rss_after']:.0f} MB after, peak "
        f"{bounded['rss_peak']:.0f} MB. Bounded by `CACHE_MAX_ENTRIES` alone: "
        f"{entries['rss_before']:.0f} MB before, {entries['rss_after']:.0f} MB after, peak "
        f"{entries['rss_peak']:.0f} MB. Statuses {bounded['statuses']} and {entries['statuses']}.",
        f"- The rush above, seen from a second process (`bench/probe.py`): /health asked "
        f"{health['count']} times, statuses {health['statuses']}, p50 "
        f"{health['p50'] * 1000:.0f} ms, p99 {health['p99'] * 1000:.0f} ms, longest "
        f"{health['max'] * 1000:.0f} ms; its own overviews, one at a time, by status: {by_status}.",
        "",
    ]
    return targets, lines
