"""Session-grain KPIs: sessions, volume, query categories and tool usage, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, cast

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion, Welch
from backend.app.analytics.declaration import Kpi, Services, ShapeContext, validated
from backend.app.analytics.grains import Grain
from backend.app.analytics.runner import compute_one
from backend.app.db import category_queries, queries
from backend.app.db.category_queries import ALL_BUCKETS, LABELLED_BUCKETS, BucketsRow
from backend.app.db.queries import DayGrid, SessionPart, VolumeRow
from backend.app.models.calendar import LocalCalendar, complete_range, elapsed_days
from backend.app.models.categories import (
    BUCKET_NAMES,
    CategoryShare,
    QueryCategories,
    ToolShare,
    ToolUsage,
)
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.rounding import as_float, two_places
from backend.app.models.sessions import DailyCount, DayCount, SessionMetrics, VolumeTrends


async def session_metrics(filters: AnalyticsFilters, services: Services) -> SessionMetrics:
    """Count sessions, those with negative and positive feedback, and their duration."""
    return await compute_one(SESSIONS, filters, services)


SESSIONS = Kpi(
    name="sessions",
    path="/sessions",
    summary="Session metrics",
    description="Count sessions and those with negative and positive feedback; their duration's "
    "mean, median and 90th percentile.",
    grain=Grain.SESSION,
    parts=frozenset({SessionPart.FEEDBACK}),
    columns=lambda relation: queries.session_metrics_columns(relation.rows),
    shape=lambda row, context: validated(SessionMetrics, row),
    model=SessionMetrics,
    function=session_metrics,
    compared=Comparisons(
        tests={
            "total_sessions": Poisson(),
            "negative_feedback_sessions": Poisson(),
            "positive_feedback_sessions": Poisson(),
            "avg_session_duration_seconds": Welch(queries.duration_sample),
        }
    ),
)


def day_grid(calendar: LocalCalendar, now: datetime) -> DayGrid:
    """Return the window's local days as the SQL needs them, at the request time `now`."""
    days = calendar.days(now)
    return DayGrid(
        first_day=calendar.first_day,
        day_count=calendar.day_count,
        skipped=tuple(calendar.skipped_days()),
        later_day_starts=tuple(calendar.later_day_starts()),
        elapsed_days=elapsed_days(days),
        complete=complete_range(days),
    )


async def _shape_volume(row: Mapping[str, Any], context: ShapeContext) -> VolumeTrends:
    volume = cast(VolumeRow, row)
    # The calendar's days are the SQL's days: both come from the same local day starts.
    days = context.filters.calendar().days(context.now)
    return VolumeTrends(
        total_sessions=volume["total_sessions"],
        days=volume["days"],
        elapsed_days=two_places(elapsed_days(days)),
        avg_sessions_per_day=as_float(volume["avg_sessions_per_day"]),
        peak_day=DayCount(date=volume["peak_date"], sessions=volume["peak_sessions"]),
        lowest_day=DayCount(date=volume["lowest_date"], sessions=volume["lowest_sessions"]),
        daily=[
            DailyCount(date=day, sessions=count, hours=local.hours, complete=local.complete)
            for day, count, local in zip(
                volume["daily_dates"], volume["daily_sessions"], days, strict=True
            )
        ],
    )


async def volume_trends(filters: AnalyticsFilters, services: Services) -> VolumeTrends:
    """Count sessions per day over the window, with the mean, peak and lowest day."""
    return await compute_one(VOLUME, filters, services)


VOLUME = Kpi(
    name="volume",
    path="/volume",
    summary="Volume trends",
    description="Count sessions per local day (in `tz`) of the window, zero-filled, with the "
    "mean per elapsed day, the peak day and the lowest complete day.",
    grain=Grain.SESSION,
    columns=lambda relation: queries.volume_columns(
        relation.rows, grid=day_grid(relation.filters.calendar(), relation.now)
    ),
    shape=_shape_volume,
    model=VolumeTrends,
    function=volume_trends,
    compared=Comparisons(
        tests={
            "total_sessions": Poisson(),
            # A rate of the same sessions: the same count over the same exposure.
            "avg_sessions_per_day": Poisson(count="total_sessions"),
        }
    ),
)


async def _shape_categories(row: Mapping[str, Any], context: ShapeContext) -> QueryCategories:
    buckets = cast(BucketsRow, row)
    return QueryCategories(
        total_sessions=buckets["total_sessions"],
        categories=[
            CategoryShare(category=BUCKET_NAMES[b], sessions=sessions, percent=as_float(percent))
            for b, sessions, percent in zip(
                ALL_BUCKETS, buckets["sessions"], buckets["percents"], strict=True
            )
        ],
    )


async def query_categories(filters: AnalyticsFilters, services: Services) -> QueryCategories:
    """Count sessions by primary category: ten canonical, Other, Uncategorized, in order."""
    return await compute_one(QUERY_CATEGORIES, filters, services)


QUERY_CATEGORIES = Kpi(
    name="query_categories",
    path="/query-categories",
    summary="Query categories",
    description="Count sessions by primary category, with each category's share of all sessions.",
    grain=Grain.SESSION,
    parts=frozenset({SessionPart.CATEGORIES}),
    columns=lambda relation: category_queries.query_categories_columns(relation.rows),
    shape=_shape_categories,
    model=QueryCategories,
    function=query_categories,
    compared=Comparisons(
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
    ),
)


async def _shape_tools(row: Mapping[str, Any], context: ShapeContext) -> ToolUsage:
    buckets = cast(BucketsRow, row)
    shares = [
        ToolShare(tool=BUCKET_NAMES[b], sessions=sessions, percent=as_float(percent))
        for b, sessions, percent in zip(
            LABELLED_BUCKETS, buckets["sessions"], buckets["percents"], strict=True
        )
    ]
    # Most used first, ties in canonical order (sorted is stable): eleven counts SQL computed.
    return ToolUsage(
        total_sessions=buckets["total_sessions"],
        tools=sorted(shares, key=lambda share: -share.sessions),
    )


def _invocations(body: ToolUsage) -> int:
    """Return the sum of every tool's sessions: what each tool's percent is a share of."""
    return sum(share.sessions for share in body.tools)


async def tool_usage(filters: AnalyticsFilters, services: Services) -> ToolUsage:
    """Count sessions by agent tool invoked, most used first, with each tool's share."""
    return await compute_one(TOOL_USAGE, filters, services)


TOOL_USAGE = Kpi(
    name="tool_usage",
    path="/tool-usage",
    summary="Agent tool usage",
    description="Count sessions by agent tool invoked, most used first, with each tool's share.",
    grain=Grain.SESSION,
    parts=frozenset({SessionPart.TOOLS}),
    columns=lambda relation: category_queries.tool_usage_columns(relation.rows),
    shape=_shape_tools,
    model=ToolUsage,
    function=tool_usage,
    compared=Comparisons(
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
    ),
)
