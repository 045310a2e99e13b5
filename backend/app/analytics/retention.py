"""Retention and returning-user KPIs over the per-user relation."""

from __future__ import annotations

from backend.app.db import user_queries
from backend.app.db.client import Database
from backend.app.db.tables import table_for
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import Retention, ReturningUsers, UserSessions, UserSpan


async def retention(db: Database, filters: AnalyticsFilters) -> Retention:
    """Count returning and one-time users and their shares of unique users."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(user_queries.retention_query(table=table, filters=filters))
    return Retention.model_validate(dict(row))


async def returning_users(db: Database, filters: AnalyticsFilters) -> ReturningUsers:
    """Describe returning users: count, mean sessions and span, most active, longest span."""
    table = table_for(filters.product_context)
    row = await db.fetch_one(user_queries.returning_users_query(table=table, filters=filters))
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
