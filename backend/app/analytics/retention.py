"""User-grain KPIs on retention: retention and returning users, declared once each."""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Any, cast

from backend.app.analytics.comparison import Comparisons, Poisson, Proportion, Welch
from backend.app.analytics.declaration import Kpi, Services, ShapeContext, validated
from backend.app.analytics.grains import Grain
from backend.app.analytics.runner import compute_one
from backend.app.db import user_queries
from backend.app.db.user_queries import ReturningUsersRow
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.rounding import as_float
from backend.app.models.users import Retention, ReturningUsers, UserSessions, UserSpan


async def retention(filters: AnalyticsFilters, services: Services) -> Retention:
    """Count returning and one-time users and their shares of unique users."""
    return await compute_one(RETENTION, filters, services)


RETENTION = Kpi(
    name="retention",
    path="/retention",
    summary="User retention",
    description="Count returning (2+ sessions) and one-time users and their shares of unique "
    "users.",
    grain=Grain.USER,
    columns=lambda relation: user_queries.retention_columns(relation.rows),
    shape=lambda row, context: validated(Retention, row),
    model=Retention,
    function=retention,
    compared=Comparisons(
        tests={
            "unique_users": Poisson(),
            "returning_users": Poisson(),
            "one_time_users": Poisson(),
            "returning_users_pct": Proportion(
                part="returning_users", whole=attrgetter("unique_users")
            ),
            "one_time_users_pct": Proportion(
                part="one_time_users", whole=attrgetter("unique_users")
            ),
        }
    ),
)


async def _shape_returning(row: Mapping[str, Any], context: ShapeContext) -> ReturningUsers:
    users = cast(ReturningUsersRow, row)
    most_active_id, sessions = users["most_active_user_id"], users["most_active_sessions"]
    longest_id, days = users["longest_span_user_id"], as_float(users["longest_span_days"])
    return ReturningUsers(
        returning_users=users["returning_users"],
        avg_sessions_per_returning_user=as_float(users["avg_sessions_per_returning_user"]),
        most_active_user=None
        if most_active_id is None or sessions is None
        else UserSessions(user_id=most_active_id, sessions=sessions),
        avg_days_first_to_last_chat=as_float(users["avg_days_first_to_last_chat"]),
        longest_active_span=None
        if longest_id is None or days is None
        else UserSpan(user_id=longest_id, days=days),
    )


async def returning_users(filters: AnalyticsFilters, services: Services) -> ReturningUsers:
    """Describe returning users: count, mean sessions and span, most active, longest span."""
    return await compute_one(RETURNING_USERS, filters, services)


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
    function=returning_users,
    compared=Comparisons(
        tests={
            "returning_users": Poisson(),
            "avg_sessions_per_returning_user": Welch(user_queries.returning_sessions_sample),
            "avg_days_first_to_last_chat": Welch(user_queries.span_days_sample),
        }
    ),
)
