"""The per-user relation, built from the per-session one, and the user KPIs' columns over it."""

from __future__ import annotations

from sqlalchemy import CTE, FromClause, Numeric, cast, func, select

from backend.app.db.expressions import Columns, percent_of, rounded, top_value
from backend.app.models.taxonomy import SEGMENTS

SECONDS_PER_DAY = 86_400


def user_relation(*, session_user_pairs: FromClause) -> CTE:
    """Return one row per user: session count and first and last chat.

    `session_user_pairs` is the per-session relation keyed by session and user: a session with
    several users is one row per user, so a user's session count is a plain count(*).
    """
    pairs = session_user_pairs
    return (
        select(
            pairs.c.user_id.label("user_id"),
            func.count().label("sessions"),
            func.min(pairs.c.first_seen).label("first_seen"),
            func.max(pairs.c.last_seen).label("last_seen"),
        )
        # Anonymous rows (NULL user_id) belong to no user.
        .where(pairs.c.user_id.is_not(None))
        .group_by(pairs.c.user_id)
        .cte("users")
    )


def engagement_columns(users: FromClause) -> Columns:
    """Return unique users and the mean session count per user."""
    return {
        "unique_users": func.count(),
        "avg_conversations_per_user": rounded(func.avg(users.c.sessions)),
    }


def retention_columns(users: FromClause) -> Columns:
    """Return unique, returning (2+ sessions) and one-time users, with shares of unique users."""
    returning = func.count().filter(users.c.sessions >= 2)
    one_time = func.count().filter(users.c.sessions == 1)
    return {
        "unique_users": func.count(),
        "returning_users": returning,
        "one_time_users": one_time,
        "returning_users_pct": percent_of(returning, func.count()),
        "one_time_users_pct": percent_of(one_time, func.count()),
    }


def returning_users_columns(users: FromClause) -> Columns:
    """Return returning users' count, mean sessions and span, most active user, longest span."""
    returning = users.c.sessions >= 2
    span_days = func.extract("epoch", users.c.last_seen - users.c.first_seen) / cast(
        SECONDS_PER_DAY, Numeric
    )
    # Ties go to the smallest user_id in byte order (COLLATE "C"), whatever the database's locale.
    user_id_c = users.c.user_id.collate("C")
    return {
        "returning_users": func.count().filter(returning),
        "avg_sessions_per_returning_user": rounded(func.avg(users.c.sessions).filter(returning)),
        "most_active_user_id": top_value(
            users, users.c.user_id, users.c.sessions.desc(), user_id_c
        ),
        "most_active_sessions": func.max(users.c.sessions),
        "avg_days_first_to_last_chat": rounded(func.avg(span_days).filter(returning)),
        "longest_span_user_id": top_value(
            users, users.c.user_id, span_days.desc(), user_id_c, where=returning
        ),
        "longest_span_days": rounded(func.max(span_days).filter(returning)),
    }


def segments_columns(users: FromClause) -> Columns:
    """Return unique users and, per segment, its user count and share of unique users."""
    columns: Columns = {"unique_users": func.count()}
    for segment in SEGMENTS:
        condition = users.c.sessions >= segment.min_chats
        if segment.max_chats is not None:
            condition = condition & (users.c.sessions <= segment.max_chats)
        in_segment = func.count().filter(condition)
        columns[f"{segment.key}_users"] = in_segment
        columns[f"{segment.key}_percent"] = percent_of(in_segment, func.count())
    return columns
