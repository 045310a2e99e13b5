"""The OpenAPI document: FastAPI's, with the zone components and examples Swagger UI runs as is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI

from backend.app.api.documentation import add_recorded_examples
from backend.app.models.parameters import TIME_ZONE_ALIAS_SCHEMA_REF, TIME_ZONE_SCHEMA_REF
from backend.app.models.zones import alternation, listed_zones, other_zone_names

# Swagger UI's Try it out fills each field from its parameter's own `example` (never from the
# schema's), so that Execute sends a valid request at once: from 30 days before the day the
# service started to that day, on the pool table. That is 31 dates, as agreed for the console
# ("start_date 30 days before the service started"); the README's "last 30 days" are 30.
EXAMPLE_DAYS = 30


def parameter_examples(report_timezone: str, started: date) -> dict[str, str]:
    """Return each filter's example: 30 days before `started` to `started`, local dates."""
    return {
        "start_date": (started - timedelta(days=EXAMPLE_DAYS)).isoformat(),
        "end_date": started.isoformat(),
        "product_context": "pool",
        # What the service would apply anyway: the example changes nothing but the request's text.
        "tz": report_timezone,
        "compare": "none",
        "format": "json",
    }


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def documented(
    app: FastAPI, *, report_timezone: str, started: date
) -> Callable[[], dict[str, Any]]:
    """Return app.openapi extended by the `tz` components, the parameters' examples and the
    recorded response examples."""
    generate = app.openapi
    # Built once: the document is asked for on every /openapi.json and /docs load.
    components = {
        _name(TIME_ZONE_SCHEMA_REF): {
            "title": "TimeZone",
            "description": "A canonical zone name of the tz database (not a link), spelled "
            "exactly. Left out, though accepted (see TimeZoneAlias): links such as US/Central "
            "or UTC (Etc/UTC is listed), Factory, and the Etc/GMT+N and Etc/GMT-N zones, whose "
            "names a client generator would turn into one identifier.",
            "type": "string",
            "enum": list(listed_zones()),
        },
        _name(TIME_ZONE_ALIAS_SCHEMA_REF): {
            "title": "TimeZoneAlias",
            "description": "Every other name of the tz database that `tz` accepts: links "
            "(another name of a listed zone, such as UTC or US/Central), Factory and the "
            "Etc/GMT±N zones.",
            "type": "string",
            "pattern": alternation(other_zone_names()),
        },
    }
    examples = parameter_examples(report_timezone, started)

    def openapi() -> dict[str, Any]:
        document = generate()
        document.setdefault("components", {}).setdefault("schemas", {}).update(components)
        add_recorded_examples(document)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    name = parameter["name"]
                    if parameter["in"] != "query" or name not in examples:
                        continue
                    parameter["example"] = examples[name]
                    if name == "tz":
                        # The default is the deployment's REPORT_TIMEZONE, not the model's UTC.
                        parameter["schema"]["default"] = report_timezone
        return document

    return openapi
