"""Session, volume and category KPIs: each runs one select on the request's table and shapes it."""

from __future__ import annotations

from backend.app.db import category_queries, queries
from backend.app.db.client import Database
from backend.app.db.tables import table_for
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import (
    CategoryShare,
    DayCount,
    QueryCategories,
    SessionMetrics,
    ToolShare,
    ToolUsage,
    VolumeTrends,
)
from backend.app.models.taxonomy import BUCKET_NAMES


async def session_metrics(db: Database, filters: AnalyticsFilters) -> SessionMetrics:
    """Count sessions, sessions with negative and positive feedback, and mean duration."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(queries.session_metrics_query(table=table, filters=filters))
    return SessionMetrics.model_validate(dict(row))


async def volume_trends(db: Database, filters: AnalyticsFilters) -> VolumeTrends:
    """Count sessions per day over the window, with the mean, peak and lowest day."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(queries.volume_query(table=table, filters=filters))
    return VolumeTrends(
        total_sessions=row["total_sessions"],
        days=row["days"],
        avg_sessions_per_day=row["avg_sessions_per_day"],
        peak_day=DayCount(date=row["peak_date"], sessions=row["peak_sessions"]),
        lowest_day=DayCount(date=row["lowest_date"], sessions=row["lowest_sessions"]),
        daily=[
            DayCount(date=day, sessions=count)
            for day, count in zip(row["daily_dates"], row["daily_sessions"], strict=True)
        ],
    )


async def query_categories(db: Database, filters: AnalyticsFilters) -> QueryCategories:
    """Count sessions by primary category: ten canonical, Other, Uncategorized, in order."""
    table = table_for(filters.product_context)
    rows = await db.fetch_all(category_queries.query_categories_query(table=table, filters=filters))
    return QueryCategories(
        total_sessions=rows[0]["total_sessions"],
        categories=[
            CategoryShare(
                category=BUCKET_NAMES[row["bucket"]],
                sessions=row["sessions"],
                percent=row["percent"],
            )
            for row in rows
        ],
    )


async def tool_usage(db: Database, filters: AnalyticsFilters) -> ToolUsage:
    """Count sessions by agent tool invoked, most used first, with each tool's share."""
    table = table_for(filters.product_context)
    rows = await db.fetch_all(category_queries.tool_usage_query(table=table, filters=filters))
    return ToolUsage(
        total_sessions=rows[0]["total_sessions"],
        tools=[
            ToolShare(
                tool=BUCKET_NAMES[row["bucket"]], sessions=row["sessions"], percent=row["percent"]
            )
            for row in rows
        ],
    )
