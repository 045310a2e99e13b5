"""Render one benchmark run as docs/performance.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.app.analytics.registry import KPIS
from bench import free_text, limits
from bench.summary import console_summary, glossary_lines

ANALYSIS = Path(__file__).with_name("analysis.md")
# The single KPI endpoints the benchmark times, besides the overview: one per declared KPI.
ENDPOINTS = [kpi.path.removeprefix("/") for kpi in KPIS]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _check(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _times_table(rows: dict[int, dict[str, float]]) -> list[str]:
    lines = [
        "| measured | 365 days | × F | 7 days | × F | 7 d / 365 d |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    year, week = rows[365], rows[7]
    for name in ["F", *ENDPOINTS, "overview", "overview_tz"]:
        lines.append(
            f"| {name} | {_ms(year[name])} | {year[name] / year['F']:.2f} | {_ms(week[name])} "
            f"| {week[name] / week['F']:.2f} | {week[name] / year[name]:.3f} |"
        )
    year_sum = sum(year[name] for name in ENDPOINTS)
    week_sum = sum(week[name] for name in ENDPOINTS)
    lines.append(f"| sum of single endpoints | {_ms(year_sum)} | | {_ms(week_sum)} | | |")
    lines.append(
        f"| overview / sum | {year['overview'] / year_sum:.2f} | | "
        f"{week['overview'] / week_sum:.2f} | | |"
    )
    return lines


def render_markdown(report: dict[str, Any], command: str, reps: int) -> str:
    """Return the Markdown page for `report`."""
    year = report["with"][365]
    week = report["with"][7]
    kpis = [name for name in ENDPOINTS if name != "pain-points"]
    worst_kpi = max(kpis, key=lambda name: year[name] / year["F"])
    year_sum = sum(year[name] for name in ENDPOINTS)
    load = report["load"]
    peak_rss = max(report["rss_idle"][1], report["rss_load"][1])
    rush = report["rush"]
    compared = report["compare"]
    bound = report["settings"]["pool_timeout"] + report["settings"]["statement_timeout"]
    cache = report["cache"]
    packed = report["gzip"]
    traced = report["tracing"]
    cached_load = report["load_cached"]
    targets = [
        (
            "every single KPI ≤ 2 × F",
            f"worst {worst_kpi} {year[worst_kpi] / year['F']:.2f} × F",
            year[worst_kpi] / year["F"] <= 2,
        ),
        (
            "pain points (local classifier) ≤ 2.5 × F",
            f"{year['pain-points'] / year['F']:.2f} × F",
            year["pain-points"] / year["F"] <= 2.5,
        ),
        (
            "overview ≤ 3 × F",
            f"{year['overview'] / year['F']:.2f} × F",
            year["overview"] / year["F"] <= 3,
        ),
        (
            "overview ≤ 0.4 × sum of single endpoints",
            f"{year['overview'] / year_sum:.2f}",
            year["overview"] / year_sum <= 0.4,
        ),
        (
            "7-day overview ≤ 0.05 × 365-day overview (with indexes)",
            f"{week['overview'] / year['overview']:.3f}; worst single endpoint "
            f"{max(week[n] / year[n] for n in ENDPOINTS):.3f}",
            week["overview"] / year["overview"] <= 0.05,
        ),
        (
            "tz overview: 7-day ≤ 0.05 × 365-day, and ≤ 1.1 × the UTC overview",
            f"7 d / 365 d {week['overview_tz'] / year['overview_tz']:.3f}; tz / UTC (timed in "
            f"turns) 365 d {year['overview_tz'] / year['overview_utc_paired']:.2f}, 7 d "
            f"{week['overview_tz'] / week['overview_utc_paired']:.2f}",
            week["overview_tz"] / year["overview_tz"] <= 0.05
            and year["overview_tz"] <= 1.1 * year["overview_utc_paired"],
        ),
        (
            "overview with compare=previous_period ≤ 2 × the overview (182 days, both periods "
            "holding data)",
            f"{compared['overview_compare'] / compared['overview']:.2f} "
            f"({_ms(compared['overview_compare'])} against {_ms(compared['overview'])})",
            compared["overview_compare"] <= 2 * compared["overview"],
        ),
        (
            "peer / overview ≥ 2",
            f"{report['peer'] / year['overview']:.2f} (peer {_ms(report['peer'])})",
            report["peer"] / year["overview"] >= 2,
        ),
        ("service RSS ≤ 300 MB throughout", f"peak {peak_rss:.0f} MB", peak_rss <= 300),
        (
            "rush: no 500, no answer slower than pool + statement timeout",
            f"statuses {rush['statuses']}; longest {rush['longest']:.1f} s (bound {bound:.0f} s)",
            500 not in rush["statuses"] and rush["longest"] <= bound,
        ),
        (
            "rush: p99 ≤ 3 × p50",
            f"p50 {_ms(rush['p50'])}, p99 {_ms(rush['p99'])} ({rush['p99'] / rush['p50']:.1f} ×)",
            rush["p99"] <= 3 * rush["p50"],
        ),
        (
            "warm overview ≤ 0.05 × cold overview (365 days; cold: the cache off)",
            f"{cache['warm'] / year['overview']:.4f} ({_ms(cache['warm'])} against "
            f"{_ms(year['overview'])})",
            cache["warm"] <= 0.05 * year["overview"],
        ),
        (
            "gzip on a warm (cached) 365-day overview ≤ 1.05 × the same answer uncompressed",
            f"{packed['ratio']:.3f} ({_ms(packed['gzip'])} against {_ms(packed['identity'])}; "
            f"{packed['gzip_bytes']:,} bytes against {packed['identity_bytes']:,})",
            packed["ratio"] <= 1.05,
        ),
        (
            "overview with traces exported to a local collector ≤ 1.05 × the overview without "
            "(365 days, cold)",
            f"{traced['ratio']:.3f} ({_ms(traced['traced'])} against {_ms(traced['plain'])})",
            traced["ratio"] <= 1.05,
        ),
        (
            f"{cache['clients']} identical cold overviews at once ≈ one computation (≤ 1.5 × one "
            "cold overview)",
            f"{cache['identical'] / year['overview']:.2f} × ({_ms(cache['identical'])} for all; "
            f"{cache['etags']} distinct ETag)",
            cache["identical"] <= 1.5 * year["overview"] and cache["etags"] == 1,
        ),
        (
            "load run: 0 errors, p99 ≤ 3 × p50",
            f"{len(load['errors'])} errors; p50 {_ms(load['p50'])}, p99 {_ms(load['p99'])} "
            f"({load['p99'] / load['p50']:.1f} ×)",
            not load["errors"] and load["p99"] <= 3 * load["p50"],
        ),
    ]
    free_targets, free_lines = free_text.render(report["free_text"], reps)
    limit_targets, limit_lines = limits.render(report, report["settings"]["pool_timeout"])
    targets += free_targets + limit_targets
    lines = [
        "# Performance",
        "",
        "Written by the benchmark (`bench/run.py`); do not edit by hand: the five lines below",
        "are worked out from this run (`bench/summary.py`), the glossary comes from",
        "`bench/glossary.md` and the analysis at the end from `bench/analysis.md`.",
        "",
        *console_summary(report, ENDPOINTS),
        *glossary_lines(),
        "## This run",
        "",
        f"- Command: `{command}`",
        f"- Machine: {report['machine']}",
        f"- PostgreSQL {report['postgres']}; {report['rows']:,} rows in `interaction_log` over "
        "365 days (`python -m backend.demo.volume`: realistic text sizes, long-tail users)",
        f"- Medians of {reps} repetitions after one warm-up request, one run, through the real "
        "HTTP stack (uvicorn, httpx). F, the floor, is `SELECT count(*) FROM (SELECT session_id "
        "FROM interaction_log WHERE <window> GROUP BY session_id)`, timed in the same run on a "
        "connection with the service's settings (`work_mem=64MB`, `jit=off`). `overview_tz` is "
        "the overview with `tz=America/Chicago`, timed in turns with a UTC overview (the "
        "tz / UTC ratio is between those two). Every figure but the cache's own is measured "
        "with the result cache off (`CACHE_SETTLED_TTL_SECONDS=0`, `CACHE_RECENT_TTL_SECONDS=0`).",
        "",
        "## Targets (1M rows, 365-day window, with the recommended indexes)",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        *[f"| {name} | {value} | {_check(ok)} |" for name, value, ok in targets],
        "",
        "## With the recommended indexes (`alembic-free-schema-fixtures/indexes.sql`)",
        "",
        *_times_table(report["with"]),
        "",
        "## Without them",
        "",
        *_times_table(report["without"]),
        "",
        *free_lines,
        "## The pandas peer",
        "",
        f"Fetching the 365-day window's rows and computing every KPI in pandas (`bench/peer.py`) "
        f"took {_ms(report['peer'])} (median), {report['peer'] / year['overview']:.1f} × the "
        "overview. Its answers were compared with the service's overview, KPI by KPI: "
        + (
            "all equal."
            if not report["peer_differences"]
            else "they differ on " + ", ".join(report["peer_differences"]) + "."
        ),
        "",
        "## Memory and load",
        "",
        f"- Service RSS: {report['rss_idle'][0]:.0f} MB after the timed requests, peak "
        f"{peak_rss:.0f} MB through the load run.",
        f"- Load run: {load['requests']} requests from {load['clients']} concurrent clients, "
        "every endpoint and the overview on 7- and 30-day windows in turn, in "
        f"{load['wall']:.0f} s: {len(load['errors'])} errors; p50 {_ms(load['p50'])}, p99 "
        f"{_ms(load['p99'])}; 7-day requests alone p50 {_ms(load['p50_7d'])}, p99 "
        f"{_ms(load['p99_7d'])}.",
        f"- The same load run with the result cache on (its defaults, in the process): "
        f"{len(cached_load['errors'])} errors; p50 {_ms(cached_load['p50'])}, p99 "
        f"{_ms(cached_load['p99'])} in {cached_load['wall']:.1f} s (the first request of each of "
        "the 20 kinds computes, the rest are reused: p99 is a computation, p50 a reuse).",
        f"- Result cache: {cache['clients']} identical 365-day overviews sent at once to an empty "
        f"cache were all answered in {_ms(cache['identical'])} "
        f"({cache['identical'] / year['overview']:.2f} × one cold overview; one computation, the "
        f"others waited for it); a warm repeat takes {_ms(cache['warm'])} (median of "
        f"{reps * 4}).",
        f"- Compression: the warm 365-day overview is {packed['identity_bytes']:,} bytes, "
        f"{packed['gzip_bytes']:,} gzipped; sent plain it takes {_ms(packed['identity'])}, "
        f"gzipped {_ms(packed['gzip'])} ({packed['ratio']:.3f} ×; medians of "
        f"{packed['requests']} each, timed in turns, the bytes read as sent). A reused answer is "
        "compressed once and its gzip body kept.",
        f"- Traces: the cold {traced['days']}-day overview takes {_ms(traced['plain'])} without "
        f"them and {_ms(traced['traced'])} with every span exported over OTLP/HTTP to a collector "
        f"on the same machine ({traced['ratio']:.3f} ×; medians of {traced['requests']} each, "
        f"timed in turns on two services; {traced['exports']} exports, "
        f"{traced['exported_bytes']:,} bytes).",
        f"- Rush: {rush['clients']} clients each asking for the 90-day overview "
        f"{rush['requests'] // rush['clients']} times in a row ({rush['requests']} requests, pool "
        f"{report['settings']['pool']}, pool timeout {report['settings']['pool_timeout']:g} s) in "
        f"{rush['wall']:.0f} s: statuses {rush['statuses']}; p50 {_ms(rush['p50'])}, p99 "
        f"{_ms(rush['p99'])}, longest {rush['longest']:.1f} s; by status "
        + ", ".join(
            f"{status}: p50 {_ms(spent['p50'])}, longest {spent['longest']:.1f} s"
            for status, spent in rush["by_status"].items()
        )
        + " (latencies as the benchmark's own "
        "clients see them, all 50 in one Python process).",
        "",
        *limit_lines,
        "## EXPLAIN (ANALYZE, BUFFERS) of the floor query, 7-day window",
        "",
        "Without the index:",
        "",
        "```",
        report["explain_without"],
        "```",
        "",
        "With it:",
        "",
        "```",
        report["explain_with"],
        "```",
        "",
    ]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text()]
    return "\n".join(lines)
