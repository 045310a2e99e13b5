"""The peer a user would reach for: fetch the window's rows and compute the KPIs in pandas."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import pandas as pd

from backend.app.analytics.pain_points.keyword_rules import classify_text
from backend.app.models.categories import CATEGORIES, OTHER_BUCKET, UNCATEGORIZED_BUCKET

KEYS = {category.key: index for index, category in enumerate(CATEGORIES)}


def r2(value: float | None) -> float | None:
    """Round half away from zero to 2 decimals, as the service does."""
    if value is None or pd.isna(value):
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def pct(part: int, whole: int) -> float | None:
    """Return 100 * part / whole rounded, or None for a zero whole."""
    return r2(100 * part / whole) if whole else None


def bucket_of(label: str) -> int:
    """Return the category bucket of one raw label."""
    if label == "":
        return UNCATEGORIZED_BUCKET
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return KEYS.get(key, OTHER_BUCKET)


async def fetch(
    url: str,
    table: str,
    start: datetime,
    end: datetime,
    *,
    environment: str | None = None,
    user_id: str | None = None,
) -> pd.DataFrame:
    """Fetch the window's rows (the columns the KPIs read) into a DataFrame."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            f"SELECT time_stamp, user_id, session_id, user_feedback, "
            f"query_category::text AS query_category, input FROM {table} "
            "WHERE time_stamp >= $1 AND time_stamp <= $2 "
            "AND ($3::text IS NULL OR environment = $3) AND ($4::text IS NULL OR user_id = $4)",
            start,
            end,
            environment,
            user_id,
        )
    finally:
        await connection.close()
    columns = ["time_stamp", "user_id", "session_id", "user_feedback", "query_category", "input"]
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    # Typed even when the window is empty, so that the datetime arithmetic below still applies.
    return frame.astype({"time_stamp": "datetime64[ns]"})


def _local_days(
    start: datetime, end: datetime, tz: str, now: datetime
) -> tuple[list[date], list[float], list[bool]]:
    """Return the window's local dates, each one's elapsed share at `now`, and completeness."""
    begin, last = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
    # The window as [start, end + 1 µs), as the service takes it.
    stop = last + pd.Timedelta(1, "us")
    moment = pd.Timestamp(now).tz_convert("UTC")
    first_day, last_day = begin.tz_convert(tz).date(), last.tz_convert(tz).date()
    days = list(pd.date_range(first_day, last_day, freq="D").date)
    # Each local midnight as an instant; a skipped midnight is the first instant after the gap.
    midnights = [
        pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward").tz_convert("UTC")
        for day in [*days, days[-1] + timedelta(days=1)]
    ]
    shares, complete = [], []
    for opens, closes in itertools.pairwise(midnights):
        part_start, part_end = max(opens, begin), min(closes, stop)
        whole = (part_end - part_start).value
        passed = (min(part_end, max(moment, part_start)) - part_start).value
        shares.append(passed / whole if whole > 0 else 0.0)
        complete.append(opens >= begin and closes <= stop and closes <= moment)
    return days, shares, complete


def _sessions(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series[Any], pd.Series[Any]]:
    """Return the rows of sessions, and each session's first and last time stamp."""
    s = df[df.session_id.notna() & (df.session_id != "")]
    by_session = s.groupby("session_id")
    return s, by_session.time_stamp.min(), by_session.time_stamp.max()


def _users(s: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series[Any]]:
    """Return each user's sessions and first and last chat, the returning ones, their spans."""
    u = s[s.user_id.notna() & (s.user_id != "")]
    per_user = u.groupby("user_id").agg(
        sessions=("session_id", "nunique"), first=("time_stamp", "min"), last=("time_stamp", "max")
    )
    returning = per_user[per_user.sessions >= 2]
    span = (returning["last"] - returning["first"]).dt.total_seconds() / 86400
    return per_user, returning, span


def kpis(
    df: pd.DataFrame, start: datetime, end: datetime, tz: str = "UTC", *, now: datetime
) -> dict[str, Any]:
    """Compute every KPI of docs/metrics.md from the window's rows; days are local dates in `tz`.

    `start` and `end` are the window's first and last instants (naive UTC, as fetched), `now`
    the request time: the mean is per elapsed day, the lowest day among the complete days.
    """
    s, first, last = _sessions(df)
    by_session = s.groupby("session_id")
    feedback = s.user_feedback.fillna("").str.strip().str.lower()
    total = int(by_session.ngroups)
    durations = (last - first).dt.total_seconds()
    out: dict[str, Any] = {
        "sessions": {
            "total_sessions": total,
            "negative_feedback_sessions": int(s[feedback == "negative"].session_id.nunique()),
            "positive_feedback_sessions": int(s[feedback == "positive"].session_id.nunique()),
            "avg_session_duration_seconds": r2(durations.mean()) if total else None,
            # pandas' default quantile interpolates linearly, as percentile_cont does.
            "median_session_duration_seconds": r2(float(durations.quantile(0.5)))
            if total
            else None,
            "p90_session_duration_seconds": r2(float(durations.quantile(0.9))) if total else None,
        }
    }
    days, shares, complete = _local_days(start, end, tz, now)
    local_first = first.dt.tz_localize("UTC").dt.tz_convert(tz).dt.date
    daily = local_first.value_counts().reindex(days, fill_value=0)
    peak = max(daily.items(), key=lambda item: (item[1], -item[0].toordinal()))
    finished = [item for item, done in zip(daily.items(), complete, strict=True) if done]
    low = min(finished or daily.items(), key=lambda item: (item[1], item[0].toordinal()))
    elapsed = sum(shares)
    out["volume"] = {
        "total_sessions": int(daily.sum()),
        "days": len(days),
        "elapsed_days": r2(elapsed),
        "avg_sessions_per_day": r2(daily.sum() / elapsed) if elapsed else None,
        "peak_day": {"date": peak[0].isoformat(), "sessions": int(peak[1])},
        "lowest_day": {"date": low[0].isoformat(), "sessions": int(low[1])},
        "daily": [{"date": d.isoformat(), "sessions": int(n)} for d, n in daily.items()],
    }
    per_user, returning, span = _users(s)
    users = len(per_user)
    out["engagement"] = {
        "unique_users": users,
        "total_conversations": total,
        "avg_conversations_per_user": r2(per_user.sessions.mean()) if users else None,
    }
    one_time = int((per_user.sessions == 1).sum())
    out["retention"] = {
        "unique_users": users,
        "returning_users": len(returning),
        "one_time_users": one_time,
        "returning_users_pct": pct(len(returning), users),
        "one_time_users_pct": pct(one_time, users),
    }
    ordered = sorted(per_user.sessions.items(), key=lambda item: (-item[1], str(item[0]).encode()))
    longest = sorted(span.items(), key=lambda item: (-item[1], str(item[0]).encode()))
    out["returning_users"] = {
        "returning_users": len(returning),
        "avg_sessions_per_returning_user": r2(returning.sessions.mean())
        if len(returning)
        else None,
        "most_active_user": {"user_id": ordered[0][0], "sessions": int(ordered[0][1])}
        if ordered
        else None,
        "avg_days_first_to_last_chat": r2(span.mean()) if len(returning) else None,
        "longest_active_span": {"user_id": longest[0][0], "days": r2(longest[0][1])}
        if longest
        else None,
    }
    bounds = [(10, None), (3, 9), (2, 2), (1, 1)]
    out["segments"] = [
        int(((per_user.sessions >= lo) & (per_user.sessions <= (hi or 10**9))).sum())
        for lo, hi in bounds
    ]
    labels = s.query_category.fillna("")
    lookup = {label: bucket_of(label) for label in labels.unique()}
    pairs = pd.DataFrame({"session_id": s.session_id, "bucket": labels.map(lookup)})
    counts = pairs.groupby(["session_id", "bucket"]).size().reset_index(name="n")
    labelled = counts[counts.bucket != UNCATEGORIZED_BUCKET]
    best = labelled.sort_values(["session_id", "n", "bucket"], ascending=[True, False, True])
    primary = best.drop_duplicates("session_id").set_index("session_id").bucket
    primary = primary.reindex(first.index, fill_value=UNCATEGORIZED_BUCKET)
    out["query_categories"] = [int((primary == b).sum()) for b in range(UNCATEGORIZED_BUCKET + 1)]
    out["tool_usage"] = [int((labelled.bucket == b).sum()) for b in range(OTHER_BUCKET + 1)]
    texts = df.input.dropna()
    texts = texts[texts.str.contains(r"\S", regex=True)]
    normalised = texts.str.strip().str.replace(r"\s+", " ", regex=True).str.lower()
    clusters = {text: classify_text(text) for text in normalised.unique()}
    cluster_counts = normalised.map(clusters).value_counts()
    out["pain_points"] = [int(cluster_counts.get(c, 0)) for c in range(5)]
    return out


def service_view(overview: dict[str, Any]) -> dict[str, Any]:
    """Return the service's overview in the peer's shape, for comparison."""
    view = {key: overview[key] for key in ("sessions", "volume", "engagement", "retention")}
    # The peer counts sessions per day; the calendar's hours and completeness are not counts.
    view["volume"] = {
        **overview["volume"],
        "daily": [
            {"date": d["date"], "sessions": d["sessions"]} for d in overview["volume"]["daily"]
        ],
    }
    view["returning_users"] = overview["returning_users"]
    view["segments"] = [segment["users"] for segment in overview["segments"]["segments"]]
    view["query_categories"] = [c["sessions"] for c in overview["query_categories"]["categories"]]
    tools = sorted(overview["tool_usage"]["tools"], key=lambda t: _TOOL_ORDER[t["tool"]])
    view["tool_usage"] = [tool["sessions"] for tool in tools]
    view["pain_points"] = [cluster["count"] for cluster in overview["pain_points"]["clusters"]]
    return view


_TOOL_ORDER = {category.name: index for index, category in enumerate(CATEGORIES)} | {"Other": 10}
