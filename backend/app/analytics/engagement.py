"""User-grain KPIs on engagement: engagement and segments, declared once each."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy import FromClause

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion, Welch
from backend.app.analytics.grains import Grain
from backend.app.analytics.kinds import AggregateKpi, ModelKpi
from backend.app.analytics.window import Window
from backend.app.db import user_queries
from backend.app.db.expressions import Columns
from backend.app.db.user_queries import SegmentsRow
from backend.app.models.rounding import as_float
from backend.app.models.users import SEGMENTS, Engagement, Segments, SegmentShare


class EngagementKpi(ModelKpi[Engagement]):
    """Count unique users and all conversations, and the mean conversations per user."""

    name = "engagement"
    path = "/engagement"
    summary = "User engagement"
    description = "Count unique users and all conversations, and the mean conversations per user."
    grain = Grain.USER
    row = body = Engagement
    compared = Comparisons(
        tests={
            "unique_users": Poisson(),
            "total_conversations": Poisson(),
            "avg_conversations_per_user": Welch(user_queries.conversations_sample),
        }
    )

    @property
    def grains(self) -> tuple[Grain, ...]:
        """Return the user grain, and the session grain, which the overview computes anyway."""
        return (Grain.USER, Grain.SESSION)

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the unique users and the mean conversations per user."""
        return user_queries.engagement_columns(rows)

    def columns_over(self, grain: Grain, rows: FromClause, window: Window) -> Columns:
        """Return the users' columns, and over the session grain the conversations."""
        if grain is Grain.SESSION:
            # Anonymous sessions count as conversations: every session, from the session grain.
            return user_queries.conversation_columns(rows)
        return self.columns(rows, window)


class SegmentsKpi(AggregateKpi[SegmentsRow, Segments]):
    """Count users per segment (power, regular, casual, one-time) and their shares."""

    name = "segments"
    path = "/segments"
    summary = "User segmentation"
    description = (
        "Count users per segment: power (10+ sessions), regular (3-9), casual (2), one-time (1)."
    )
    grain = Grain.USER
    row = SegmentsRow
    body = Segments
    compared = Comparisons(
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
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the users and share of each segment, in segment order."""
        return user_queries.segments_columns(rows)

    def shape(self, row: SegmentsRow, window: Window) -> Segments:
        """Return every segment with its bounds and label."""
        return Segments(
            unique_users=row["unique_users"],
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
                    SEGMENTS, row["users"], row["percents"], strict=True
                )
            ],
        )


ENGAGEMENT = EngagementKpi()
SEGMENTS_KPI = SegmentsKpi()

# Each KPI's standalone function for one window: the same statements its route runs.
engagement = ENGAGEMENT.compute
segments = SEGMENTS_KPI.compute
