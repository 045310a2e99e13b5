"""The overview: every KPI for one set of filters, run concurrently."""

from __future__ import annotations

import asyncio

from backend.app.analytics import clustering, engagement, kpis, retention
from backend.app.analytics.clustering import PainPointClassifier
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import OverviewResponse


async def overview(
    db: Database, filters: AnalyticsFilters, classifier: PainPointClassifier
) -> OverviewResponse:
    """Compute every KPI concurrently, each on its own pooled connection."""
    # Each KPI function checks out its own connection: Database never shares one across tasks.
    # Tasks keep each result's type; gather runs them together and raises the first failure.
    sessions = asyncio.create_task(kpis.session_metrics(db, filters))
    pain_points = asyncio.create_task(clustering.pain_points(db, filters, classifier))
    volume = asyncio.create_task(kpis.volume_trends(db, filters))
    engagement_ = asyncio.create_task(engagement.engagement(db, filters))
    retention_ = asyncio.create_task(retention.retention(db, filters))
    categories = asyncio.create_task(kpis.query_categories(db, filters))
    tools = asyncio.create_task(kpis.tool_usage(db, filters))
    returning = asyncio.create_task(retention.returning_users(db, filters))
    segments = asyncio.create_task(engagement.segments(db, filters))
    await asyncio.gather(
        sessions,
        pain_points,
        volume,
        engagement_,
        retention_,
        categories,
        tools,
        returning,
        segments,
    )
    return OverviewResponse(
        filters=filters,
        sessions=sessions.result(),
        pain_points=pain_points.result(),
        volume=volume.result(),
        engagement=engagement_.result(),
        retention=retention_.result(),
        query_categories=categories.result(),
        tool_usage=tools.result(),
        returning_users=returning.result(),
        segments=segments.result(),
    )
