"""The canonical filter model every analytics endpoint and KPI function accepts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_serializer,
    field_validator,
)


class ProductContext(StrEnum):
    """Which chatbot, and so which table, a request reads."""

    POOL = "pool"
    LANDSCAPE = "landscape"


# ISO 8601 only: a bare date, or a date and time with optional seconds, fraction and offset.
# Pydantic alone would also take Unix timestamps such as "2025", which is too easy to mistype.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?",
    re.IGNORECASE,
)
_END_OF_DAY = time(23, 59, 59, 999_999)
# Ten years of daily buckets at most: a longer window is a typo, and /analytics/volume would
# otherwise build one row per day of it (3.6 million for 0001 to 9999).
MAX_WINDOW_DAYS = 3_660


def _parse_iso(value: Any, *, bare_date_time: time) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, bare_date_time)
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)")
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return datetime.combine(date.fromisoformat(text), bare_date_time)
        except ValueError:
            raise ValueError(f"{text!r} is not a real calendar date") from None
    if _ISO_DATETIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a real date and time") from None
    raise ValueError(
        f"{text!r} is not an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)"
    )


def _window_start(value: Any) -> Any:
    return _parse_iso(value, bare_date_time=time.min)


def _window_end(value: Any) -> Any:
    return _parse_iso(value, bare_date_time=_END_OF_DAY)


def _to_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC and convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of representable dates") from None


def _blank_to_none(value: Any) -> Any:
    # Query strings cannot tell "not given" from "given empty"; an empty filter means no filter.
    if isinstance(value, str) and value == "":
        return None
    return value


def _example_window() -> tuple[str, str]:
    # Examples that fall inside the demo data (the last 90 days), so Execute shows real numbers.
    today = datetime.now(UTC).date()
    return (today - timedelta(days=29)).isoformat(), today.isoformat()


_EXAMPLE_START, _EXAMPLE_END = _example_window()

OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]


# Inputs are ISO dates or datetimes, which no single JSON Schema string format covers; the echo
# in responses is always a datetime.
def _iso_input(example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "examples": [example]}, mode="validation")


WindowStart = Annotated[datetime, BeforeValidator(_window_start), _iso_input(_EXAMPLE_START)]
WindowEnd = Annotated[datetime, BeforeValidator(_window_end), _iso_input(_EXAMPLE_END)]


class ProductQuery(BaseModel):
    """The one parameter of /meta/filter-options; anything else is refused, as for analytics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_context: ProductContext = Field(
        description="Which product's table.", examples=[ProductContext.POOL]
    )


class AnalyticsFilters(BaseModel):
    """Filters shared by every analytics endpoint; all are applied in the SQL WHERE clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_date: WindowStart = Field(
        description=(
            "Window start, inclusive. ISO 8601 date or datetime; naive values are UTC, "
            "values with an offset are converted to UTC. A bare date means 00:00:00 UTC."
        ),
    )
    end_date: WindowEnd = Field(
        description=(
            "Window end, inclusive. ISO 8601 date or datetime, UTC as for start_date. "
            "A bare date (2025-06-30) means the end of that day (23:59:59.999999 UTC)."
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
    )
    user_id: OptionalText = Field(
        default=None,
        max_length=50,
        description="Exact match on `user_id` (at most 50 characters); empty or absent means all.",
    )

    @field_validator("start_date", "end_date")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return _to_utc(value)

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError(
                f"must not be before start_date ({start.isoformat()} > {value.isoformat()})"
            )
        if start is not None and (value.date() - start.date()).days >= MAX_WINDOW_DAYS:
            raise ValueError(f"the window may span at most {MAX_WINDOW_DAYS} days")
        return value

    @field_validator("environment", "user_id")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the driver.
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_serializer("start_date", "end_date")
    def _iso_utc(self, value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    @property
    def start_utc(self) -> datetime:
        """Return the window start as a naive UTC datetime, the type of `time_stamp`."""
        return self.start_date.replace(tzinfo=None)

    @property
    def end_utc(self) -> datetime:
        """Return the window end as a naive UTC datetime, the type of `time_stamp`."""
        return self.end_date.replace(tzinfo=None)
