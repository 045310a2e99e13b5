"""The per-session relation, and the session metrics' and volume's columns over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypedDict

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    DateTime,
    FromClause,
    Numeric,
    Table,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from backend.app.db import category_queries
from backend.app.db.expressions import (
    Columns,
    exact_date,
    has_session,
    normalised_feedback,
    rounded,
    row_columns,
    sample_columns,
    top_value,
    window_filter,
)
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.sessions import SessionMetrics


class SessionPart(StrEnum):
    """Optional columns of the per-session relation; a KPI names the ones its columns read."""

    FEEDBACK = "feedback"
    CATEGORIES = "categories"
    TOOLS = "tools"


def session_relation(
    *,
    table: Table,
    filters: AnalyticsFilters,
    parts: frozenset[SessionPart] = frozenset(),
    by_user: bool = False,
) -> CTE:
    """Return one row per session in the window (per session and user with `by_user`).

    Every row has `session_id`, `first_seen` and `last_seen`. `by_user` adds `user_id` (NULL for
    anonymous rows); FEEDBACK adds `has_negative` and `has_positive`; CATEGORIES adds
    `category_0` .. `category_10` (messages per labelled bucket) and `primary_bucket`; TOOLS adds
    `tool_0` .. `tool_10` (messages per agent-tool bucket), unless CATEGORIES reads the same label:
    its columns are the tools' then (`category_queries.tool_column`).
    """
    columns: list[ColumnElement[Any]] = [
        table.c.session_id.label("session_id"),
        func.min(table.c.time_stamp).label("first_seen"),
        func.max(table.c.time_stamp).label("last_seen"),
    ]
    keys: list[ColumnElement[Any]] = [table.c.session_id]
    if by_user:
        # NULL and '' both mean "no user": one key for both, so a session has one anonymous row.
        user = func.nullif(table.c.user_id, "")
        columns.append(user.label("user_id"))
        keys.append(user)
    if SessionPart.FEEDBACK in parts:
        feedback = normalised_feedback(table)
        columns.append(func.bool_or(feedback == "negative").label("has_negative"))
        columns.append(func.bool_or(feedback == "positive").label("has_positive"))
    source: FromClause = table
    lookup = category_queries.label_buckets(table=table)
    counted: list[ColumnElement[str]] = []
    for part, prefix, label in (
        (SessionPart.CATEGORIES, "category", category_queries.category_label(table)),
        (SessionPart.TOOLS, "tool", category_queries.agent_tool_label(table)),
    ):
        if part not in parts:
            continue
        # Categories and tools read the same label today: one lookup join serves both, and one
        # set of per-bucket counts, which the materialised sessions would otherwise hold twice.
        if any(known.compare(label) for known in counted):
            continue
        # A second label joins the same lookup under a name of its own.
        joined = lookup.alias(f"{lookup.name}_{prefix}") if counted else lookup
        source, bucket = category_queries.message_bucket(joined, source, label)
        counted.append(label)
        columns.extend(category_queries.bucket_counts(bucket, prefix))
    grouped = (
        select(*columns)
        .select_from(source)
        .where(window_filter(table=table, filters=filters), has_session(table))
        .group_by(*keys)
    )
    if SessionPart.CATEGORIES not in parts:
        return grouped.cte("session_user_pairs" if by_user else "sessions")
    counts = grouped.subquery("session_counts")
    primary = category_queries.primary_bucket(counts).label("primary_bucket")
    # MATERIALIZED: the primary bucket is computed once per session. Inlined, PostgreSQL would
    # compute it again inside each of the twelve per-bucket counts over the sessions.
    return select(counts, primary).cte("sessions").prefix_with("MATERIALIZED")


def _duration(sessions: FromClause) -> ColumnElement[Any]:
    """Return each session's duration in seconds: from its first row to its last."""
    return func.extract("epoch", sessions.c.last_seen - sessions.c.first_seen)


def session_metrics_columns(sessions: FromClause) -> Columns:
    """Return sessions, those with negative and positive feedback, and duration statistics."""
    duration = _duration(sessions)
    return row_columns(
        SessionMetrics,
        total_sessions=func.count(),
        negative_feedback_sessions=func.count().filter(sessions.c.has_negative),
        positive_feedback_sessions=func.count().filter(sessions.c.has_positive),
        avg_session_duration_seconds=rounded(func.avg(duration)),
        # Linear interpolation between the closest ranks; NULL over no session.
        median_session_duration_seconds=rounded(func.percentile_cont(0.5).within_group(duration)),
        p90_session_duration_seconds=rounded(func.percentile_cont(0.9).within_group(duration)),
    )


def duration_sample(sessions: FromClause) -> Columns:
    """Return the sessions behind the mean duration: how many, the exact mean and variance."""
    return sample_columns(_duration(sessions))


@dataclass(frozen=True, kw_only=True)
class DayGrid:
    """The window's local days as the SQL needs them, as plain values from its calendar."""

    first_day: date
    day_count: int
    # Dates the zone skipped, which never happened.
    skipped: tuple[date, ...]
    # The UTC instant each local date after the first began, in order.
    later_day_starts: tuple[datetime, ...]
    # Days of the window elapsed at the request time, and the first and last complete day.
    elapsed_days: Decimal
    complete: tuple[date, date] | None


class VolumeRow(TypedDict):
    """What volume's statement computes: the body's numbers, its days as parallel arrays."""

    total_sessions: int
    days: int
    avg_sessions_per_day: Decimal | None
    peak_date: date
    peak_sessions: int
    lowest_date: date
    lowest_sessions: int
    daily_dates: list[date]
    daily_sessions: list[int]


def window_days(*, grid: DayGrid) -> CTE:
    """Return every local date of the window, inclusive at both ends."""
    # A series of dates, not of timestamptz, which would follow the session's time zone.
    offset = func.generate_series(0, grid.day_count - 1).column_valued("offset")
    day = (exact_date(grid.first_day) + offset).label("day")
    days = select(day)
    skipped = grid.skipped
    if skipped:
        # Dates the zone skipped (Samoa's 2011-12-30) never happened: they are no day of the window.
        days = days.where(day.not_in([exact_date(date) for date in skipped]))
    return days.cte("window_days")


def local_day(instant: ColumnElement[Any], grid: DayGrid) -> ColumnElement[Any]:
    """Return the local date, in the window's zone, of a UTC `instant` inside the window."""
    first_day = exact_date(grid.first_day)
    starts = list(grid.later_day_starts)
    if not starts:
        return first_day
    # How many local dates after the first had begun by `instant`: a binary search over the
    # instants Python's zoneinfo gave for each local midnight, bound as one array parameter.
    began = func.width_bucket(instant, cast(literal(starts, ARRAY(DateTime)), ARRAY(DateTime)))
    return first_day + began


def volume_columns(sessions: FromClause, *, grid: DayGrid) -> Columns:
    """Return sessions per day (zero-filled), their total and mean, and the peak and lowest day.

    The mean is per elapsed day, and the lowest day is the lowest complete day (of all days when
    none is complete), as `grid` gives them at the request time.
    """
    # One grid for the zero-filled days and each session's day: the same day starts.
    elapsed = literal(grid.elapsed_days, Numeric)
    complete = grid.complete
    days = window_days(grid=grid)
    session_day = local_day(sessions.c.first_seen, grid)
    # Count per day first (a few hundred groups), then zero-fill from the calendar.
    per_day = (
        select(session_day.label("day"), func.count().label("sessions"))
        .select_from(sessions)
        .group_by(session_day)
        .subquery("sessions_per_day")
    )
    daily = (
        select(days.c.day, func.coalesce(per_day.c.sessions, 0).label("sessions"))
        .select_from(days.outerjoin(per_day, per_day.c.day == days.c.day))
        .cte("daily")
    )
    total = cast(func.sum(daily.c.sessions), BigInteger)

    def over_days(
        value: ColumnElement[Any], where: ColumnElement[bool] | None = None
    ) -> ColumnElement[Any]:
        query = select(value).select_from(daily)
        return (query if where is None else query.where(where)).scalar_subquery()

    # The lowest day is looked for among the complete days, a range of dates, when there are any.
    among = (
        None
        if complete is None
        else daily.c.day.between(exact_date(complete[0]), exact_date(complete[1]))
    )
    # Ties go to the earliest date: order by the count, then by date ascending.
    return row_columns(
        VolumeRow,
        total_sessions=over_days(total),
        days=over_days(func.count()),
        # NULL when nothing has elapsed: a window wholly in the future has no mean yet.
        avg_sessions_per_day=over_days(rounded(total / func.nullif(elapsed, 0))),
        peak_date=top_value(daily, daily.c.day, daily.c.sessions.desc(), daily.c.day),
        peak_sessions=over_days(func.max(daily.c.sessions)),
        lowest_date=top_value(daily, daily.c.day, daily.c.sessions.asc(), daily.c.day, where=among),
        lowest_sessions=over_days(func.min(daily.c.sessions), where=among),
        daily_dates=over_days(func.array_agg(aggregate_order_by(daily.c.day, daily.c.day))),
        daily_sessions=over_days(func.array_agg(aggregate_order_by(daily.c.sessions, daily.c.day))),
    )
