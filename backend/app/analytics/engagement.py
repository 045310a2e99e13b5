"""Engagement and segment KPIs over the per-user relation."""

from __future__ import annotations

from backend.app.db import user_queries
from backend.app.db.client import Database
from backend.app.db.tables import table_for
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import Engagement, Segments, SegmentShare
from backend.app.models.taxonomy import SEGMENTS


async def engagement(db: Database, filters: AnalyticsFilters) -> Engagement:
    """Count unique users and all conversations, and the mean conversations per user."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(user_queries.engagement_query(table=table, filters=filters))
    return Engagement.model_validate(dict(row))


async def segments(db: Database, filters: AnalyticsFilters) -> Segments:
    """Count users per segment (power, regular, casual, one-time) and their shares."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(user_queries.segments_query(table=table, filters=filters))
    return Segments(
        unique_users=row["unique_users"],
        segments=[
            SegmentShare(
                segment=segment.key,
                label=segment.label,
                min_chats=segment.min_chats,
                max_chats=segment.max_chats,
                users=row[f"{segment.key}_users"],
                percent=row[f"{segment.key}_percent"],
            )
            for segment in SEGMENTS
        ],
    )
