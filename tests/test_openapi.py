"""The OpenAPI document says exactly what each parameter accepts, and is a valid OpenAPI 3.1."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import httpx
import pytest
from openapi_python_client import strings
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from backend.app.db.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    SchemaMismatchError,
)
from backend.app.models.zones import iana_zones, listed_zones
from tests.support.apps import FakeClock, running_app
from tests.support.endpoints import ANALYTICS_PATHS, get_json
from tests.support.windows import pool

ALL_ANALYTICS = [*ANALYTICS_PATHS, "/analytics/overview"]


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    """Return the service's OpenAPI document."""
    document: dict[str, Any] = await get_json(client, "/openapi.json")
    return document


def _parameters(spec: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize("path", ALL_ANALYTICS)
def test_dates_are_a_date_or_a_date_time(spec: dict[str, Any], path: str) -> None:
    parameters = _parameters(spec, path)
    for name in ("start_date", "end_date"):
        branches = parameters[name]["anyOf"]
        assert [(b["type"], b["format"]) for b in branches] == [
            ("string", "date"),
            ("string", "date-time"),
        ]
        assert all(branch["examples"] for branch in branches)


@pytest.mark.parametrize("path", ALL_ANALYTICS)
def test_closed_sets_are_enums(spec: dict[str, Any], path: str) -> None:
    parameters = _parameters(spec, path)
    schemas = spec["components"]["schemas"]

    def enum(schema: dict[str, Any]) -> list[str]:
        [ref] = [s["$ref"] for s in schema.get("anyOf", [schema]) if "$ref" in s]
        values: list[str] = schemas[ref.rsplit("/", 1)[-1]]["enum"]
        return values

    assert enum(parameters["product_context"]) == ["pool", "landscape"]
    assert enum(parameters["compare"]) == ["none", "previous_period"]
    # The canonical zones as a list; every other accepted name by TimeZoneAlias (below).
    [listed, alias] = parameters["tz"]["anyOf"]
    assert enum(listed) == list(listed_zones())
    assert alias == {"$ref": "#/components/schemas/TimeZoneAlias"}
    if path != "/analytics/overview":
        assert enum(parameters["format"]) == ["json", "csv"]
    else:
        assert "format" not in parameters


@pytest.mark.parametrize("path", ALL_ANALYTICS)
def test_text_that_refuses_nul_says_so(spec: dict[str, Any], path: str) -> None:
    parameters = _parameters(spec, path)
    for name in ("environment", "user_id"):
        assert parameters[name]["pattern"] == "^[^\\u0000]*$"
    [text] = [branch for branch in parameters["user_id"]["anyOf"] if branch["type"] == "string"]
    assert text["maxLength"] == 50


async def test_the_nul_pattern_matches_what_the_service_refuses(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/analytics/sessions", params=pool(user_id="a\x00b"))
    accepted = await client.get("/analytics/sessions", params=pool(user_id="a b\x01"))
    assert (refused.status_code, accepted.status_code) == (422, 200)


@pytest.mark.parametrize("path", [*ALL_ANALYTICS, "/meta/filter-options"])
def test_every_error_has_its_own_example(spec: dict[str, Any], path: str) -> None:
    responses = spec["paths"][path]["get"]["responses"]
    assert {"422", "503", "504"} <= set(responses)
    invalid = responses["422"]["content"]["application/json"]["example"]
    # The example names one of the path's own parameters.
    [named] = [error["parameter"] for error in invalid["errors"]]
    assert named in {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
    assert invalid["detail"].startswith(f"{named}: ")
    unavailable = responses["503"]["content"]["application/json"]["examples"]
    assert [example["value"]["detail"] for example in unavailable.values()] == [
        error.default_detail
        for error in (
            DatabaseUnavailableError,
            DatabaseBusyError,
            DatabaseAuthenticationError,
            DatabaseMissingError,
            DatabasePermissionError,
            SchemaMismatchError,
        )
    ]
    timeout = responses["504"]["content"]["application/json"]["example"]["detail"]
    assert timeout == QueryTimeoutError.default_detail
    assert "statement timeout" in timeout


def test_readiness_documents_its_503(spec: dict[str, Any]) -> None:
    examples = spec["paths"]["/health/ready"]["get"]["responses"]["503"]["content"][
        "application/json"
    ]["examples"]
    assert {example["value"]["status"] for example in examples.values()} == {
        "unavailable",
        "schema_mismatch",
    }


def _tzdata() -> tuple[set[str], set[str]]:
    """Return the zone and link names of the tzdata package's tzdata.zi, read here on their own."""
    text = (resources.files("tzdata") / "zoneinfo" / "tzdata.zi").read_text()
    rows = [line.split() for line in text.splitlines()]
    return {row[1] for row in rows if row[:1] == ["Z"]}, {
        row[2] for row in rows if row[:1] == ["L"]
    }


def test_the_tz_list_is_canonical_and_safe_for_client_generators(spec: dict[str, Any]) -> None:
    names = spec["components"]["schemas"]["TimeZone"]["enum"]
    zones, links = _tzdata()
    # Zones only (no links such as US/Central or Etc/GMT0), from the package, not this host: no
    # `localtime`, and not `Factory`, which names no place.
    assert set(names) <= zones
    assert not set(names) & links
    assert "localtime" not in names
    assert "Factory" not in names
    assert {"America/Chicago", "Europe/Berlin", "Etc/UTC", "Asia/Kolkata"} <= set(names)
    # No two names that a generator turns into one identifier, by any of the usual rules:
    # openapi-python-client's own, and letters and digits alone (Etc/GMT+1, Etc/GMT-1).
    rules: list[Callable[[str], str]] = [
        lambda name: strings.snake_case(name.upper()).upper(),
        lambda name: re.sub(r"[^A-Z0-9]", "", name.upper()),
        lambda name: re.sub(r"[^a-z0-9]+", "_", name.lower()),
    ]
    for rule in rules:
        identifiers = [rule(name) for name in names]
        assert len(set(identifiers)) == len(identifiers)
    # Every zone of the database is listed but Factory and the Etc/GMT+N / Etc/GMT-N pairs.
    left_out = zones - set(names)
    assert {name for name in left_out if not re.fullmatch(r"Etc/GMT[+-]\d+", name)} == {"Factory"}


def test_the_document_describes_exactly_the_names_accepted(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    listed = set(schemas["TimeZone"]["enum"])
    pattern = re.compile(schemas["TimeZoneAlias"]["pattern"])
    zones, links = _tzdata()
    described = listed | {name for name in zones | links if pattern.search(name)}
    # Every name of the tz database, zones and links: what the service accepted before, less
    # `localtime` (this host's zone, not a tz database name).
    assert described == zones | links == set(iana_zones())
    for name in (
        "localtime",
        "us/central",
        "US/Central ",
        "UTC+3",
        "Etc/GMT+0\n",
        "",
        "Etc/GMT+15",
    ):
        assert name not in listed
        assert not pattern.search(name), name


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("America/Chicago", 200),  # listed
        ("Etc/UTC", 200),
        ("UTC", 200),  # links: accepted, by TimeZoneAlias
        ("US/Central", 200),
        ("Etc/GMT+0", 200),
        ("Etc/GMT0", 200),
        ("Etc/GMT-14", 200),  # a zone left out of the list
        ("Factory", 200),
        ("localtime", 422),  # this host's zone: never a name of the tz database
        ("posixrules", 422),
    ],
)
async def test_the_service_accepts_what_the_document_describes(
    client: httpx.AsyncClient, spec: dict[str, Any], name: str, status: int
) -> None:
    schemas = spec["components"]["schemas"]
    described = name in schemas["TimeZone"]["enum"] or bool(
        re.search(schemas["TimeZoneAlias"]["pattern"], name)
    )
    response = await client.get("/analytics/sessions", params=pool(tz=name))
    assert response.status_code == status
    assert described is (status == 200)


async def test_swagger_fills_each_filter_from_its_own_example(database_url: str) -> None:
    # Started at 03:00 UTC on 2026-03-01, which is still 02-28 in Chicago, the REPORT_TIMEZONE.
    clock = FakeClock(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    async with running_app(database_url, clock=clock, report_timezone="America/Chicago") as (
        _,
        http,
    ):
        document = await get_json(http, "/openapi.json")
        for path in ALL_ANALYTICS:
            parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
            # Parameter-level examples: Swagger UI's Try it out fills fields from these only.
            assert parameters["start_date"]["example"] == "2026-01-29"
            assert parameters["end_date"]["example"] == "2026-02-28"
            assert parameters["product_context"]["example"] == "pool"
            assert parameters["tz"]["example"] == "America/Chicago"
            assert parameters["tz"]["schema"]["default"] == "America/Chicago"
            for name in ("environment", "user_id"):
                # Left empty: an example there would filter the numbers away.
                assert "example" not in parameters[name]
            # What Execute sends without typing anything is a valid request.
            sent = {name: p["example"] for name, p in parameters.items() if "example" in p}
            response = await http.get(path, params=sent)
            assert response.status_code == 200, (path, response.text)
        options = document["paths"]["/meta/filter-options"]["get"]["parameters"]
        assert [p["example"] for p in options] == ["pool"]
