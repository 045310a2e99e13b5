"""The peer's tests of change: what a notebook would compute from two windows' rows.

It shares nothing with the service but the definitions (docs/metrics.md): the counts and units
come from pandas (bench/peer.py), the percentages' test is the chi-square test of the 2x2 table
without continuity correction (the pooled z-test squared), Welch's test runs on the raw units,
and the discoveries come from scipy's Benjamini-Hochberg adjustment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from bench.peer import _sessions, _users

# A section's p-values: top-level numbers by name, a list's items as dicts in canonical order.
Family = dict[str, Any]


def units(df: pd.DataFrame) -> dict[str, list[float]]:
    """Return the units behind each mean the service tests, by field, from the window's rows."""
    s, first, last = _sessions(df)
    per_user, returning, span = _users(s)
    return {
        "avg_session_duration_seconds": (last - first).dt.total_seconds().tolist(),
        "avg_conversations_per_user": per_user.sessions.astype(float).tolist(),
        "avg_sessions_per_returning_user": returning.sessions.astype(float).tolist(),
        "avg_days_first_to_last_chat": span.tolist(),
    }


def _poisson(n1: int, n2: int, t1: float, t2: float) -> float | None:
    if n1 + n2 == 0:
        return None
    return float(stats.binomtest(n1, n1 + n2, t1 / (t1 + t2)).pvalue)


def _share(x1: int, n1: int, x2: int, n2: int) -> float | None:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    # A zero row or column: the test is undefined (scipy refuses a zero expected frequency).
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return None
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def _welch(a: list[float], b: list[float]) -> float | None:
    if len(a) < 2 or len(b) < 2 or (np.var(a) == 0 and np.var(b) == 0):
        return None
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def families(
    now: dict[str, Any],
    before: dict[str, Any],
    units_now: dict[str, list[float]],
    units_before: dict[str, list[float]],
    exposures: tuple[float, float],
) -> dict[str, Family]:
    """Return each section's p-values, from the peer's KPIs and units of two windows."""

    def poisson(read: Callable[[dict[str, Any]], int]) -> float | None:
        return _poisson(read(now), read(before), *exposures)

    def welch(name: str) -> float | None:
        return _welch(units_now[name], units_before[name])

    def items(section: str, whole: Callable[[dict[str, Any]], int]) -> list[dict[str, Any]]:
        counts_now, counts_before = now[section], before[section]
        return [
            {
                "count": _poisson(c1, c2, *exposures),
                "percent": _share(c1, whole(now), c2, whole(before)),
            }
            for c1, c2 in zip(counts_now, counts_before, strict=True)
        ]

    def total(section: str) -> Callable[[dict[str, Any]], int]:
        return lambda kpis: int(kpis[section]["total_sessions"])

    def users(name: str) -> Callable[[dict[str, Any]], int]:
        return lambda kpis: int(kpis["retention"][name])

    return {
        "sessions": {
            "total_sessions": poisson(total("sessions")),
            "negative_feedback_sessions": poisson(
                lambda k: k["sessions"]["negative_feedback_sessions"]
            ),
            "positive_feedback_sessions": poisson(
                lambda k: k["sessions"]["positive_feedback_sessions"]
            ),
            "avg_session_duration_seconds": welch("avg_session_duration_seconds"),
        },
        "pain_points": {
            "total_queries": poisson(lambda k: sum(k["pain_points"])),
            "clusters": items("pain_points", lambda k: sum(k["pain_points"])),
        },
        "volume": {
            "total_sessions": poisson(total("volume")),
            "avg_sessions_per_day": poisson(total("volume")),
        },
        "engagement": {
            "unique_users": poisson(users("unique_users")),
            "total_conversations": poisson(lambda k: k["engagement"]["total_conversations"]),
            "avg_conversations_per_user": welch("avg_conversations_per_user"),
        },
        "retention": {
            "unique_users": poisson(users("unique_users")),
            "returning_users": poisson(users("returning_users")),
            "one_time_users": poisson(users("one_time_users")),
            "returning_users_pct": _share(
                now["retention"]["returning_users"],
                now["retention"]["unique_users"],
                before["retention"]["returning_users"],
                before["retention"]["unique_users"],
            ),
            "one_time_users_pct": _share(
                now["retention"]["one_time_users"],
                now["retention"]["unique_users"],
                before["retention"]["one_time_users"],
                before["retention"]["unique_users"],
            ),
        },
        "query_categories": {
            "total_sessions": poisson(total("sessions")),
            "categories": items("query_categories", total("sessions")),
        },
        "tool_usage": {
            "total_sessions": poisson(total("sessions")),
            "tools": items("tool_usage", lambda k: sum(k["tool_usage"])),
        },
        "returning_users": {
            "returning_users": poisson(users("returning_users")),
            "avg_sessions_per_returning_user": welch("avg_sessions_per_returning_user"),
            "avg_days_first_to_last_chat": welch("avg_days_first_to_last_chat"),
        },
        "segments": {
            "unique_users": poisson(users("unique_users")),
            "segments": items("segments", users("unique_users")),
        },
    }


def discoveries(family: Family) -> list[bool]:
    """Return whether each number p-value of `family` is a discovery, in `flatten`'s order."""
    found = [p for p in flatten(family) if p is not None]
    if not found:
        return []
    return [bool(q <= 0.05) for q in stats.false_discovery_control(found, method="bh")]


def flatten(family: Family) -> list[Any]:
    """Return the family's values in order: top-level first, each item's after its list's place."""
    flat: list[Any] = []
    for value in family.values():
        if isinstance(value, list):
            flat.extend(entry for item in value for entry in item.values())
        else:
            flat.append(value)
    return flat
