"""Session metrics and volume trends: the bodies of /sessions and /volume."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from backend.app.models.responses import ROUNDING, Body


class SessionMetrics(Body):
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
        f"the window, in seconds (0 for a single message). {ROUNDING}"
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


class DayCount(Body):
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


class VolumeTrends(Body):
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
