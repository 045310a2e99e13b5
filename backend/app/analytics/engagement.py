"""User-grain KPIs on engagement: engagement and segments, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.app.analytics.declaration import Kpi, ShapeContext, validated
from backend.app.analytics.runner import compute_one
from backend.app.db import queries, user_queries
from backend.app.db.client import Database
from backend.app.db.grains import Grain
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import Engagement, Segments, SegmentShare
from backend.app.models.taxonomy import SEGMENTS


async def _shape_engagement(row: Mapping[str, Any], context: ShapeContext) -> Engagement:
    return await validated(Engagement, row)


ENGAGEMENT = Kpi(
    name="engagement",
    path="/engagement",
    summary="User engagement",
    description="Count unique users and all conversations, and the mean conversations per user.",
    grain=Grain.USER,
    columns=lambda relation: user_queries.engagement_columns(relation.rows),
    # Anonymous sessions count as conversations: every session, from the session grain.
    more_columns={Grain.SESSION: lambda relation: queries.conversation_columns(relation.rows)},
    shape=_shape_engagement,
    model=Engagement,
)


async def _shape_segments(row: Mapping[str, Any], context: ShapeContext) -> Segments:
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


SEGMENTS_KPI = Kpi(
    name="segments",
    path="/segments",
    summary="User segmentation",
    description="Count users per segment: power (10+ sessions), regular (3-9), casual (2), "
    "one-time (1).",
    grain=Grain.USER,
    columns=lambda relation: user_queries.segments_columns(relation.rows),
    shape=_shape_segments,
    model=Segments,
)


async def engagement(db: Database, filters: AnalyticsFilters) -> Engagement:
    """Count unique users and all conversations, and the mean conversations per user."""
    return await compute_one(ENGAGEMENT, db, filters)


async def segments(db: Database, filters: AnalyticsFilters) -> Segments:
    """Count users per segment (power, regular, casual, one-time) and their shares."""
    return await compute_one(SEGMENTS_KPI, db, filters)
