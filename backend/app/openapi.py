"""The OpenAPI document: FastAPI's, with the shared components the parameters refer to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from backend.app.models.calendar import iana_zones
from backend.app.models.filters import TIME_ZONE_SCHEMA_REF


def with_time_zones(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Return app.openapi extended by the `TimeZone` enum: every IANA name `tz` accepts, once."""
    generate = app.openapi
    # Built once: the document is asked for on every /openapi.json and /docs load.
    time_zone = {
        "title": "TimeZone",
        "description": "An IANA time zone name, spelled exactly as the tz database does.",
        "type": "string",
        "enum": sorted(iana_zones()),
    }

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas[TIME_ZONE_SCHEMA_REF.rsplit("/", 1)[-1]] = time_zone
        return document

    return openapi
