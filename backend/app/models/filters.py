"""The canonical filter model every analytics endpoint and KPI function accepts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from backend.app.models.bounds import skipped_before
from backend.app.models.calendar import ONE_MICROSECOND, LocalCalendar, rfc3339_local
from backend.app.models.parameters import (
    DEFAULT_TZ,
    NO_NUL,
    LocalInstant,
    OptionalText,
    TimeZoneName,
    WindowEnd,
    WindowStart,
    zone_of,
)
from backend.app.models.periods import previous_period, previous_start
from backend.app.models.zones import iana_zones


class Compare(StrEnum):
    """Whether a body also carries the previous period and the changes against it."""

    NONE = "none"
    PREVIOUS_PERIOD = "previous_period"


class ProductContext(StrEnum):
    """Which chatbot, and so which table, a request reads."""

    POOL = "pool"
    LANDSCAPE = "landscape"


# Ten years of daily buckets at most: a longer window is a typo, and /analytics/volume would
# otherwise build one row per day of it (3.6 million for 0001 to 9999).
MAX_WINDOW_DAYS = 3_660


class ProductQuery(BaseModel):
    """The one parameter of /meta/filter-options; anything else is refused, as for analytics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_context: ProductContext = Field(
        description="Which product's table.", examples=[ProductContext.POOL]
    )


class AnalyticsFilters(BaseModel):
    """Filters shared by every analytics endpoint; all are applied in the SQL WHERE clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Set on a previous window cut to the current one's elapsed length: where it would have
    # ended, which its days' elapsed shares are measured against (LocalCalendar.uncut_end).
    _uncut_end: datetime | None = PrivateAttr(default=None)

    # First, so that the dates below are read in it.
    tz: TimeZoneName = Field(
        default=DEFAULT_TZ,
        description="Reporting time zone: an IANA name exactly as the tz database spells it "
        "(`America/Chicago`, `Europe/Berlin`, `UTC`). Bare dates and naive datetimes are "
        "wall-clock times in it, and days are its local dates. Default: the REPORT_TIMEZONE "
        "setting (UTC unless set).",
        examples=["America/Chicago"],
    )
    start_date: WindowStart = Field(
        description=(
            "Window start, inclusive. ISO 8601 date or datetime. A bare date or a naive datetime "
            "is a wall-clock time in `tz` (a bare date: the first instant of that local date); "
            "a datetime with an offset is the instant it names."
        ),
    )
    end_date: WindowEnd = Field(
        description=(
            "Window end, inclusive. ISO 8601 date or datetime, read as start_date. A bare date "
            "(2025-06-30) means the last microsecond before the next local date begins."
        ),
    )
    product_context: ProductContext = Field(
        description="`pool` reads interaction_log (Heritage Pool Plus); "
        "`landscape` reads landscape_interaction_log (Heritage Plus).",
        examples=[ProductContext.POOL],
    )
    environment: OptionalText = Field(
        default=None,
        description="Exact match on the `environment` column; empty or absent means all.",
        examples=["production"],
        json_schema_extra=NO_NUL,
    )
    user_id: OptionalText = Field(
        default=None,
        max_length=50,
        description="Exact match on `user_id` (at most 50 characters); empty or absent means all.",
        json_schema_extra=NO_NUL,
    )
    compare: Compare = Field(
        default=Compare.NONE,
        description="`previous_period` adds `previous` (the same body for the window just before "
        "this one, as long in local wall-clock time) and `changes` (current, previous, delta and "
        "delta_pct of every top-level number); `none` leaves both null.",
    )

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_date")
        if start is None:
            return value
        zone = zone_of(info)
        if value < start:
            # Bare dates the zone skipped (Pacific/Apia has no 2011-12-30) hold no time: such a
            # window ends 1 µs before it starts. Say so, rather than "end before start".
            skipped = skipped_before(start, zone) if value + ONE_MICROSECOND == start else []
            if skipped:
                dates = ", ".join(day.isoformat() for day in skipped)
                raise ValueError(
                    f"the local date {dates} does not exist in {zone.key} (the zone skipped it), "
                    "so the window holds no time"
                )
            raise ValueError(
                f"must not be before start_date ({start.isoformat()} > {value.isoformat()})"
            )
        # Counted in local dates, as /analytics/volume lists them.
        span = LocalCalendar(zone=zone, start=start, end=value).day_count
        if span > MAX_WINDOW_DAYS:
            raise ValueError(
                f"the window may span at most {MAX_WINDOW_DAYS} days (local dates in {zone.key}), "
                f"not {span}"
            )
        return value

    @field_validator("compare")
    @classmethod
    def _previous_window_exists(cls, value: Compare, info: ValidationInfo) -> Compare:
        start, tz = info.data.get("start_date"), info.data.get("tz")
        if value is Compare.PREVIOUS_PERIOD and start is not None and tz is not None:
            end = info.data.get("end_date", start)
            zone = ZoneInfo(tz)
            try:
                begins = previous_start(start, end, zone)
            except OverflowError:
                raise ValueError(
                    "previous_period: the window just before this one would begin before year 1"
                ) from None
            if begins > start - ONE_MICROSECOND:
                # A window that ends at an earlier wall-clock time than it starts (across a fall
                # back), or a previous start read in a DST gap, leaves the previous period no time.
                raise ValueError(
                    "previous_period: the window just before this one would be empty in "
                    f"{zone.key}: it would begin at {begins.isoformat()}, after its end "
                    f"{(start - ONE_MICROSECOND).isoformat()}, because of a DST change"
                )
        return value

    @field_validator("tz")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        # Exactly a tz database name: PostgreSQL would also take POSIX strings such as `UTC+3`
        # (whose sign is reversed) or `america/chicago`, and read them its own way.
        if value not in iana_zones():
            raise ValueError(
                f"{value!r} is not an IANA time zone name (for example America/Chicago, "
                "Europe/Berlin or UTC; the spelling and case must be exact)"
            )
        return value

    @field_validator("environment", "user_id")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the driver.
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_serializer("start_date", "end_date")
    def _local_instant(self, value: datetime) -> LocalInstant:
        # The same instant, written with the offset of `tz` then: a console shows local dates
        # without arithmetic.
        return rfc3339_local(value, ZoneInfo(self.tz))

    def previous_period(self, now: datetime | None = None) -> AnalyticsFilters:
        """Return the same filters for the previous window (periods.previous_period), uncompared."""
        period = previous_period(self.start_date, self.end_date, ZoneInfo(self.tz), now)
        previous = self.model_copy(
            update={"start_date": period.start, "end_date": period.end, "compare": Compare.NONE}
        )
        previous._uncut_end = period.uncut_end
        return previous

    def windows(self, now: datetime | None = None) -> list[AnalyticsFilters]:
        """Return the windows to compute: this one, and the previous one when compared."""
        if self.compare is Compare.PREVIOUS_PERIOD:
            return [self, self.previous_period(now)]
        return [self]

    def calendar(self) -> LocalCalendar:
        """Return the window's local dates in `tz`."""
        return LocalCalendar(
            zone=ZoneInfo(self.tz),
            start=self.start_date,
            end=self.end_date,
            uncut_end=self._uncut_end,
        )

    @property
    def start_utc(self) -> datetime:
        """Return the window start as a naive UTC datetime, the type of `time_stamp`."""
        return self.start_date.replace(tzinfo=None)

    @property
    def end_utc(self) -> datetime:
        """Return the window end as a naive UTC datetime, the type of `time_stamp`."""
        return self.end_date.replace(tzinfo=None)
