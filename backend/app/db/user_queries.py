"""The per-user relation, built from the per-session one, and the user KPIs' columns over it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import CTE, ColumnElement, FromClause, Numeric, cast, func, select
from sqlalchemy.dialects.postgresql import array

from backend.app.db.expressions import (
    Columns,
    percent_of,
    rounded,
    row_columns,
    sample_columns,
    top_value,
)
from backend.app.models.users import SEGMENTS, Engagement, Retention

SECONDS_PER_DAY = 86_400


class ReturningUsersRow(TypedDict):
    """What returning users' statement computes: the body's numbers, its users unnested."""

    returning_users: int
    avg_sessions_per_returning_user: Decimal | None
    most_active_user_id: str | None
    most_active_sessions: int | None
    avg_days_first_to_last_chat: Decimal | None
    longest_span_user_id: str | None
    longest_span_days: Decimal | None


class SegmentsRow(TypedDict):
    """What the segments' statement computes: per-segment values in SEGMENTS order."""

    unique_users: int
    users: list[int]
    percents: list[Decimal | None]


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
    return row_columns(
        Engagement,
        unique_users=func.count(),
        avg_conversations_per_user=rounded(func.avg(users.c.sessions)),
    )


def conversations_sample(users: FromClause) -> Columns:
    """Return the users behind the mean conversations per user: each one's session count."""
    return sample_columns(users.c.sessions)


def conversation_columns(sessions: FromClause) -> Columns:
    """Return every session of the window, anonymous ones too, as `total_conversations`."""
    return row_columns(Engagement, total_conversations=func.count())


def retention_columns(users: FromClause) -> Columns:
    """Return unique, returning (2+ sessions) and one-time users, with shares of unique users."""
    returning = func.count().filter(users.c.sessions >= 2)
    one_time = func.count().filter(users.c.sessions == 1)
    return row_columns(
        Retention,
        unique_users=func.count(),
        returning_users=returning,
        one_time_users=one_time,
        returning_users_pct=percent_of(returning, func.count()),
        one_time_users_pct=percent_of(one_time, func.count()),
    )


def _returning(users: FromClause) -> ColumnElement[bool]:
    """Return whether a user returned: 2 sessions or more in the window."""
    return users.c.sessions >= 2


def _span_days(users: FromClause) -> ColumnElement[Any]:
    """Return each user's days from first to last chat, fractional."""
    return func.extract("epoch", users.c.last_seen - users.c.first_seen) / cast(
        SECONDS_PER_DAY, Numeric
    )


def returning_users_columns(users: FromClause) -> Columns:
    """Return returning users' count, mean sessions and span, most active user, longest span."""
    returning, span_days = _returning(users), _span_days(users)
    # Ties go to the smallest user_id in byte order (COLLATE "C"), whatever the database's locale.
    user_id_c = users.c.user_id.collate("C")
    return row_columns(
        ReturningUsersRow,
        returning_users=func.count().filter(returning),
        avg_sessions_per_returning_user=rounded(func.avg(users.c.sessions).filter(returning)),
        most_active_user_id=top_value(users, users.c.user_id, users.c.sessions.desc(), user_id_c),
        most_active_sessions=func.max(users.c.sessions),
        avg_days_first_to_last_chat=rounded(func.avg(span_days).filter(returning)),
        longest_span_user_id=top_value(
            users, users.c.user_id, span_days.desc(), user_id_c, where=returning
        ),
        longest_span_days=rounded(func.max(span_days).filter(returning)),
    )


def returning_sessions_sample(users: FromClause) -> Columns:
    """Return the returning users behind their mean session count."""
    return sample_columns(users.c.sessions, where=_returning(users))


def span_days_sample(users: FromClause) -> Columns:
    """Return the returning users behind their mean span in days."""
    return sample_columns(_span_days(users), where=_returning(users))


def segments_columns(users: FromClause) -> Columns:
    """Return unique users and, per segment in SEGMENTS order, its users and their share."""
    in_segment = []
    for segment in SEGMENTS:
        condition = users.c.sessions >= segment.min_chats
        if segment.max_chats is not None:
            condition = condition & (users.c.sessions <= segment.max_chats)
        in_segment.append(func.count().filter(condition))
    return row_columns(
        SegmentsRow,
        unique_users=func.count(),
        users=array(in_segment),
        percents=array([percent_of(users, func.count()) for users in in_segment]),
    )
