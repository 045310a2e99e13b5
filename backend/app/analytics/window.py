"""One window of a request: its filters, the request time, and its local calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from backend.app.models.calendar import LocalCalendar, LocalDay
from backend.app.models.filters import AnalyticsFilters


@dataclass(frozen=True)
class Window:
    """What a KPI reads of one window besides its rows: the same for its SQL and its shaping."""

    filters: AnalyticsFilters
    # The request time: which local days had ended, and how much of the window had elapsed.
    now: datetime

    @classmethod
    def every(cls, filters: AnalyticsFilters, now: datetime) -> list[Window]:
        """Return the windows a request computes: its own, and the previous one when compared."""
        return [cls(window, now) for window in filters.windows(now)]

    @cached_property
    def calendar(self) -> LocalCalendar:
        """Return the window's local dates in its time zone."""
        return self.filters.calendar()

    @cached_property
    def days(self) -> list[LocalDay]:
        """Return the window's local days at the request time (the SQL's days are these)."""
        return self.calendar.days(self.now)
