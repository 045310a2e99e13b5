"""Local days: the reporting time zone's calendar dates over a window of UTC instants.

Every time-zone rule comes from Python's zoneinfo, here and nowhere else. PostgreSQL only ever
compares UTC instants with the bounds computed here (the window, and the instant each local date
begins), so the days and the bounds of an answer can never come from two different zone databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from backend.app.models.rounding import two_places

ONE_MICROSECOND = timedelta(microseconds=1)


def local_wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive wall-clock time in `zone` (fold=0), or of an aware one."""
    if value.tzinfo is None:
        # fold=0: a time that occurs twice is its first occurrence; one that never occurs (a gap)
        # is read with the offset in force before the gap, as zoneinfo does.
        return value.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return value.astimezone(UTC)


def rfc3339_local(instant: datetime, zone: ZoneInfo) -> str:
    """Return an aware instant as RFC 3339 with the offset `zone` has then (`Z` where it is UTC)."""
    try:
        local = instant.astimezone(zone)
    except OverflowError:
        # Its local date would fall outside years 1-9999: the same instant in UTC.
        local = instant.astimezone(UTC)
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        # A local mean time offset with seconds (before the zone adopted standard time) has no
        # RFC 3339 form: the same instant in UTC.
        local = instant.astimezone(UTC)
    text = local.isoformat()
    if local.tzname() == "UTC" or local.tzinfo is UTC:
        return text.replace("+00:00", "Z")
    return text


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
    # The share of its part inside the window that lay before the request: 1 once it has ended.
    elapsed: Decimal


@dataclass(frozen=True)
class LocalCalendar:
    """The local dates a window of UTC instants touches in one time zone.

    A local date the zone skipped (Pacific/Apia has no 2011-12-30) begins at the same instant as
    the next one: it lasts no time, and is not a day of the window.
    """

    zone: ZoneInfo
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, inclusive
    # A previous window cut to as long as the current one has run: where it would have ended.
    # Its days' elapsed shares are measured against their parts inside the uncut window, as the
    # current window's are against its own: the cut plays the part of the request time.
    uncut_end: datetime | None = None

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
        """Return how many local dates lie from the first to the last, skipped ones included."""
        return (self.last_day - self.first_day).days + 1

    @cached_property
    def _starts(self) -> list[datetime | None]:
        """Return when each local date of the range begins, and then when the next one does.

        None where that instant lies outside what Python can hold: only the first date (0001-01-01
        east of UTC) and the one after the last (after 9999-12-31) can; every other one begins
        inside the window.
        """
        starts: list[datetime | None] = []
        for offset in range(self.day_count + 1):
            try:
                starts.append(day_start(self.first_day + timedelta(days=offset), self.zone))
            except OverflowError:
                starts.append(None)
        return starts

    def skipped_days(self) -> list[date]:
        """Return the local dates of the range that never happened in the zone."""
        starts = self._starts
        return [
            self.first_day + timedelta(days=offset)
            for offset in range(self.day_count)
            if starts[offset] is not None and starts[offset] == starts[offset + 1]
        ]

    def later_day_starts(self) -> list[datetime]:
        """Return, as naive UTC, the instant each local date after the first begins."""
        inner = self._starts[1 : self.day_count]
        return [start.replace(tzinfo=None) for start in inner if start is not None]

    def days(self, now: datetime) -> list[LocalDay]:
        """Return every local date of the window with its hours inside it and completeness."""
        skipped = set(self.skipped_days())
        result = []
        for offset in range(self.day_count):
            day = self.first_day + timedelta(days=offset)
            if day in skipped:
                continue
            begins, next_begins = self._starts[offset], self._starts[offset + 1]
            # The day's part inside the window, as inclusive instants: from the later of the two
            # beginnings to the earlier of the two ends (end + 1 µs might not be representable).
            first = self.start if begins is None else max(begins, self.start)
            last = self.end if next_begins is None else min(next_begins - ONE_MICROSECOND, self.end)
            inside = last - first + ONE_MICROSECOND
            measured, as_of = last, now
            if self.uncut_end is not None:
                measured = (
                    self.uncut_end
                    if next_begins is None
                    else min(next_begins - ONE_MICROSECOND, self.uncut_end)
                )
                as_of = min(now, self.end + ONE_MICROSECOND)
            result.append(
                LocalDay(
                    date=day,
                    hours=two_places(Decimal(inside.total_seconds()) / 3600),
                    complete=begins is not None
                    and next_begins is not None
                    and begins >= self.start
                    and next_begins - ONE_MICROSECOND <= self.end
                    and next_begins <= now,
                    elapsed=_share_before(first, measured, as_of),
                )
            )
        return result


def _share_before(first: datetime, last: datetime, now: datetime) -> Decimal:
    """Return the share of the instants from `first` to `last` (inclusive) before `now`, exactly."""
    whole = (last - first) // ONE_MICROSECOND + 1
    before = min(max((now - first) // ONE_MICROSECOND, 0), whole)
    return Decimal(before) / Decimal(whole)


def elapsed_days(days: list[LocalDay]) -> Decimal:
    """Return how many of `days` had elapsed by the request: the sum of their shares, exact."""
    return sum((day.elapsed for day in days), Decimal(0))


def complete_range(days: list[LocalDay]) -> tuple[date, date] | None:
    """Return the first and last complete day, or None when no day is complete.

    Complete days are contiguous: every day but the first and last lies whole inside the
    window, and the days that had ended by the request come first.
    """
    complete = [day.date for day in days if day.complete]
    return (complete[0], complete[-1]) if complete else None
