"""The document's response examples: real bodies, recorded from the demo data, still current.

`make examples` records them (backend/demo/record_examples.py). Here each one must still
validate against its endpoint's response model with exactly its current fields, be what the
document shows, and hang together as one recording of one service would.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from backend.app.analytics.registry import KPIS, RESPONSE_MODELS, OverviewResponse
from backend.app.examples import example
from backend.app.models.responses import FilterOptions, Health, Readiness
from tests.support.endpoints import get_json, without_filters

MODELS: dict[str, type[BaseModel]] = {
    **RESPONSE_MODELS,
    "overview": OverviewResponse,
    "filter_options": FilterOptions,
    "health": Health,
    "ready": Readiness,
}
PATHS = {kpi.name: f"/analytics{kpi.path}" for kpi in KPIS} | {
    "overview": "/analytics/overview",
    "filter_options": "/meta/filter-options",
    "health": "/health",
    "ready": "/health/ready",
}


@pytest.fixture(scope="module")
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    """Return the service's OpenAPI document."""
    document: dict[str, Any] = await get_json(client, "/openapi.json")
    return document


@pytest.mark.parametrize("name", list(MODELS))
def test_each_example_has_exactly_the_current_fields(name: str) -> None:
    recorded = example(name)
    assert recorded is not None, f"backend/app/examples/{name}.json is missing: make examples"
    model = MODELS[name]
    # Validates (no field missing, every value of its type), and writes back the same JSON: no
    # field the model no longer has, none renamed.
    assert model.model_validate(recorded).model_dump(mode="json") == recorded


def _scalars(body: dict[str, Any]) -> dict[str, Any]:
    """Return a body's top-level fields that are not objects: its one CSV row.

    The recorded bodies are compared: `filters`, `previous` and `changes` are objects.
    """
    return {name: value for name, value in body.items() if not isinstance(value, dict)}


def _cell(value: Any) -> str:
    """Return one CSV cell as a reader sees it, for the demo data's plain values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " | ".join(map(_cell, value))
    return value if isinstance(value, str) else json.dumps(value)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_document_shows_the_recorded_examples(spec: dict[str, Any], name: str) -> None:
    ok = spec["paths"][PATHS[name]]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["example"] == example(name)
    if name in RESPONSE_MODELS:
        # The CSV example is the CSV of the same body, read back: the body's list as rows, its
        # items' fields as columns (a list inside joined with " | ", null empty, numbers as in
        # JSON), or one row of its top-level scalars.
        shown = ok["content"]["text/csv; charset=utf-8"]["example"]
        header, *rows = csv.reader(io.StringIO(shown.removeprefix("\ufeff")))
        body = example(name)
        lists = [value for value in body.values() if isinstance(value, list)]
        items = lists[0] if lists else [_scalars(body)]
        assert header == list(items[0])
        assert rows == [[_cell(item[column]) for column in header] for item in items]


def test_the_examples_are_one_recording_of_the_service() -> None:
    overview = example("overview")
    # Comparisons, in a local zone, over whole days: what the console shows.
    assert overview["filters"]["compare"] == "previous_period"
    assert overview["filters"]["start_date"].endswith(("-06:00", "-05:00"))
    assert overview["volume"]["elapsed_days"] == overview["volume"]["days"]
    for kpi in KPIS:
        single = example(kpi.name)
        # Each section of the overview is the endpoint's own body, as docs/metrics.md says.
        assert single["filters"] == overview["filters"], kpi.name
        assert without_filters(single) == overview[kpi.name], kpi.name
        assert single["changes"] == overview["changes"][kpi.name], kpi.name
    volume = example("volume")
    assert sum(day["sessions"] for day in volume["daily"]) == volume["total_sessions"] > 0
    assert volume["previous"]["filters"]["end_date"] < volume["filters"]["start_date"]


@pytest.mark.parametrize("path", [PATHS[kpi.name] for kpi in KPIS] + ["/analytics/overview"])
def test_the_document_declares_the_headers_and_the_304(spec: dict[str, Any], path: str) -> None:
    responses = spec["paths"][path]["get"]["responses"]
    ok, not_modified = responses["200"]["headers"], responses["304"]["headers"]
    for name in ("ETag", "Cache-Control", "Vary", "Server-Timing"):
        assert ok[name]["required"] is True
        assert not_modified[name]["required"] is True
    assert ok["Content-Encoding"]["required"] is False
    if path != "/analytics/overview":
        assert ok["Content-Disposition"]["required"] is False
    assert "content" not in responses["304"]
    assert responses["503"]["headers"]["Retry-After"]["required"] is False
    for status in ("422", "503", "504"):
        assert responses[status]["headers"]["Cache-Control"]["required"] is True


@pytest.mark.parametrize("name", [*RESPONSE_MODELS, "overview"])
def test_previous_and_changes_are_required_and_nullable(spec: dict[str, Any], name: str) -> None:
    schema = spec["components"]["schemas"][MODELS[name].__name__]
    assert {"previous", "changes"} <= set(schema["required"])
    for field in ("previous", "changes"):
        assert {"type": "null"} in schema["properties"][field]["anyOf"]
