"""The previous period of a window: wall-clock arithmetic in its time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.app.models.calendar import ONE_MICROSECOND, local_wall_clock


@dataclass(frozen=True)
class Period:
    """A window's bounds (aware UTC, inclusive), and where a cut one would have ended."""

    start: datetime
    end: datetime
    # Set on a previous window cut to the current one's elapsed length (LocalCalendar.uncut_end).
    uncut_end: datetime | None = None


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Return the naive wall-clock reading of an instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def previous_start(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """Return where the window before [start, end] begins (OverflowError before year 1)."""
    length = wall(end, zone) - wall(start, zone)
    return local_wall_clock(wall(start - ONE_MICROSECOND, zone) - length, zone)


def previous_period(
    start: datetime, end: datetime, zone: ZoneInfo, now: datetime | None = None
) -> Period:
    """Return the window just before [start, end] in `zone`.

    It starts at the wall-clock time local(start - 1 µs) - (local(end) - local(start)) in
    `zone`, read with fold=0, and ends 1 µs before this window starts: a window of N whole
    local dates is compared with the N local dates just before it. When the request time
    `now` lies inside this window, the previous one is cut to as long as this one has run:
    it ends at the wall-clock time local(previous start) + (local(now) - local(start)).
    """
    previous = previous_start(start, end, zone)
    previous_end = start - ONE_MICROSECOND
    if now is not None and start <= now <= end:
        so_far = wall(now, zone) - wall(start, zone)
        cut = local_wall_clock(wall(previous, zone) + so_far, zone)
        # fold=0 across a DST change may move the cut an hour either way: keep it between
        # the previous window's own bounds.
        return Period(previous, max(previous, min(cut, previous_end)), uncut_end=previous_end)
    return Period(previous, previous_end)
