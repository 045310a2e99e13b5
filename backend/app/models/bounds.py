"""A window's bounds in its time zone: the UTC instants a bare date or a wall-clock time names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.app.models.calendar import ONE_MICROSECOND, day_start, local_wall_clock

_END_OF_DAY = time(23, 59, 59, 999_999)


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a bound, refusing one outside what Python's calendar can hold."""
    try:
        if isinstance(value, datetime):
            instant = local_wall_clock(value, zone)
        else:
            instant = day_start(value, zone)
    except OverflowError:
        raise ValueError(
            f"is outside the range of representable dates: in {zone.key} it is an instant "
            "before 0001-01-01T00:00:00Z or after 9999-12-31T23:59:59.999999Z"
        ) from None
    try:
        # Its local date names a day of the window: it must be a date too.
        instant.astimezone(zone)
    except OverflowError:
        raise ValueError(
            f"is outside the range of representable dates: in {zone.key} it falls on a local "
            "date before 0001-01-01 or after 9999-12-31"
        ) from None
    return instant


def skipped_before(instant: datetime, zone: ZoneInfo) -> list[date]:
    """Return the local dates the zone skipped just before `instant` (each began at it)."""
    local = instant.astimezone(zone)
    skipped: list[date] = []
    if local.time() != time.min:
        return skipped
    day = local.date()
    try:
        while day_start(day - timedelta(days=1), zone) == instant:
            day -= timedelta(days=1)
            skipped.insert(0, day)
    except OverflowError:
        pass
    return skipped


def start_instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """Return the window's first instant (UTC): a bare date begins at its local midnight."""
    return _instant(value, zone)


def end_instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """Return the window's last instant (UTC): a bare date ends 1 µs before the next one begins."""
    if isinstance(value, datetime):
        return _instant(value, zone)
    try:
        return _instant(value + timedelta(days=1), zone) - ONE_MICROSECOND
    except OverflowError:
        return _instant(datetime.combine(value, _END_OF_DAY), zone)
