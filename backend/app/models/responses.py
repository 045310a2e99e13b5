"""Typed response bodies; field descriptions state each metric's definition for /docs."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from backend.app.errors import DatabaseUnavailableError
from backend.app.models.filters import AnalyticsFilters, ProductContext

_ROUNDING = "Rounded to 2 decimals; null when there is nothing to average."


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True)


class Filtered(_Body):
    """A response that echoes the filters it was computed with."""

    filters: AnalyticsFilters = Field(
        description="The filters as applied; start_date and end_date as RFC 3339 date-times with "
        "the offset of `tz` at that instant (`Z` in UTC), naming the window's first and last "
        "instant."
    )


class SessionMetrics(_Body):
    """Sessions in the window and their feedback and duration."""

    total_sessions: int = Field(
        description="Distinct non-empty session_id among rows in the window."
    )
    negative_feedback_sessions: int = Field(
        description="Sessions with at least one row whose user_feedback, trimmed and "
        "case-insensitively, is `negative`."
    )
    positive_feedback_sessions: int = Field(
        description="Sessions with at least one row whose user_feedback, trimmed and "
        "case-insensitively, is `positive`."
    )
    avg_session_duration_seconds: float | None = Field(
        description="Mean over sessions of last minus first time_stamp of the session's rows in "
        f"the window, in seconds (0 for a single message). {_ROUNDING}"
    )
    median_session_duration_seconds: float | None = Field(
        description="The 50th percentile of the same session durations, interpolated linearly "
        "between the closest ranks (PostgreSQL's percentile_cont), rounded to 2 decimals; null "
        "when there is no session."
    )
    p90_session_duration_seconds: float | None = Field(
        description="The 90th percentile of the same session durations, interpolated as the "
        "median is, rounded to 2 decimals; null when there is no session."
    )


class DayCount(_Body):
    """Sessions on one local calendar date (in the request's `tz`)."""

    date: dt.date = Field(description="Local calendar date in `tz`.")
    sessions: int = Field(description="Sessions whose first row in the window falls on this date.")


class DailyCount(DayCount):
    """One day of the window's zero-filled series."""

    hours: float = Field(
        description="How long the part of this local date inside the window lasts, in hours "
        "rounded to 2 decimals: 24 on an ordinary whole day, 23 or 25 on a DST-change day, less "
        "where the window cuts the day."
    )
    complete: bool = Field(
        description="True when the whole local date lies inside the window and had ended when "
        "the answer was computed."
    )


class VolumeTrends(_Body):
    """Sessions per day across the window."""

    total_sessions: int = Field(description="Sessions in the window; equals the sum of `daily`.")
    days: int = Field(
        description="Local dates in `tz` from the window's first instant's to its last's, "
        "inclusive."
    )
    elapsed_days: float = Field(
        description="How many of those days had elapsed when the answer was computed: the sum "
        "over the days of the share of each day's part inside the window that lay before the "
        "request time (1 for a day that had ended, 0.625 at 15:00 on an ordinary day, 0 for a "
        "day not yet begun), rounded to 2 decimals. Equals `days` for a window that had ended."
    )
    avg_sessions_per_day: float | None = Field(
        description="total_sessions / elapsed_days (the exact elapsed time, before rounding), "
        "rounded to 2 decimals; null when nothing has elapsed (a window wholly in the future). "
        "A day in progress and days still to come do not pull it down."
    )
    peak_day: DayCount = Field(
        description="The day with the most sessions, over all days; ties go to the earliest date."
    )
    lowest_day: DayCount = Field(
        description="The complete day (see `daily`) with the fewest sessions, zero days included; "
        "only when no day is complete, the lowest of all days. Ties go to the earliest date."
    )
    daily: list[DailyCount] = Field(
        description="Every local day of the window in order, zero-filled. A session counts on the "
        "local date (in `tz`) of its first row in the window."
    )


_PERCENT = "Percent 0-100, rounded to 2 decimals; null when the whole is zero."


class Engagement(_Body):
    """Users and conversations in the window."""

    unique_users: int = Field(
        description="Distinct non-empty user_id among rows in the window that belong to a session."
    )
    total_conversations: int = Field(
        description="All sessions in the window, anonymous ones (no user_id) included."
    )
    avg_conversations_per_user: float | None = Field(
        description="Mean session count over users (a user's session count is the number of "
        f"distinct sessions among that user's rows in the window). {_ROUNDING}"
    )


class Retention(_Body):
    """Returning and one-time users."""

    unique_users: int = Field(description="Users in the window (see /analytics/engagement).")
    returning_users: int = Field(description="Users with 2 or more sessions in the window.")
    one_time_users: int = Field(description="Users with exactly 1 session in the window.")
    returning_users_pct: float | None = Field(description=f"Of unique_users. {_PERCENT}")
    one_time_users_pct: float | None = Field(description=f"Of unique_users. {_PERCENT}")


class CategoryShare(_Body):
    """Sessions whose primary category is one category."""

    category: str = Field(description="Display name.")
    sessions: int
    percent: float | None = Field(description=f"Of total_sessions. {_PERCENT}")


class QueryCategories(_Body):
    """Sessions by primary category."""

    total_sessions: int = Field(description="Sessions in the window.")
    categories: list[CategoryShare] = Field(
        description="Twelve objects: the ten canonical categories in order, then Other, then "
        "Uncategorized. A session's primary category is the category that occurs most often "
        "among its rows in the window, ignoring NULL and empty labels; ties go to the one "
        "earlier in that order. Labels are normalised (lower-case, runs of characters other "
        "than a-z0-9 become `_`, leading and trailing `_` removed); a label that normalises to "
        "no canonical key is Other; a session with no label at all is Uncategorized."
    )


class ToolShare(_Body):
    """Sessions that invoked one agent tool."""

    tool: str = Field(description="Display name.")
    sessions: int = Field(description="Sessions that invoked this tool at least once.")
    percent: float | None = Field(
        description="Share of the sum of `sessions` over all tools, so the percents add up to "
        f"100 (give or take rounding). {_PERCENT}"
    )


class ToolUsage(_Body):
    """Sessions by agent tool invoked."""

    total_sessions: int = Field(description="Sessions in the window.")
    tools: list[ToolShare] = Field(
        description="The ten canonical tools and Other, sorted by sessions descending, ties in "
        "canonical order. A message's tool is its query_category, normalised as for categories; "
        "a NULL or empty label invokes no tool."
    )


class UserSessions(_Body):
    """A user and their session count."""

    user_id: str
    sessions: int


class UserSpan(_Body):
    """A user and the days between their first and last chat."""

    user_id: str
    days: float = Field(description="Last minus first time_stamp, in days, rounded to 2 decimals.")


class ReturningUsers(_Body):
    """How returning users (2+ sessions) behave."""

    returning_users: int = Field(description="Users with 2 or more sessions in the window.")
    avg_sessions_per_returning_user: float | None = Field(
        description=f"Mean session count over returning users. {_ROUNDING}"
    )
    most_active_user: UserSessions | None = Field(
        description="The highest session count among all users; ties go to the smallest user_id "
        "(byte order). Null when there are no users."
    )
    avg_days_first_to_last_chat: float | None = Field(
        description="Mean over returning users of their last minus first time_stamp in the "
        f"window, in days as a decimal. {_ROUNDING}"
    )
    longest_active_span: UserSpan | None = Field(
        description="The returning user with the largest such span; ties go to the smallest "
        "user_id (byte order). Null when there are no returning users."
    )


class SegmentShare(_Body):
    """Users in one segment by session count."""

    segment: str = Field(examples=["power"])
    label: str = Field(examples=["Power users"])
    min_chats: int
    max_chats: int | None = Field(description="Null: no upper bound.")
    users: int
    percent: float | None = Field(description=f"Of unique_users. {_PERCENT}")


class Segments(_Body):
    """Users by segment."""

    unique_users: int = Field(description="Users in the window (see /analytics/engagement).")
    segments: list[SegmentShare] = Field(
        description="Four objects in this order: power (10+ sessions), regular (3-9), casual (2), "
        "one_time (1)."
    )


class PainPointCluster(_Body):
    """Queries in one of the five predefined clusters."""

    cluster_id: int = Field(ge=0, le=4)
    label: str
    count: int = Field(description="Queries (rows with a non-blank input) in this cluster.")
    percent: float | None = Field(description=f"Of total_queries. {_PERCENT}")
    examples: list[str] = Field(
        description="Up to 3 distinct trimmed inputs of this cluster, most frequent first, ties "
        "by text. Frequency is counted per normalised text (trimmed, whitespace collapsed, "
        "case-folded); the example shown is that text's commonest original spelling."
    )


class PainPoints(_Body):
    """Every user query in the window, classified into the five pain-point clusters."""

    total_queries: int = Field(
        description="Rows in the window with a non-empty trimmed `input`; each is one query."
    )
    classifier: str = Field(
        description="What classified the queries: the LLM's model name when it classified any, "
        "else `keyword` (the local rules).",
        examples=["keyword"],
    )
    distinct_queries: int = Field(
        description="Distinct normalised query texts; each was classified once."
    )
    texts_by_classifier: dict[str, int] = Field(
        description="How many distinct texts each classifier handled (LLM answers include "
        "cached ones)."
    )
    fallback_reason: str | None = Field(
        description="Why texts meant for the LLM went to the local classifier (rate limit, "
        "timeout, error, deadline); null when nothing fell back."
    )
    clusters: list[PainPointCluster] = Field(
        description="Exactly five clusters, in cluster_id order; counts add up to total_queries."
    )


class FilterOptions(_Body):
    """Values the console offers in its filter controls for one product context."""

    product_context: ProductContext
    environments: list[str] = Field(
        description="Distinct non-empty environment values present in the table, sorted."
    )
    first_interaction: dt.datetime | None = Field(
        description="Earliest time_stamp in the table (UTC); null when the table is empty."
    )
    last_interaction: dt.datetime | None = Field(
        description="Latest time_stamp in the table (UTC); null when the table is empty."
    )


class Health(_Body):
    """Liveness: the process is running."""

    status: str = Field(examples=["ok"])


class Readiness(_Body):
    """Readiness: the database answers and both tables have the expected columns."""

    status: str = Field(
        description="`ready`; or why not: `unavailable` (database unreachable or not answering), "
        "`authentication_failed`, `database_missing`, `tls_failed` (no TLS where sslmode asks "
        "for it, or a certificate not accepted), `permission_denied` (the role may not read "
        "a table or column the service needs) or `schema_mismatch` (one is missing).",
        examples=["ready"],
    )
    detail: str | None = Field(default=None, description="Why the service is not ready.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Ready, but slower than it should be: the recommended indexes are missing.",
    )
    missing: list[str] = Field(
        default_factory=list,
        description="Tables or `table.column` names the service needs that the database lacks.",
    )
    unreadable: list[str] = Field(
        default_factory=list,
        description="`table.column` names the service needs that its role may not read.",
    )


class ErrorBody(_Body):
    """Every error: a human-readable `detail`."""

    detail: str = Field(examples=[DatabaseUnavailableError.default_detail])


class ParameterError(_Body):
    """One refused parameter."""

    parameter: str = Field(examples=["end_date"])
    message: str = Field(examples=["must not be before start_date"])


class ValidationErrorBody(_Body):
    """A 422: `detail` names each refused parameter; `errors` lists them one by one."""

    detail: str = Field(examples=["end_date: must not be before start_date"])
    errors: list[ParameterError]
