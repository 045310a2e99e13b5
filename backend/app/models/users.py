"""User KPIs (engagement, retention, returning users, segments): segments and bodies."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field

from backend.app.models.responses import PERCENT, ROUNDING, Body


class Segment(NamedTuple):
    """A user segment by session count: `min_chats` to `max_chats` inclusive (None: no bound)."""

    key: str
    label: str
    min_chats: int
    max_chats: int | None


SEGMENTS: tuple[Segment, ...] = (
    Segment("power", "Power users", 10, None),
    Segment("regular", "Regular users", 3, 9),
    Segment("casual", "Casual users", 2, 2),
    Segment("one_time", "One-time users", 1, 1),
)


class Engagement(Body):
    """Users and conversations in the window."""

    unique_users: int = Field(
        description="Distinct non-empty user_id among rows in the window that belong to a session."
    )
    total_conversations: int = Field(
        description="All sessions in the window, anonymous ones (no user_id) included."
    )
    avg_conversations_per_user: float | None = Field(
        description="Mean session count over users (a user's session count is the number of "
        f"distinct sessions among that user's rows in the window). {ROUNDING}"
    )


class Retention(Body):
    """Returning and one-time users."""

    unique_users: int = Field(description="Users in the window (see /analytics/engagement).")
    returning_users: int = Field(description="Users with 2 or more sessions in the window.")
    one_time_users: int = Field(description="Users with exactly 1 session in the window.")
    returning_users_pct: float | None = Field(description=f"Of unique_users. {PERCENT}")
    one_time_users_pct: float | None = Field(description=f"Of unique_users. {PERCENT}")


class UserSessions(Body):
    """A user and their session count."""

    user_id: str
    sessions: int


class UserSpan(Body):
    """A user and the days between their first and last chat."""

    user_id: str
    days: float = Field(description="Last minus first time_stamp, in days, rounded to 2 decimals.")


class ReturningUsers(Body):
    """How returning users (2+ sessions) behave."""

    returning_users: int = Field(description="Users with 2 or more sessions in the window.")
    avg_sessions_per_returning_user: float | None = Field(
        description=f"Mean session count over returning users. {ROUNDING}"
    )
    most_active_user: UserSessions | None = Field(
        description="The highest session count among all users; ties go to the smallest user_id "
        "(byte order). Null when there are no users."
    )
    avg_days_first_to_last_chat: float | None = Field(
        description="Mean over returning users of their last minus first time_stamp in the "
        f"window, in days as a decimal. {ROUNDING}"
    )
    longest_active_span: UserSpan | None = Field(
        description="The returning user with the largest such span; ties go to the smallest "
        "user_id (byte order). Null when there are no returning users."
    )


class SegmentShare(Body):
    """Users in one segment by session count."""

    segment: str = Field(examples=["power"])
    label: str = Field(examples=["Power users"])
    min_chats: int
    max_chats: int | None = Field(description="Null: no upper bound.")
    users: int
    percent: float | None = Field(description=f"Of unique_users. {PERCENT}")


class Segments(Body):
    """Users by segment."""

    unique_users: int = Field(description="Users in the window (see /analytics/engagement).")
    segments: list[SegmentShare] = Field(
        description="Four objects in this order: power (10+ sessions), regular (3-9), casual (2), "
        "one_time (1)."
    )
