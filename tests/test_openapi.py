"""The OpenAPI document says exactly what each parameter accepts, and is a valid OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from backend.app.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    SchemaMismatchError,
)
from backend.app.models.calendar import iana_zones
from tests.helpers import ANALYTICS_PATHS, get_json, pool

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
    # Every name the service accepts, and no other: Swagger shows them as a list.
    assert enum(parameters["tz"]) == sorted(iana_zones())
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
