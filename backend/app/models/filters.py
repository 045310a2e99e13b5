"""The canonical filter model every analytics endpoint and KPI function accepts."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    field_serializer,
    field_validator,
)
from pydantic.config import JsonDict

from backend.app.models.calendar import (
    ONE_MICROSECOND,
    LocalCalendar,
    day_start,
    local_wall_clock,
    rfc3339_local,
)
from backend.app.models.zones import iana_zones

# What `tz` is when a request does not give it; the HTTP layer applies REPORT_TIMEZONE instead.
DEFAULT_TZ = "UTC"


class Compare(StrEnum):
    """Whether a body also carries the previous period and the changes against it."""

    NONE = "none"
    PREVIOUS_PERIOD = "previous_period"


class Format(StrEnum):
    """The representation of an answer: JSON, or CSV for a spreadsheet."""

    JSON = "json"
    CSV = "csv"


class ProductContext(StrEnum):
    """Which chatbot, and so which table, a request reads."""

    POOL = "pool"
    LANDSCAPE = "landscape"


# ISO 8601 only: a bare date, or a date and time with optional seconds, fraction and offset.
# Pydantic alone would also take Unix timestamps such as "2025", which is too easy to mistype.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Any number of fraction digits (RFC 3339 allows it; digits past microseconds are dropped), and
# the leap second :60, which RFC 3339 also allows, read as the last microsecond of its minute.
_ISO_DATETIME = re.compile(
    r"(?P<minute>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(:(?P<second>\d{2})(\.\d+)?)?"
    r"(?P<offset>Z|[+-]\d{2}(:?\d{2})?)?",
    re.IGNORECASE,
)
_END_OF_DAY = time(23, 59, 59, 999_999)
# Ten years of daily buckets at most: a longer window is a typo, and /analytics/volume would
# otherwise build one row per day of it (3.6 million for 0001 to 9999).
MAX_WINDOW_DAYS = 3_660


def _parse_iso(value: Any) -> date | datetime:
    """Return a bare date as a date, a date and time as a (naive or aware) datetime."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)")
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a real calendar date") from None
    if match := _ISO_DATETIME.fullmatch(text):
        if match["second"] == "60":
            text = f"{match['minute']}:59.999999{match['offset'] or ''}"
        try:
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a real date and time") from None
    raise ValueError(
        f"{text!r} is not an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)"
    )


def _zone(info: ValidationInfo) -> ZoneInfo:
    # `tz` is validated first; when it was refused, its own error is reported and UTC stands in.
    return ZoneInfo(info.data.get("tz") or DEFAULT_TZ)


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


def _skipped_before(instant: datetime, zone: ZoneInfo) -> list[date]:
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


def _window_start(value: Any, info: ValidationInfo) -> datetime:
    """Return the window's first instant (UTC): a bare date begins at its local midnight."""
    return _instant(_parse_iso(value), _zone(info))


def _window_end(value: Any, info: ValidationInfo) -> datetime:
    """Return the window's last instant (UTC): a bare date ends 1 µs before the next one begins."""
    parsed = _parse_iso(value)
    zone = _zone(info)
    if isinstance(parsed, datetime):
        return _instant(parsed, zone)
    try:
        return _instant(parsed + timedelta(days=1), zone) - ONE_MICROSECOND
    except OverflowError:
        return _instant(datetime.combine(parsed, _END_OF_DAY), zone)


def _blank_to_none(value: Any) -> Any:
    # Query strings cannot tell "not given" from "given empty"; an empty filter means no filter.
    if isinstance(value, str) and value == "":
        return None
    return value


OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]


# Inputs are an RFC 3339 date or date-time; the echo in responses is always a date-time. (A naive
# date-time, a wall-clock time in `tz`, is also read, as the description says.) These examples
# show the two forms; the parameters' own examples, which Swagger UI fills in, are the last 30
# days (openapi.py).
def _iso_input(example: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date", "examples": [example]},
                {"type": "string", "format": "date-time", "examples": [f"{example}T12:00:00Z"]},
            ],
            "examples": [example],
        },
        mode="validation",
    )


# PostgreSQL text cannot hold NUL: the document says so, and the validator refuses it.
_NO_NUL: JsonDict = {"pattern": "^[^\\u0000]*$"}

# The tz parameter's schema: a canonical zone of the `TimeZone` list, or another name of the tz
# database (`TimeZoneAlias`); openapi.py adds both components. Together: exactly what is accepted.
TIME_ZONE_SCHEMA_REF = "#/components/schemas/TimeZone"
TIME_ZONE_ALIAS_SCHEMA_REF = "#/components/schemas/TimeZoneAlias"
TimeZoneName = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [{"$ref": TIME_ZONE_SCHEMA_REF}, {"$ref": TIME_ZONE_ALIAS_SCHEMA_REF}],
            "examples": ["America/Chicago"],
        },
        mode="validation",
    ),
]


# The echo of an instant in responses: an RFC 3339 date-time, so that clients parse it as one.
LocalInstant = Annotated[
    str, WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")
]

WindowStart = Annotated[datetime, BeforeValidator(_window_start), _iso_input("2025-06-01")]
WindowEnd = Annotated[datetime, BeforeValidator(_window_end), _iso_input("2025-06-30")]


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Return the naive wall-clock reading of an instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _previous_start(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """Return where the window before [start, end] begins (OverflowError before year 1)."""
    length = _wall(end, zone) - _wall(start, zone)
    return local_wall_clock(_wall(start - ONE_MICROSECOND, zone) - length, zone)


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
        json_schema_extra=_NO_NUL,
    )
    user_id: OptionalText = Field(
        default=None,
        max_length=50,
        description="Exact match on `user_id` (at most 50 characters); empty or absent means all.",
        json_schema_extra=_NO_NUL,
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
        zone = _zone(info)
        if value < start:
            # Bare dates the zone skipped (Pacific/Apia has no 2011-12-30) hold no time: such a
            # window ends 1 µs before it starts. Say so, rather than "end before start".
            skipped = _skipped_before(start, zone) if value + ONE_MICROSECOND == start else []
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
                previous_start = _previous_start(start, end, zone)
            except OverflowError:
                raise ValueError(
                    "previous_period: the window just before this one would begin before year 1"
                ) from None
            if previous_start > start - ONE_MICROSECOND:
                # A window that ends at an earlier wall-clock time than it starts (across a fall
                # back), or a previous start read in a DST gap, leaves the previous period no time.
                raise ValueError(
                    "previous_period: the window just before this one would be empty in "
                    f"{zone.key}: it would begin at {previous_start.isoformat()}, after its end "
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
        """Return the same filters for the previous window, without comparison.

        It starts at the wall-clock time local(start - 1 µs) - (local(end) - local(start)) in
        `tz`, read with fold=0, and ends 1 µs before this window starts: a window of N whole
        local dates is compared with the N local dates just before it. When the request time
        `now` lies inside this window, the previous one is cut to as long as this one has run:
        it ends at the wall-clock time local(previous start) + (local(now) - local(start)).
        """
        zone = ZoneInfo(self.tz)
        start = _previous_start(self.start_date, self.end_date, zone)
        end = self.start_date - ONE_MICROSECOND
        if now is not None and self.start_date <= now <= self.end_date:
            so_far = _wall(now, zone) - _wall(self.start_date, zone)
            cut = local_wall_clock(_wall(start, zone) + so_far, zone)
            # fold=0 across a DST change may move the cut an hour either way: keep it between
            # the previous window's own bounds.
            cut_end = max(start, min(cut, end))
            previous = self.model_copy(
                update={"start_date": start, "end_date": cut_end, "compare": Compare.NONE}
            )
            previous._uncut_end = end
            return previous
        return self.model_copy(
            update={"start_date": start, "end_date": end, "compare": Compare.NONE}
        )

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


class ExportFilters(AnalyticsFilters):
    """The filters of an endpoint that also answers CSV, and the representation asked for."""

    format: Format | None = Field(
        default=None,
        description="`csv`: text/csv for a spreadsheet (the body's list as rows, or its numbers "
        "as one row; the current window only); `json`: the JSON body. Absent: the `Accept` "
        "header decides (JSON unless it prefers text/csv).",
    )

    def analytics_filters(self) -> AnalyticsFilters:
        """Return the filters alone, as every KPI and the `filters` echo take them."""
        return AnalyticsFilters.model_construct(
            _fields_set=self.model_fields_set - {"format"},
            **{name: getattr(self, name) for name in AnalyticsFilters.model_fields},
        )
