"""Session-grain KPIs: sessions, volume, query categories and tool usage, declared once each."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy import FromClause

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion, Welch
from backend.app.analytics.grains import Grain
from backend.app.analytics.kinds import AggregateKpi, ModelKpi
from backend.app.analytics.window import Window
from backend.app.db import category_queries, queries
from backend.app.db.category_queries import ALL_BUCKETS, LABELLED_BUCKETS, BucketsRow
from backend.app.db.expressions import Columns
from backend.app.db.queries import DayGrid, SessionPart, VolumeRow
from backend.app.models.calendar import complete_range, elapsed_days
from backend.app.models.categories import (
    BUCKET_NAMES,
    CategoryShare,
    QueryCategories,
    ToolShare,
    ToolUsage,
)
from backend.app.models.rounding import as_float, two_places
from backend.app.models.sessions import DailyCount, DayCount, SessionMetrics, VolumeTrends


class SessionsKpi(ModelKpi[SessionMetrics]):
    """Count sessions, those with negative and positive feedback, and their duration."""

    name = "sessions"
    path = "/sessions"
    summary = "Session metrics"
    description = (
        "Count sessions and those with negative and positive feedback; their duration's mean, "
        "median and 90th percentile."
    )
    grain = Grain.SESSION
    parts = frozenset({SessionPart.FEEDBACK})
    row = body = SessionMetrics
    compared = Comparisons(
        tests={
            "total_sessions": Poisson(),
            "negative_feedback_sessions": Poisson(),
            "positive_feedback_sessions": Poisson(),
            "avg_session_duration_seconds": Welch(queries.duration_sample),
        }
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the session counts and the duration's statistics."""
        return queries.session_metrics_columns(rows)


def day_grid(window: Window) -> DayGrid:
    """Return the window's local days as the SQL needs them, at the request time."""
    days, calendar = window.days, window.calendar
    return DayGrid(
        first_day=calendar.first_day,
        day_count=calendar.day_count,
        skipped=tuple(calendar.skipped_days()),
        later_day_starts=tuple(calendar.later_day_starts()),
        elapsed_days=elapsed_days(days),
        complete=complete_range(days),
    )


class VolumeKpi(AggregateKpi[VolumeRow, VolumeTrends]):
    """Count sessions per day over the window, with the mean, peak and lowest day."""

    name = "volume"
    path = "/volume"
    summary = "Volume trends"
    description = (
        "Count sessions per local day (in `tz`) of the window, zero-filled, with the mean per "
        "elapsed day, the peak day and the lowest complete day."
    )
    grain = Grain.SESSION
    row = VolumeRow
    body = VolumeTrends
    compared = Comparisons(
        tests={
            "total_sessions": Poisson(),
            # A rate of the same sessions: the same count over the same exposure.
            "avg_sessions_per_day": Poisson(count="total_sessions"),
        }
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the sessions of each local day, zero-filled, and their mean, peak and lowest."""
        return queries.volume_columns(rows, grid=day_grid(window))

    def shape(self, row: VolumeRow, window: Window) -> VolumeTrends:
        """Return the daily counts with each day's hours and completeness, and the summary."""
        # The window's days are the SQL's days: both come from the same local day starts.
        days = window.days
        return VolumeTrends(
            total_sessions=row["total_sessions"],
            days=row["days"],
            elapsed_days=two_places(elapsed_days(days)),
            avg_sessions_per_day=as_float(row["avg_sessions_per_day"]),
            peak_day=DayCount(date=row["peak_date"], sessions=row["peak_sessions"]),
            lowest_day=DayCount(date=row["lowest_date"], sessions=row["lowest_sessions"]),
            daily=[
                DailyCount(date=day, sessions=count, hours=local.hours, complete=local.complete)
                for day, count, local in zip(
                    row["daily_dates"], row["daily_sessions"], days, strict=True
                )
            ],
        )


class QueryCategoriesKpi(AggregateKpi[BucketsRow, QueryCategories]):
    """Count sessions by primary category: ten canonical, Other, Uncategorized, in order."""

    name = "query_categories"
    path = "/query-categories"
    summary = "Query categories"
    description = "Count sessions by primary category, with each category's share of all sessions."
    grain = Grain.SESSION
    parts = frozenset({SessionPart.CATEGORIES})
    row = BucketsRow
    body = QueryCategories
    compared = Comparisons(
        tests={"total_sessions": Poisson()},
        items={
            "categories": Items(
                key="category",
                tests={
                    "sessions": Poisson(),
                    "percent": Proportion(part="sessions", whole=attrgetter("total_sessions")),
                },
            )
        },
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the sessions and share of each bucket, in bucket order."""
        return category_queries.query_categories_columns(rows)

    def shape(self, row: BucketsRow, window: Window) -> QueryCategories:
        """Return every bucket, named, in the order docs/metrics.md lists them."""
        return QueryCategories(
            total_sessions=row["total_sessions"],
            categories=[
                CategoryShare(
                    category=BUCKET_NAMES[b], sessions=sessions, percent=as_float(percent)
                )
                for b, sessions, percent in zip(
                    ALL_BUCKETS, row["sessions"], row["percents"], strict=True
                )
            ],
        )


def _invocations(body: ToolUsage) -> int:
    """Return the sum of every tool's sessions: what each tool's percent is a share of."""
    return sum(share.sessions for share in body.tools)


class ToolUsageKpi(AggregateKpi[BucketsRow, ToolUsage]):
    """Count sessions by agent tool invoked, most used first, with each tool's share."""

    name = "tool_usage"
    path = "/tool-usage"
    summary = "Agent tool usage"
    description = "Count sessions by agent tool invoked, most used first, with each tool's share."
    grain = Grain.SESSION
    parts = frozenset({SessionPart.TOOLS})
    row = BucketsRow
    body = ToolUsage
    compared = Comparisons(
        tests={"total_sessions": Poisson()},
        items={
            "tools": Items(
                key="tool",
                tests={
                    "sessions": Poisson(),
                    "percent": Proportion(part="sessions", whole=_invocations),
                },
            )
        },
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the sessions and share of each labelled bucket, in bucket order."""
        return category_queries.tool_usage_columns(rows)

    def shape(self, row: BucketsRow, window: Window) -> ToolUsage:
        """Return every tool, named, most used first."""
        shares = [
            ToolShare(tool=BUCKET_NAMES[b], sessions=sessions, percent=as_float(percent))
            for b, sessions, percent in zip(
                LABELLED_BUCKETS, row["sessions"], row["percents"], strict=True
            )
        ]
        # Most used first, ties in canonical order (sorted is stable): eleven counts SQL computed.
        return ToolUsage(
            total_sessions=row["total_sessions"],
            tools=sorted(shares, key=lambda share: -share.sessions),
        )


SESSIONS = SessionsKpi()
VOLUME = VolumeKpi()
QUERY_CATEGORIES = QueryCategoriesKpi()
TOOL_USAGE = ToolUsageKpi()

# Each KPI's standalone function for one window: the same statements its route runs.
session_metrics = SESSIONS.compute
volume_trends = VOLUME.compute
query_categories = QUERY_CATEGORIES.compute
tool_usage = TOOL_USAGE.compute
