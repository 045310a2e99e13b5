"""Per-user SQL: one shared per-user relation and the KPIs built on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ColumnElement, Numeric, Table, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.app.db.queries import AnySelect, has_session, percent_of, rounded, window_filter
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.taxonomy import SEGMENTS

SECONDS_PER_DAY = 86_400


def session_users(*, table: Table, filters: AnalyticsFilters) -> CTE:
    """Return one row per (session, user_id) in the window, anonymous sessions included."""
    # Grouping by (session, user) first means per-user session counts are plain count(*) and no
    # count(DISTINCT ...) sort is needed; engagement also counts all sessions from this relation.
    return (
        select(
            table.c.session_id.label("session_id"),
            table.c.user_id.label("user_id"),
            func.min(table.c.time_stamp).label("first_seen"),
            func.max(table.c.time_stamp).label("last_seen"),
        )
        .where(window_filter(table=table, filters=filters), has_session(table))
        .group_by(table.c.session_id, table.c.user_id)
        .cte("session_users")
    )


def user_rollup(*, table: Table, filters: AnalyticsFilters, pairs: CTE | None = None) -> CTE:
    """Return one row per user in the window: session count and first and last chat."""
    pairs = pairs if pairs is not None else session_users(table=table, filters=filters)
    return (
        select(
            pairs.c.user_id,
            func.count().label("sessions"),
            func.min(pairs.c.first_seen).label("first_seen"),
            func.max(pairs.c.last_seen).label("last_seen"),
        )
        # As for sessions, `<> ''` is false for NULL too: anonymous rows belong to no user.
        .where(pairs.c.user_id != "")
        .group_by(pairs.c.user_id)
        .cte("user_rollup")
    )


def engagement_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return unique users, all sessions (anonymous too) and the mean session count per user."""
    # One scan: both the user counts and the session total come from the same pairs.
    pairs = session_users(table=table, filters=filters)
    users = user_rollup(table=table, filters=filters, pairs=pairs)
    sessions = select(pairs.c.session_id).group_by(pairs.c.session_id).subquery("sessions")
    return select(
        func.count().label("unique_users"),
        select(func.count()).select_from(sessions).scalar_subquery().label("total_conversations"),
        rounded(func.avg(users.c.sessions)).label("avg_conversations_per_user"),
    ).select_from(users)


def retention_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return unique, returning (2+ sessions) and one-time users, with shares of unique users."""
    users = user_rollup(table=table, filters=filters)
    returning = func.count().filter(users.c.sessions >= 2)
    one_time = func.count().filter(users.c.sessions == 1)
    return select(
        func.count().label("unique_users"),
        returning.label("returning_users"),
        one_time.label("one_time_users"),
        percent_of(returning, func.count()).label("returning_users_pct"),
        percent_of(one_time, func.count()).label("one_time_users_pct"),
    ).select_from(users)


def returning_users_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return returning users' count, mean sessions and span, most active user, longest span."""
    users = user_rollup(table=table, filters=filters)
    returning = users.c.sessions >= 2
    span_days = func.extract("epoch", users.c.last_seen - users.c.first_seen) / cast(
        SECONDS_PER_DAY, Numeric
    )
    # Ties go to the smallest user_id in byte order (COLLATE "C"), whatever the database's locale.
    user_id_c = users.c.user_id.collate("C")
    most_active = aggregate_order_by(users.c.user_id, users.c.sessions.desc(), user_id_c)
    longest_span = aggregate_order_by(users.c.user_id, span_days.desc(), user_id_c)
    return select(
        func.count().filter(returning).label("returning_users"),
        rounded(func.avg(users.c.sessions).filter(returning)).label(
            "avg_sessions_per_returning_user"
        ),
        func.array_agg(most_active)[1].label("most_active_user_id"),
        func.max(users.c.sessions).label("most_active_sessions"),
        rounded(func.avg(span_days).filter(returning)).label("avg_days_first_to_last_chat"),
        func.array_agg(longest_span).filter(returning)[1].label("longest_span_user_id"),
        rounded(func.max(span_days).filter(returning)).label("longest_span_days"),
    ).select_from(users)


def segments_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return unique users and, per segment, its user count and share of unique users."""
    users = user_rollup(table=table, filters=filters)
    columns: list[ColumnElement[Any]] = [func.count().label("unique_users")]
    for segment in SEGMENTS:
        condition = users.c.sessions >= segment.min_chats
        if segment.max_chats is not None:
            condition = condition & (users.c.sessions <= segment.max_chats)
        in_segment = func.count().filter(condition)
        columns.append(in_segment.label(f"{segment.key}_users"))
        columns.append(percent_of(in_segment, func.count()).label(f"{segment.key}_percent"))
    return select(*columns).select_from(users)
