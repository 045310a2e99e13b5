"""The filters' parameter types: how each is read, and the schema the OpenAPI document shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema
from pydantic.config import JsonDict

from backend.app.models.bounds import end_instant, start_instant
from backend.app.models.iso_dates import parse_iso

# What `tz` is when a request does not give it; the HTTP layer applies REPORT_TIMEZONE instead.
DEFAULT_TZ = "UTC"


def zone_of(info: ValidationInfo) -> ZoneInfo:
    """Return the zone of the filters being validated, in which their dates are read."""
    # `tz` is validated first; when it was refused, its own error is reported and UTC stands in.
    return ZoneInfo(info.data.get("tz") or DEFAULT_TZ)


def _window_start(value: Any, info: ValidationInfo) -> datetime:
    """Return `start_date`'s first instant (UTC), read in the filters' zone."""
    return start_instant(parse_iso(value), zone_of(info))


def _window_end(value: Any, info: ValidationInfo) -> datetime:
    """Return `end_date`'s last instant (UTC), read in the filters' zone."""
    return end_instant(parse_iso(value), zone_of(info))


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
NO_NUL: JsonDict = {"pattern": "^[^\\u0000]*$"}

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
