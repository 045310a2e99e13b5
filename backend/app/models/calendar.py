"""Local days: the reporting time zone's calendar dates over a window of UTC instants.

Every time-zone rule comes from Python's zoneinfo, here and nowhere else. PostgreSQL only ever
compares UTC instants with the bounds computed here (the window, and the instant each local date
begins), so the days and the bounds of an answer can never come from two different zone databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from backend.app.models.rounding import two_places

ONE_MICROSECOND = timedelta(microseconds=1)


@cache
def iana_zones() -> frozenset[str]:
    """Return every IANA time zone name this machine's zone database knows, spelled exactly."""
    return frozenset(available_timezones())


def local_wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive wall-clock time in `zone` (fold=0), or of an aware one."""
    if value.tzinfo is None:
        # fold=0: a time that occurs twice is its first occurrence; one that never occurs (a gap)
        # is read with the offset in force before the gap, as zoneinfo does.
        return value.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return value.astimezone(UTC)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which the local date `day` begins in `zone`."""
    # Where midnight is skipped (America/Santiago, say), fold=0 maps it to the gap's end: the
    # first instant of the date.
    return local_wall_clock(datetime.combine(day, time.min), zone)


@dataclass(frozen=True)
class LocalDay:
    """One local date of the window: how long its part inside the window lasts, and if complete."""

    date: date
    hours: float
    complete: bool


@dataclass(frozen=True)
class LocalCalendar:
    """The local dates a window of UTC instants touches in one time zone."""

    zone: ZoneInfo
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, inclusive

    @property
    def first_day(self) -> date:
        """Return the local date of the window's first instant."""
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """Return the local date of the window's last instant."""
        return self.end.astimezone(self.zone).date()

    @property
    def day_count(self) -> int:
        """Return how many local dates the window touches."""
        return (self.last_day - self.first_day).days + 1

    def later_day_starts(self) -> list[datetime]:
        """Return, as naive UTC, the instant each local date after the first begins."""
        return [
            day_start(self.first_day + timedelta(days=offset), self.zone).replace(tzinfo=None)
            for offset in range(1, self.day_count)
        ]

    def days(self, now: datetime) -> list[LocalDay]:
        """Return every local date of the window with its hours inside it and completeness."""
        # The window as a half-open range of instants, [start, end + 1 µs).
        stop = self.end + ONE_MICROSECOND
        result = []
        for offset in range(self.day_count):
            day = self.first_day + timedelta(days=offset)
            begins, ends = day_start(day, self.zone), day_start(day + timedelta(days=1), self.zone)
            inside = min(ends, stop) - max(begins, self.start)
            result.append(
                LocalDay(
                    date=day,
                    hours=two_places(Decimal(inside.total_seconds()) / 3600),
                    complete=begins >= self.start and ends <= stop and ends <= now,
                )
            )
        return result
