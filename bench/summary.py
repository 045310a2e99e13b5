"""The top of docs/performance.md: what the console feels like, in five lines, and the glossary.

The five lines are worked out from the run they head, so that each publish keeps them true; the
glossary is hand-written (`bench/glossary.md`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend.demo.embedded import DEMO_DAYS, DEMO_ROWS_PER_PRODUCT

GLOSSARY = Path(__file__).with_name("glossary.md")


def _seconds(seconds: float) -> str:
    """Return a duration as a reader says it: milliseconds under a second, else seconds."""
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.1f} s"


def console_summary(report: dict[str, Any], endpoints: Sequence[str]) -> list[str]:
    """Return the section that says, in five lines, how long the console waits for an answer.

    `endpoints` are the single KPI endpoints the run timed, besides the overview.
    """
    year, week = report["with"][365], report["with"][7]
    single = [week[name] for name in endpoints]
    compared = report["compare"]
    free_year, free_week = report["free_text"]["365"], report["free_text"]["7"]
    return [
        "## What the console feels like",
        "",
        f"Measured in this run, on a log of {report['rows']:,} rows over a year (the demo data "
        f"of `make run` holds {DEMO_ROWS_PER_PRODUCT:,} per product over {DEMO_DAYS} days), with "
        "the recommended index, on the machine named below. Each figure is a median, given "
        "again further down.",
        "",
        f"- **A week, opened cold:** the overview (every KPI at once) in "
        f"{_seconds(week['overview'])}; a single KPI in {_seconds(min(single))} to "
        f"{_seconds(max(single))}.",
        f"- **A year, opened cold:** the overview in {_seconds(year['overview'])}.",
        f"- **Opened again:** {_seconds(report['cache']['warm'])} for the same year-long overview "
        "from the result cache (a window that ended over an hour ago is kept a day, any other "
        "for 60 s).",
        f"- **Beside the previous period** (`compare`): "
        f"{compared['overview_compare'] / compared['overview']:.1f} times as long "
        f"({_seconds(compared['overview_compare'])} against {_seconds(compared['overview'])} for "
        "half a year).",
        f"- **Free text**, nearly every question distinct as in real logs: the overview in "
        f"{_seconds(free_week['overview'])} for a week, {_seconds(free_year['overview'])} for a "
        "year; pain points alone, which read every text, take "
        f"{_seconds(free_year['pain-points'])}.",
        "",
    ]


def glossary_lines() -> list[str]:
    """Return the hand-written glossary, as the page carries it."""
    return [GLOSSARY.read_text().rstrip(), ""]
