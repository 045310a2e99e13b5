"""User-grain KPIs on retention: retention and returning users, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.app.analytics.declaration import Kpi, ShapeContext, validated
from backend.app.analytics.runner import compute_one
from backend.app.db import user_queries
from backend.app.db.client import Database
from backend.app.db.grains import Grain
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import Retention, ReturningUsers, UserSessions, UserSpan


async def _shape_retention(row: Mapping[str, Any], context: ShapeContext) -> Retention:
    return await validated(Retention, row)


RETENTION = Kpi(
    name="retention",
    path="/retention",
    summary="User retention",
    description="Count returning (2+ sessions) and one-time users and their shares of unique "
    "users.",
    grain=Grain.USER,
    columns=lambda relation: user_queries.retention_columns(relation.rows),
    shape=_shape_retention,
    model=Retention,
)


async def _shape_returning(row: Mapping[str, Any], context: ShapeContext) -> ReturningUsers:
    most_active = (
        UserSessions(user_id=row["most_active_user_id"], sessions=row["most_active_sessions"])
        if row["most_active_user_id"] is not None
        else None
    )
    longest = (
        UserSpan(user_id=row["longest_span_user_id"], days=row["longest_span_days"])
        if row["longest_span_user_id"] is not None
        else None
    )
    return ReturningUsers(
        returning_users=row["returning_users"],
        avg_sessions_per_returning_user=row["avg_sessions_per_returning_user"],
        most_active_user=most_active,
        avg_days_first_to_last_chat=row["avg_days_first_to_last_chat"],
        longest_active_span=longest,
    )


RETURNING_USERS = Kpi(
    name="returning_users",
    path="/returning-users",
    summary="Returning user behavior",
    description="Describe returning users: mean sessions, most active user, mean and longest "
    "span in days.",
    grain=Grain.USER,
    columns=lambda relation: user_queries.returning_users_columns(relation.rows),
    shape=_shape_returning,
    model=ReturningUsers,
)


async def retention(db: Database, filters: AnalyticsFilters) -> Retention:
    """Count returning and one-time users and their shares of unique users."""
    return await compute_one(RETENTION, db, filters)


async def returning_users(db: Database, filters: AnalyticsFilters) -> ReturningUsers:
    """Describe returning users: count, mean sessions and span, most active, longest span."""
    return await compute_one(RETURNING_USERS, db, filters)
