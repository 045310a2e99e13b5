"""User-grain KPIs on retention: retention and returning users, declared once each."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy import FromClause

from backend.app.analytics.comparison import Comparisons, Poisson, Proportion, Welch
from backend.app.analytics.grains import Grain
from backend.app.analytics.kinds import AggregateKpi, ModelKpi
from backend.app.analytics.window import Window
from backend.app.db import user_queries
from backend.app.db.expressions import Columns
from backend.app.db.user_queries import ReturningUsersRow
from backend.app.models.rounding import as_float
from backend.app.models.users import Retention, ReturningUsers, UserSessions, UserSpan


class RetentionKpi(ModelKpi[Retention]):
    """Count returning and one-time users and their shares of unique users."""

    name = "retention"
    path = "/retention"
    summary = "User retention"
    description = (
        "Count returning (2+ sessions) and one-time users and their shares of unique users."
    )
    grain = Grain.USER
    row = body = Retention
    compared = Comparisons(
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
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the returning and one-time users and their shares."""
        return user_queries.retention_columns(rows)


class ReturningUsersKpi(AggregateKpi[ReturningUsersRow, ReturningUsers]):
    """Describe returning users: count, mean sessions and span, most active, longest span."""

    name = "returning_users"
    path = "/returning-users"
    summary = "Returning user behavior"
    description = (
        "Describe returning users: mean sessions, most active user, mean and longest span in days."
    )
    grain = Grain.USER
    row = ReturningUsersRow
    body = ReturningUsers
    compared = Comparisons(
        tests={
            "returning_users": Poisson(),
            "avg_sessions_per_returning_user": Welch(user_queries.returning_sessions_sample),
            "avg_days_first_to_last_chat": Welch(user_queries.span_days_sample),
        }
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the returning users' numbers and the two users that stand out."""
        return user_queries.returning_users_columns(rows)

    def shape(self, row: ReturningUsersRow, window: Window) -> ReturningUsers:
        """Return the numbers, and each user that stands out where there is one."""
        most_active_id, sessions = row["most_active_user_id"], row["most_active_sessions"]
        longest_id, days = row["longest_span_user_id"], as_float(row["longest_span_days"])
        return ReturningUsers(
            returning_users=row["returning_users"],
            avg_sessions_per_returning_user=as_float(row["avg_sessions_per_returning_user"]),
            most_active_user=None
            if most_active_id is None or sessions is None
            else UserSessions(user_id=most_active_id, sessions=sessions),
            avg_days_first_to_last_chat=as_float(row["avg_days_first_to_last_chat"]),
            longest_active_span=None
            if longest_id is None or days is None
            else UserSpan(user_id=longest_id, days=days),
        )


RETENTION = RetentionKpi()
RETURNING_USERS = ReturningUsersKpi()

# Each KPI's standalone function for one window: the same statements its route runs.
retention = RETENTION.compute
returning_users = RETURNING_USERS.compute
