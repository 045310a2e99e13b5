"""Session-grain KPIs: sessions, volume, query categories and tool usage, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.app.analytics.declaration import Kpi, ShapeContext, validated
from backend.app.analytics.runner import compute_one
from backend.app.db import category_queries, queries
from backend.app.db.category_queries import ALL_BUCKETS, LABELLED_BUCKETS
from backend.app.db.client import Database
from backend.app.db.grains import Grain
from backend.app.db.queries import SessionPart
from backend.app.models.calendar import elapsed_days
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import (
    CategoryShare,
    DailyCount,
    DayCount,
    QueryCategories,
    SessionMetrics,
    ToolShare,
    ToolUsage,
    VolumeTrends,
)
from backend.app.models.rounding import two_places
from backend.app.models.taxonomy import BUCKET_NAMES


async def _shape_sessions(row: Mapping[str, Any], context: ShapeContext) -> SessionMetrics:
    return await validated(SessionMetrics, row)


SESSIONS = Kpi(
    name="sessions",
    path="/sessions",
    summary="Session metrics",
    description="Count sessions, those with negative and positive feedback, and their mean "
    "duration.",
    grain=Grain.SESSION,
    parts=frozenset({SessionPart.FEEDBACK}),
    columns=lambda relation: queries.session_metrics_columns(relation.rows, relation.filters),
    shape=_shape_sessions,
    model=SessionMetrics,
)


async def _shape_volume(row: Mapping[str, Any], context: ShapeContext) -> VolumeTrends:
    # The calendar's days are the SQL's days: both come from the same local day starts.
    days = context.filters.calendar().days(context.now)
    return VolumeTrends(
        total_sessions=row["total_sessions"],
        days=row["days"],
        elapsed_days=two_places(elapsed_days(days)),
        avg_sessions_per_day=row["avg_sessions_per_day"],
        peak_day=DayCount(date=row["peak_date"], sessions=row["peak_sessions"]),
        lowest_day=DayCount(date=row["lowest_date"], sessions=row["lowest_sessions"]),
        daily=[
            DailyCount(date=day, sessions=count, hours=local.hours, complete=local.complete)
            for day, count, local in zip(
                row["daily_dates"], row["daily_sessions"], days, strict=True
            )
        ],
    )


VOLUME = Kpi(
    name="volume",
    path="/volume",
    summary="Volume trends",
    description="Count sessions per local day (in `tz`) of the window, zero-filled, with the "
    "mean per elapsed day, the peak day and the lowest complete day.",
    grain=Grain.SESSION,
    columns=lambda relation: queries.volume_columns(
        relation.rows, relation.filters, now=relation.now
    ),
    shape=_shape_volume,
    model=VolumeTrends,
)


async def _shape_categories(row: Mapping[str, Any], context: ShapeContext) -> QueryCategories:
    return QueryCategories(
        total_sessions=row["total_sessions"],
        categories=[
            CategoryShare(
                category=BUCKET_NAMES[b], sessions=row[f"sessions_{b}"], percent=row[f"percent_{b}"]
            )
            for b in ALL_BUCKETS
        ],
    )


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
)


async def _shape_tools(row: Mapping[str, Any], context: ShapeContext) -> ToolUsage:
    # Most used first, ties in canonical order: eleven counts SQL computed, put in order.
    ranked = sorted(LABELLED_BUCKETS, key=lambda b: (-row[f"sessions_{b}"], b))
    return ToolUsage(
        total_sessions=row["total_sessions"],
        tools=[
            ToolShare(
                tool=BUCKET_NAMES[b], sessions=row[f"sessions_{b}"], percent=row[f"percent_{b}"]
            )
            for b in ranked
        ],
    )


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
)


async def session_metrics(db: Database, filters: AnalyticsFilters) -> SessionMetrics:
    """Count sessions, sessions with negative and positive feedback, and mean duration."""
    return await compute_one(SESSIONS, db, filters)


async def volume_trends(db: Database, filters: AnalyticsFilters) -> VolumeTrends:
    """Count sessions per day over the window, with the mean, peak and lowest day."""
    return await compute_one(VOLUME, db, filters)


async def query_categories(db: Database, filters: AnalyticsFilters) -> QueryCategories:
    """Count sessions by primary category: ten canonical, Other, Uncategorized, in order."""
    return await compute_one(QUERY_CATEGORIES, db, filters)


async def tool_usage(db: Database, filters: AnalyticsFilters) -> ToolUsage:
    """Count sessions by agent tool invoked, most used first, with each tool's share."""
    return await compute_one(TOOL_USAGE, db, filters)
