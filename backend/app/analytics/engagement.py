"""User-grain KPIs on engagement: engagement and segments, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Any, cast

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion, Welch
from backend.app.analytics.declaration import Kpi, Services, ShapeContext, validated
from backend.app.analytics.grains import Grain
from backend.app.analytics.runner import compute_one
from backend.app.db import user_queries
from backend.app.db.user_queries import SegmentsRow
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.rounding import as_float
from backend.app.models.users import SEGMENTS, Engagement, Segments, SegmentShare


async def engagement(filters: AnalyticsFilters, services: Services) -> Engagement:
    """Count unique users and all conversations, and the mean conversations per user."""
    return await compute_one(ENGAGEMENT, filters, services)


ENGAGEMENT = Kpi(
    name="engagement",
    path="/engagement",
    summary="User engagement",
    description="Count unique users and all conversations, and the mean conversations per user.",
    grain=Grain.USER,
    columns=lambda relation: user_queries.engagement_columns(relation.rows),
    # Anonymous sessions count as conversations: every session, from the session grain.
    more_columns={Grain.SESSION: lambda relation: user_queries.conversation_columns(relation.rows)},
    shape=lambda row, context: validated(Engagement, row),
    model=Engagement,
    function=engagement,
    compared=Comparisons(
        tests={
            "unique_users": Poisson(),
            "total_conversations": Poisson(),
            "avg_conversations_per_user": Welch(user_queries.conversations_sample),
        }
    ),
)


async def _shape_segments(row: Mapping[str, Any], context: ShapeContext) -> Segments:
    counts = cast(SegmentsRow, row)
    return Segments(
        unique_users=counts["unique_users"],
        segments=[
            SegmentShare(
                segment=segment.key,
                label=segment.label,
                min_chats=segment.min_chats,
                max_chats=segment.max_chats,
                users=users,
                percent=as_float(percent),
            )
            for segment, users, percent in zip(
                SEGMENTS, counts["users"], counts["percents"], strict=True
            )
        ],
    )


async def segments(filters: AnalyticsFilters, services: Services) -> Segments:
    """Count users per segment (power, regular, casual, one-time) and their shares."""
    return await compute_one(SEGMENTS_KPI, filters, services)


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
    function=segments,
    compared=Comparisons(
        tests={"unique_users": Poisson()},
        items={
            "segments": Items(
                key="segment",
                tests={
                    "users": Poisson(),
                    "percent": Proportion(part="users", whole=attrgetter("unique_users")),
                },
            )
        },
    ),
)
