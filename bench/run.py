"""Benchmark the service at volume, through the real HTTP stack, and write its report.

    make bench                       # 1M rows per product, embedded PostgreSQL
    make bench BENCH_ARGS="--rows 100000 --reps 5"
    make bench PUBLISH=1             # the report becomes docs/performance.md

The report goes to bench/out/performance.md (git-ignored), so that a local run leaves the tree
clean; published, it replaces docs/performance.md.

One run, one machine, warm caches, medians of --reps repetitions. Ratios are what it reports;
absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from backend.app.settings import Settings
from backend.demo.embedded import apply_recommended_indexes, create_database, start_server
from backend.demo.volume import load
from bench import free_text, limits, peer, tracing
from bench.report import ENDPOINTS, render_markdown

ROOT = Path(__file__).resolve().parents[1]
TABLE = "interaction_log"
# The reporting time zone the benchmark compares with UTC.
TZ = "America/Chicago"
COMPARE = {"compare": "previous_period"}
INDEXES = ["interaction_log_analytics_window"]
# Where the report goes: a git-ignored file, or with PUBLISH the tracked one.
LOCAL_REPORT = ROOT / "bench" / "out" / "performance.md"
PUBLISHED_REPORT = ROOT / "docs" / "performance.md"
PUBLISH = "--publish"
# F runs on the same per-connection settings as the service's own connections.
_DEFAULTS = Settings()
SERVICE_SETTINGS = {"work_mem": _DEFAULTS.db_work_mem, "jit": "on" if _DEFAULTS.db_jit else "off"}
# The floor F: the cheapest exact query any session KPI must pay, over a window ($1, $2).
FLOOR_SQL = (
    f"SELECT count(*) FROM (SELECT session_id FROM {TABLE} "
    "WHERE time_stamp >= $1 AND time_stamp <= $2 GROUP BY session_id) AS s"
)


def shown_command(argv: list[str]) -> str:
    """Return the make command that ran with `argv`, without this machine's absolute paths."""
    shown = [
        (os.path.relpath(arg, ROOT) if Path(arg).is_relative_to(ROOT) else "PATH")
        if os.path.isabs(arg)
        else arg
        for arg in argv
        if arg != PUBLISH
    ]
    return (
        "make bench"
        + (" PUBLISH=1" if PUBLISH in argv else "")
        + (f' BENCH_ARGS="{" ".join(shown)}"' if shown else "")
    )


async def timed(action: Callable[[], Awaitable[Any]], reps: int) -> tuple[float, Any]:
    """Return the median seconds of `reps` runs of `action`, and its last result."""
    times, result = [], None
    for _ in range(reps):
        started = time.perf_counter()
        result = await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def window(days: int) -> dict[str, str]:
    """Return pool filters for the last `days` days, bare dates."""
    today = datetime.now(UTC).date()
    return {
        "start_date": (today - timedelta(days=days - 1)).isoformat(),
        "end_date": today.isoformat(),
        "product_context": "pool",
    }


def bounds(params: dict[str, str]) -> tuple[datetime, datetime]:
    """Return the window's first and last instant, as the service reads bare dates."""
    start = datetime.fromisoformat(params["start_date"])
    end = datetime.combine(date.fromisoformat(params["end_date"]), datetime.max.time())
    return start, end


async def floor_query(url: str, params: dict[str, str]) -> Callable[[], Awaitable[Any]]:
    """Return the floor F: distinct sessions of the window, on the service's connection settings."""
    start, end = bounds(params)

    async def run() -> Any:
        connection = await asyncpg.connect(url, server_settings=SERVICE_SETTINGS)
        try:
            return await connection.fetchval(FLOOR_SQL, start, end)
        finally:
            await connection.close()

    return run


async def set_indexes(url: str, *, present: bool) -> None:
    """Create the recommended indexes (alembic-free-schema-fixtures/indexes.sql) or drop them."""
    connection = await asyncpg.connect(url)
    try:
        if present:
            await apply_recommended_indexes(connection)
            await connection.execute(f"VACUUM (ANALYZE) {TABLE}")
        else:
            for name in INDEXES:
                await connection.execute(f"DROP INDEX IF EXISTS {name}")
    finally:
        await connection.close()


async def explain(url: str, params: dict[str, str]) -> str:
    """Return EXPLAIN (ANALYZE, BUFFERS) of the floor query for a window."""
    start, end = bounds(params)
    connection = await asyncpg.connect(url, server_settings=SERVICE_SETTINGS)
    try:
        rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {FLOOR_SQL}", start, end)
    finally:
        await connection.close()
    return "\n".join(row[0] for row in rows)


def _children(pid: int) -> list[int]:
    """Return the processes `pid` started, and theirs (a worker pool's resource tracker too)."""
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        direct = [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []
    return [grand for child in direct for grand in (child, *_children(child))]


class Service:
    """The service under uvicorn on a free port, as a subprocess."""

    def __init__(
        self, url: str, *, cache: bool = False, settings: Mapping[str, str] | None = None
    ) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url}
        for name in ("ANTHROPIC_API_KEY", "CACHE_URL"):
            env.pop(name, None)
        if not cache:
            # The cold figures: every request computes.
            env |= {"CACHE_SETTLED_TTL_SECONDS": "0", "CACHE_RECENT_TTL_SECONDS": "0"}
        env |= settings or {}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "backend.app.main:app",
                "--no-server-header",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        """Wait until /health/ready answers 200."""
        async with httpx.AsyncClient(base_url=self.base) as client:
            for _ in range(300):
                try:
                    if (await client.get("/health/ready")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("service did not become ready")

    def memory_mb(self) -> tuple[float, float]:
        """Return the current and peak resident memory in MB, its worker processes included.

        The peak adds each process's own peak: an upper bound of the peak of their sum.
        """
        current = peak = 0.0
        for process in [self.process.pid, *_children(self.process.pid)]:
            try:
                status = Path(f"/proc/{process}/status").read_text()
            except OSError:
                continue  # ended meanwhile
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            current += int(fields["VmRSS"].split()[0]) / 1024
            peak += int(fields["VmHWM"].split()[0]) / 1024
        return current, peak

    def stop(self) -> None:
        """Stop the service."""
        self.process.terminate()
        self.process.wait(timeout=30)


async def measure_windows(
    url: str, service: Service, reps: int, days_list: list[int]
) -> dict[int, dict[str, float]]:
    """Return median seconds of F, every endpoint and the overview, per window length."""
    results: dict[int, dict[str, float]] = {}
    async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
        for days in days_list:
            params = window(days)

            def get(path: str, params: dict[str, str] = params) -> Callable[[], Awaitable[Any]]:
                async def run() -> Any:
                    response = await client.get(path, params=params)
                    response.raise_for_status()
                    return response.json()

                return run

            row: dict[str, float] = {}
            row["F"], _ = await timed(await floor_query(url, params), reps)
            for endpoint in [*ENDPOINTS, "overview"]:
                await get(f"/analytics/{endpoint}")()  # warm-up
                row[endpoint], _ = await timed(get(f"/analytics/{endpoint}"), reps)
                print(f"  {days:>3} days {endpoint:<17} {row[endpoint] * 1000:8.0f} ms", flush=True)
            # The same overview in a reporting time zone, timed in turns with the UTC one: timed
            # after it instead, it paid for whatever the machine was doing then (1.26 and 1.40 times
            # in two runs, 0.97 times in turns).
            local = {**params, "tz": TZ}
            await get("/analytics/overview", local)()
            utc_times: list[float] = []
            local_times: list[float] = []
            for _ in range(reps):
                for query, spent in ((params, utc_times), (local, local_times)):
                    started = time.perf_counter()
                    await get("/analytics/overview", query)()
                    spent.append(time.perf_counter() - started)
            row["overview_tz"] = statistics.median(local_times)
            row["overview_utc_paired"] = statistics.median(utc_times)
            results[days] = row
    return results


async def measure_compare(service: Service, reps: int, days: int) -> dict[str, float]:
    """Return median seconds of the overview of `days` days, without and with compare."""
    # `days` is at most half the data's span, so that both periods hold data.
    results: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
        for name, extra in (("overview", {}), ("overview_compare", COMPARE)):
            params = {**window(days), **extra}

            async def run(params: dict[str, str] = params) -> Any:
                response = await client.get("/analytics/overview", params=params)
                response.raise_for_status()
                return response.json()

            await run()
            results[name], _ = await timed(run, reps)
    return results


async def run_peer(url: str, service: Service, reps: int, days: int) -> tuple[float, list[str]]:
    """Time the pandas peer and return the KPIs where it disagrees with the service."""
    params = window(days)
    start, end = bounds(params)

    async def compute() -> tuple[Any, dict[str, Any]]:
        frame = await peer.fetch(url, TABLE, start, end)
        return frame, peer.kpis(frame, start, end, now=datetime.now(UTC))

    seconds, (frame, _) = await timed(compute, reps)
    async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
        asked = datetime.now(UTC)
        overview = (await client.get("/analytics/overview", params=params)).json()
    # The window ends today: its elapsed days depend on the request time, so the peer's answer is
    # taken at the instant the service's request was sent.
    answers = peer.kpis(frame, start, end, now=asked)
    expected = peer.service_view(overview)
    differences = [key for key in expected if expected[key] != answers[key]]
    for key in differences:
        print(
            f"  peer disagrees on {key}:\n    service {expected[key]}\n    peer    {answers[key]}"
        )
    return seconds, differences


async def load_run(service: Service, *, clients: int, requests: int) -> dict[str, Any]:
    """Send `requests` mixed requests from `clients` concurrent clients; return latencies."""
    # The console's everyday windows; 365-day requests are timed one at a time above.
    mix = [(endpoint, days) for endpoint in [*ENDPOINTS, "overview"] for days in (7, 30)]
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(mix[i % len(mix)])
    latencies: list[tuple[str, int, float]] = []
    errors: list[str] = []

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
            while not queue.empty():
                endpoint, days = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(f"/analytics/{endpoint}", params=window(days))
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{endpoint} {days}d: {response.status_code}")
                latencies.append((endpoint, days, elapsed))

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    wall = time.perf_counter() - started
    times = sorted(latency for _, _, latency in latencies)
    short = sorted(t for e, d, t in latencies if d == 7)
    return {
        "requests": len(latencies),
        "clients": clients,
        "errors": errors,
        "wall": wall,
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, int(0.99 * len(times)))],
        "p50_7d": statistics.median(short),
        "p99_7d": short[min(len(short) - 1, int(0.99 * len(short)))],
    }


async def rush_run(service: Service, *, clients: int, rounds: int, days: int) -> dict[str, Any]:
    """Send `clients` concurrent overviews of `days` days, `rounds` times each; return outcomes."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    by_status: dict[int, list[float]] = {}

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:
            for _ in range(rounds):
                started = time.perf_counter()
                response = await client.get("/analytics/overview", params=window(days))
                latency = time.perf_counter() - started
                latencies.append(latency)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                by_status.setdefault(response.status_code, []).append(latency)

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    times = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(times),
        "days": days,
        "wall": time.perf_counter() - started,
        "statuses": dict(sorted(statuses.items())),
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, int(0.99 * len(times)))],
        "longest": times[-1],
        # How long each outcome took: a 503 should come within the pool timeout.
        "by_status": {
            status: {"p50": statistics.median(spent), "longest": max(spent)}
            for status, spent in sorted(by_status.items())
        },
    }


async def measure_cache(service: Service, *, clients: int, reps: int, days: int) -> dict[str, Any]:
    """Time `clients` identical overviews sent at once to an empty cache, then warm repeats."""
    params = window(days)
    async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:

        async def overview() -> httpx.Response:
            response = await client.get("/analytics/overview", params=params)
            response.raise_for_status()
            return response

        started = time.perf_counter()
        together = await asyncio.gather(*(overview() for _ in range(clients)))
        identical = time.perf_counter() - started
        warm, _ = await timed(overview, reps * 4)
    return {
        "clients": clients,
        "identical": identical,
        "etags": len({response.headers["etag"] for response in together}),
        "warm": warm,
    }


async def measure_gzip(service: Service, *, reps: int, days: int) -> dict[str, Any]:
    """Time a warm (cached) overview of `days` days sent plain and gzipped, in turns."""
    params = window(days)
    async with httpx.AsyncClient(base_url=service.base, timeout=900) as client:

        async def fetch(encoding: str) -> tuple[float, int]:
            started = time.perf_counter()
            headers = {"Accept-Encoding": encoding}
            async with client.stream(
                "GET", "/analytics/overview", params=params, headers=headers
            ) as response:
                response.raise_for_status()
                # The bytes as sent: a client's inflating is not the service's cost.
                size = sum([len(chunk) async for chunk in response.aiter_raw()])
            return time.perf_counter() - started, size

        # The first computes and keeps the answer; the second compresses it, once.
        await fetch("identity")
        await fetch("gzip")
        spent: dict[str, list[float]] = {"identity": [], "gzip": []}
        sizes: dict[str, int] = {}
        # In turns, so that whatever else the machine does weighs on both alike.
        for _ in range(reps * 20):
            for encoding, times in spent.items():
                seconds, sizes[encoding] = await fetch(encoding)
                times.append(seconds)
    identity, packed = statistics.median(spent["identity"]), statistics.median(spent["gzip"])
    return {
        "days": days,
        "requests": reps * 20,
        "identity": identity,
        "gzip": packed,
        "ratio": packed / identity,
        "identity_bytes": sizes["identity"],
        "gzip_bytes": sizes["gzip"],
    }


async def measure_tracing(url: str, reps: int, days: int) -> dict[str, Any]:
    """Time the cold overview of `days` days without traces and exporting them, in turns."""
    measured = await tracing.measure(
        lambda settings: Service(url, settings=settings), window(days), requests=reps * 4
    )
    return {"days": days, **measured}


def machine() -> str:
    """Describe this machine in one line."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({model}), {memory} GiB, {platform.platform()}"


def arguments(argv: list[str]) -> argparse.Namespace:
    """Return the benchmark's options from `argv`; `output` is where the report goes."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", default=".pgdata-bench")
    parser.add_argument("--load-clients", type=int, default=16)
    parser.add_argument("--load-requests", type=int, default=320)
    parser.add_argument("--rush-clients", type=int, default=50)
    parser.add_argument("--rush-rounds", type=int, default=4)
    parser.add_argument(
        "--largest-requests",
        type=int,
        default=600,
        help="distinct 3,660-day overviews sent to fill the cache (bench/limits.py)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, default=LOCAL_REPORT, help="the report's file")
    where.add_argument(
        PUBLISH,
        dest="output",
        action="store_const",
        const=PUBLISHED_REPORT,
        help=f"write the report to {PUBLISHED_REPORT.relative_to(ROOT)} (make bench PUBLISH=1)",
    )
    parser.add_argument(
        "--gzip-only",
        action="store_true",
        help="only measure gzip on a warm 365-day overview and print it (no report written)",
    )
    parser.add_argument(
        "--tracing-only",
        action="store_true",
        help="only measure the cold 365-day overview with and without traces exported, and "
        "print it (no report written)",
    )
    return parser.parse_args(argv)


async def main() -> None:
    """Run the whole benchmark and write its report."""
    args = arguments(sys.argv[1:])

    url = args.database_url
    if url is None:
        server = start_server(args.data_dir)
        await create_database(server.get_uri("postgres"), "heritage_bench")
        url = server.get_uri("heritage_bench")
    # The free-text data lives beside the main data, in a database of its own on the same server.
    free_url = make_url(url).set(database=free_text.DATABASE).render_as_string(hide_password=False)
    await create_database(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        free_text.DATABASE,
    )
    connection = await asyncpg.connect(url)
    existing = await connection.fetchval(f"SELECT to_regclass('{TABLE}') IS NOT NULL")
    count = await connection.fetchval(f"SELECT count(*) FROM {TABLE}") if existing else 0
    version = await connection.fetchval("SHOW server_version")
    await connection.close()
    if abs(count - args.rows) > args.rows * 0.1:
        print(f"loading {args.rows:,} rows ({count:,} present)", flush=True)
        end = datetime.now(UTC)
        await load(url, rows=args.rows, days=args.days, products=["pool"], replace=True, end=end)

    if args.tracing_only:
        await set_indexes(url, present=True)
        print(json.dumps(await measure_tracing(url, args.reps, 365)))
        return

    if args.gzip_only:
        await set_indexes(url, present=True)
        service = Service(url, cache=True)
        try:
            await service.ready()
            print(json.dumps(await measure_gzip(service, reps=args.reps, days=365)))
        finally:
            service.stop()
        return

    report: dict[str, Any] = {
        "machine": machine(),
        "postgres": version,
        "rows": args.rows,
        "settings": {
            "pool_timeout": _DEFAULTS.db_pool_timeout_seconds,
            "statement_timeout": _DEFAULTS.db_statement_timeout_ms / 1000,
            "pool": f"{_DEFAULTS.db_pool_size} + {_DEFAULTS.db_max_overflow}",
        },
    }
    for mode in ("without", "with"):
        print(f"== {mode} the recommended indexes ==", flush=True)
        await set_indexes(url, present=mode == "with")
        service = Service(url)
        try:
            await service.ready()
            report[mode] = await measure_windows(url, service, args.reps, [365, 7])
            report[f"explain_{mode}"] = await explain(url, window(7))
            if mode == "with":
                report["peer"], report["peer_differences"] = await run_peer(
                    url, service, args.reps, 365
                )
                report["compare"] = await measure_compare(service, args.reps, args.days // 2)
                report["rss_idle"] = service.memory_mb()
                report["load"] = await load_run(
                    service, clients=args.load_clients, requests=args.load_requests
                )
                # Watched from a second process too (bench/limits.py).
                async with limits.watched(service.base, window(90)) as outside:
                    report["rush"] = await rush_run(
                        service, clients=args.rush_clients, rounds=args.rush_rounds, days=90
                    )
                report["rush_outside"] = outside.seen
                report["rss_load"] = service.memory_mb()
        finally:
            service.stop()
    print("== traces exported to a local collector, and none ==", flush=True)
    report["tracing"] = await measure_tracing(url, args.reps, 365)
    print("== free text: nearly every query distinct ==", flush=True)
    await free_text.ensure_loaded(free_url, rows=args.rows, days=args.days)
    service = Service(free_url)
    try:
        await service.ready()
        report["free_text"] = await free_text.measure(
            free_url,
            service.base,
            reps=args.reps,
            windows={365: window(365), 7: window(7)},
            bounds=bounds,
            floor=floor_query,
            rss=lambda: service.memory_mb()[0],
        )
    finally:
        service.stop()
    print("== with the result cache (in-process, the defaults) ==", flush=True)
    cached = Service(url, cache=True)
    try:
        await cached.ready()
        report["cache"] = await measure_cache(
            cached, clients=args.rush_clients, reps=args.reps, days=365
        )
        report["gzip"] = await measure_gzip(cached, reps=args.reps, days=365)
        report["load_cached"] = await load_run(
            cached, clients=args.load_clients, requests=args.load_requests
        )
    finally:
        cached.stop()
    print("== memory with the cache full of the largest bodies ==", flush=True)
    report["largest_bodies"] = await limits.memory_under_largest_bodies(
        lambda settings: Service(url, cache=True, settings=settings),
        requests=args.largest_requests,
        concurrency=4,
    )
    command = shown_command(sys.argv[1:])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(args.output.write_text, render_markdown(report, command, args.reps))
    print(f"wrote {args.output}", flush=True)
    print(
        json.dumps({k: v for k, v in report.items() if not k.startswith("explain")}, default=str)[
            :3000
        ]
    )


if __name__ == "__main__":
    asyncio.run(main())
