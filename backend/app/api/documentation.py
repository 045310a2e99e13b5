"""What the document says of each answer: the headers sent, the 304, and real example bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from backend.app.analytics.registry import KPIS
from backend.app.api.csv_export import csv_body
from backend.app.api.representation import MEDIA_TYPES, Format
from backend.app.examples import example


def _header(description: str, *, required: bool) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


VALIDATORS: dict[str, Any] = {
    "ETag": _header(
        "A strong validator of the bytes sent: the same ETag always means the same bytes (a "
        "gzip body has its own). Send it back as If-None-Match for a 304.",
        required=True,
    ),
    "Cache-Control": _header(
        "`private, max-age=N`: N seconds of reuse left (a day for a window that ended more "
        "than an hour before, 60 s otherwise, by default).",
        required=True,
    ),
    "Vary": _header(
        "`Accept-Encoding`, and `Accept, Accept-Encoding` when the Accept header chose the "
        "representation.",
        required=True,
    ),
}
# On every answer and its 304 (backend/app/observability/requests.py).
TIMING: dict[str, Any] = {
    "Server-Timing": _header(
        'How the answer was had and where its time went: `cache;desc="hit"`, `"miss"` or '
        '`"shared"` (an identical request\'s computation), `db;dur=<ms>` in the database (none '
        "on a reused answer), `classify;dur=<ms>` classifying pain points, `total;dur=<ms>`.",
        required=True,
    ),
}
ANSWER_HEADERS: dict[str, Any] = {
    **VALIDATORS,
    **TIMING,
    "Content-Encoding": _header(
        "`gzip` when the body is over 1 KB and Accept-Encoding allows gzip.", required=False
    ),
}
CSV_HEADERS: dict[str, Any] = {
    "Content-Disposition": _header(
        'CSV only: `attachment; filename="<endpoint>_<first local date>_<last local date>.csv"`.',
        required=False,
    ),
}


def answer_responses(
    name: str, model: type[BaseModel], *, csv: bool
) -> dict[int | str, dict[str, Any]]:
    """Return the documented 200 (headers, a recorded example) and 304 of one answer."""
    recorded = example(name)
    # The JSON example is added to the finished document (add_recorded_examples): FastAPI drops
    # every null from what it is given here, and the bodies' nulls are part of them.
    content: dict[str, Any] = {"application/json": {}}
    headers = dict(ANSWER_HEADERS)
    description = "The body as JSON."
    if csv:
        content[MEDIA_TYPES[Format.CSV]] = {"schema": {"type": "string"}}
        if recorded is not None:
            # The CSV of the same recorded body: what format=csv answers for that request.
            sample = csv_body(model.model_validate(recorded)).decode()
            content[MEDIA_TYPES[Format.CSV]]["example"] = sample
        headers |= CSV_HEADERS
        description = (
            "The body as JSON; with format=csv (or an Accept header that prefers text/csv) as "
            "CSV, named by a Content-Disposition attachment."
        )
    return {
        200: {"description": description, "headers": headers, "content": content},
        304: {
            "description": "Not Modified: If-None-Match holds the ETag of the body this request "
            "would get (or of the plain body, where it would get gzip; the gzip ETag where it "
            "refuses gzip is no match). No body; the ETag is the one the client holds.",
            "headers": VALIDATORS | TIMING,
        },
    }


# Which recorded body is the example of which path's 200.
EXAMPLE_OF_PATH = {
    **{f"/analytics{kpi.path}": kpi.name for kpi in KPIS},
    "/analytics/overview": "overview",
    "/meta/filter-options": "filter_options",
    "/health": "health",
    "/health/ready": "ready",
}


def add_recorded_examples(document: dict[str, Any]) -> None:
    """Set each path's recorded body as the example of its JSON 200, nulls included."""
    for path, name in EXAMPLE_OF_PATH.items():
        recorded = example(name)
        operation = document.get("paths", {}).get(path, {}).get("get")
        if recorded is None or operation is None:
            continue
        content = operation["responses"]["200"].setdefault("content", {})
        content.setdefault("application/json", {})["example"] = recorded
