"""The benchmark on free text: a database where nearly every query is distinct, as in real logs.

Pain points read every distinct text of a window, so their cost follows the number of distinct
texts, which the main data set (templates that repeat) hides. This part loads the same number of
rows with free text (`python -m backend.demo.volume --free-text`) into a database of its own and
times pain points and the overview against T, one read of every text of the window, and F.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from backend.demo.embedded import apply_recommended_indexes
from backend.demo.volume import load

DATABASE = "heritage_bench_free"
TABLE = "interaction_log"
# T: one read of every text in the window, the yardstick the free-text targets are set against.
TEXT_READ_SQL = (
    f"SELECT sum(length(input)) FROM {TABLE} WHERE time_stamp >= $1 AND time_stamp <= $2"
)
DISTINCT_SQL = (
    f"SELECT count(*) AS queries, count(DISTINCT input) AS texts FROM {TABLE} "
    "WHERE time_stamp >= $1 AND time_stamp <= $2"
)
# How often the service's memory is sampled while the free-text requests run.
RSS_SAMPLE_SECONDS = 0.05


async def ensure_loaded(url: str, *, rows: int, days: int) -> None:
    """Load `rows` free-text rows at `url` unless about that many are there; add the indexes."""
    connection = await asyncpg.connect(url)
    try:
        present = await connection.fetchval(f"SELECT to_regclass('{TABLE}') IS NOT NULL")
        count = await connection.fetchval(f"SELECT count(*) FROM {TABLE}") if present else 0
    finally:
        await connection.close()
    if abs(count - rows) <= rows * 0.1:
        return
    print(f"loading {rows:,} free-text rows ({count:,} present)", flush=True)
    await load(
        url,
        rows=rows,
        days=days,
        products=["pool"],
        replace=True,
        end=datetime.now(UTC),
        free_text=True,
    )
    connection = await asyncpg.connect(url)
    try:
        await apply_recommended_indexes(connection)
        await connection.execute(f"VACUUM (ANALYZE) {TABLE}")
    finally:
        await connection.close()


async def measure(
    url: str,
    base: str,
    *,
    reps: int,
    windows: dict[int, dict[str, str]],
    bounds: Callable[[dict[str, str]], tuple[datetime, datetime]],
    floor: Callable[[str, dict[str, str]], Awaitable[Callable[[], Awaitable[Any]]]],
    rss: Callable[[], float],
) -> dict[str, Any]:
    """Time T, F, pain points and the overview per window on the free-text service at `base`.

    `rss` returns the service's resident memory in MB; it is sampled throughout.
    """
    peak = rss()
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, rss())
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    sampler = asyncio.create_task(sample())
    results: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(base_url=base, timeout=900) as client:
            for days, params in windows.items():
                start, end = bounds(params)
                row: dict[str, float] = {}
                row["T"] = await _median(reps, _fetch(url, TEXT_READ_SQL, start, end))
                row["F"] = await _median(reps, await floor(url, params))
                for endpoint in ("pain-points", "overview"):
                    call = _get(client, f"/analytics/{endpoint}", params)
                    await call()  # warm-up
                    row[endpoint] = await _median(reps, call)
                    print(
                        f"  free text {days:>3} days {endpoint:<12} {row[endpoint] * 1000:8.0f} ms"
                    )
                counted = await _fetch_row(url, DISTINCT_SQL, start, end)
                row["rows"], row["distinct"] = counted["queries"], counted["texts"]
                results[str(days)] = row
            results["rush"] = await rush(client, windows[max(windows)])
    finally:
        sampling = False
        await sampler
    results["rss_peak_mb"] = peak
    return results


# The rush: this many cold year-long pain-point requests at once, each in its own time zone so
# that none shares another's computation (the result cache is off besides).
RUSH_REQUESTS = 8
RUSH_ZONES = [
    "UTC", "America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "Pacific/Honolulu", "Europe/Madrid",
]  # fmt: skip


async def rush(client: httpx.AsyncClient, params: dict[str, str]) -> dict[str, Any]:
    """Send RUSH_REQUESTS pain-point requests at once; return each one's status and time."""

    async def one(zone: str) -> dict[str, Any]:
        started = time.perf_counter()
        response = await client.get("/analytics/pain-points", params={**params, "tz": zone})
        return {
            "status": response.status_code,
            "seconds": time.perf_counter() - started,
            "retry_after": response.headers.get("Retry-After"),
        }

    answers = await asyncio.gather(*(one(zone) for zone in RUSH_ZONES[:RUSH_REQUESTS]))
    print(f"  free text rush of {RUSH_REQUESTS}: {answers}")
    return {"answers": answers}


def rush_targets(answers: list[dict[str, Any]]) -> tuple[str, bool]:
    """Return the rush's line and whether it met its target."""
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
    failed = [answer for answer in answers if answer["status"] >= 500]
    slowest_failure = max((answer["seconds"] for answer in failed), default=0.0)
    without_retry = [a for a in failed if a["status"] == 503 and not a["retry_after"]]
    slowest = max(answer["seconds"] for answer in answers)
    measured = (
        f"statuses {dict(sorted(statuses.items()))}; slowest answer {slowest:.1f} s; slowest 5xx "
        f"{slowest_failure:.1f} s; 503 without Retry-After: {len(without_retry)}"
    )
    met = slowest_failure <= 5 and not without_retry and 200 in statuses
    return measured, met


def _fetch(url: str, sql: str, start: datetime, end: datetime) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        connection = await asyncpg.connect(url, server_settings={"work_mem": "64MB", "jit": "off"})
        try:
            return await connection.fetchval(sql, start, end)
        finally:
            await connection.close()

    return run


async def _fetch_row(url: str, sql: str, start: datetime, end: datetime) -> asyncpg.Record:
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(sql, start, end)
    finally:
        await connection.close()
    assert row is not None, "an aggregate returns a row"
    return row


def _get(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        response = await client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    return run


async def _median(reps: int, action: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def render(free: dict[str, Any], reps: int) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """Return the free-text targets (name, measured, met) and the section's Markdown lines."""
    year, week = free["365"], free["7"]
    targets = [
        (
            "free text: pain points, 365 days ≤ 4 × T",
            f"{year['pain-points'] / year['T']:.1f} × T",
            year["pain-points"] <= 4 * year["T"],
        ),
        (
            "free text: overview, 365 days ≤ 5 × T",
            f"{year['overview'] / year['T']:.1f} × T",
            year["overview"] <= 5 * year["T"],
        ),
        (
            "free text: pain points, 7 days / 365 days ≤ 0.05",
            f"{week['pain-points'] / year['pain-points']:.3f}",
            week["pain-points"] <= 0.05 * year["pain-points"],
        ),
        (
            f"free text: {RUSH_REQUESTS} cold year-long pain points at once: every one "
            "answered, no 5xx after more than 5 s, every 503 with Retry-After",
            *rush_targets(free["rush"]["answers"]),
        ),
        (
            "free text: service RSS ≤ 300 MB throughout, worker processes included",
            f"peak {free['rss_peak_mb']:.0f} MB",
            free["rss_peak_mb"] <= 300,
        ),
    ]
    lines = [
        "## Free text (nearly every query distinct)",
        "",
        f"`python -m backend.demo.volume --free-text` in a database of its own: the same sessions "
        f"and sizes, each question built from a template, greeting, tail, model names, branches "
        f"and sizes, sometimes in Spanish, about half with one typo. The 365-day window holds "
        f"{year['rows']:,} queries, {year['distinct']:,} distinct "
        f"({year['distinct'] / year['rows']:.0%}). T is one read of every text in the window "
        f"(`SELECT sum(length(input))`), F the floor as above, both timed in the same run; medians "
        f"of {reps}. The service's RSS was sampled every {RSS_SAMPLE_SECONDS * 1000:.0f} ms "
        f"throughout: peak {free['rss_peak_mb']:.0f} MB.",
        "",
        "| measured | 365 days | × T | × F | 7 days | × T | 7 d / 365 d |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("T", "F", "pain-points", "overview"):
        lines.append(
            f"| {name} | {year[name] * 1000:,.0f} ms | {year[name] / year['T']:.2f} | "
            f"{year[name] / year['F']:.2f} | {week[name] * 1000:,.0f} ms | "
            f"{week[name] / week['T']:.2f} | {week[name] / year[name]:.3f} |"
        )
    return targets, [*lines, ""]
