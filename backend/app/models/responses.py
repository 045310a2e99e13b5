"""Typed response bodies; field descriptions state each metric's definition for /docs."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from backend.app.models.filters import AnalyticsFilters, ProductContext

_ROUNDING = "Rounded to 2 decimals; null when there is nothing to average."


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True)


class Filtered(_Body):
    """A response that echoes the filters it was computed with."""

    filters: AnalyticsFilters = Field(
        description="The filters as applied; start_date and end_date as ISO datetimes in UTC."
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


class DayCount(_Body):
    """Sessions on one UTC calendar date."""

    date: dt.date = Field(description="UTC calendar date.")
    sessions: int = Field(description="Sessions whose first row in the window falls on this date.")


class VolumeTrends(_Body):
    """Sessions per day across the window."""

    total_sessions: int = Field(description="Sessions in the window; equals the sum of `daily`.")
    days: int = Field(
        description="Calendar dates from start_date's to end_date's UTC date, inclusive."
    )
    avg_sessions_per_day: float = Field(description="total_sessions / days, rounded to 2 decimals.")
    peak_day: DayCount = Field(
        description="The day with the most sessions; ties go to the earliest date."
    )
    lowest_day: DayCount = Field(
        description="The day with the fewest sessions, zero days included; ties go to the "
        "earliest date."
    )
    daily: list[DayCount] = Field(
        description="Every day of the window in order, zero-filled. A session counts on the UTC "
        "date of its first row in the window."
    )


class SessionsResponse(SessionMetrics, Filtered):
    """Body of /analytics/sessions."""


class VolumeResponse(VolumeTrends, Filtered):
    """Body of /analytics/volume."""


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
        description="`ready`, `unavailable` (database unreachable) or `schema_mismatch`.",
        examples=["ready"],
    )
    detail: str | None = Field(default=None, description="Why the service is not ready.")
    missing: list[str] = Field(
        default_factory=list,
        description="Tables or `table.column` names the service needs that the database lacks.",
    )
