"""Serve an analytics body through the result cache, in its representation, with validators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

from fastapi import Request, Response
from pydantic import BaseModel

from backend.app import telemetry
from backend.app.analytics.overview import Answer
from backend.app.analytics.pain_points.classifier import PainPointClassifier
from backend.app.api.csv_export import csv_body, csv_filename, is_csv_of
from backend.app.api.representation import Format, Representation
from backend.app.api.validators import answer_response
from backend.app.cache.results import Computed, ResultCache
from backend.app.models.filters import AnalyticsFilters

JSON = Representation(Format.JSON, negotiated=False)


def is_json_of(model: type[BaseModel], body: bytes) -> bool:
    """Return whether `body` is exactly the JSON the service writes for some `model`."""
    try:
        # Written again from what was read: a field the model does not have, other spacing or
        # escapes, or a value its validators would change, makes other bytes.
        return model.model_validate_json(body).model_dump_json().encode() == body
    except Exception:
        # Whatever a validator raises on bytes anyone could have written, they are no answer.
        return False


async def serve(
    request: Request,
    cache: ResultCache,
    *,
    endpoint: str,
    model: type[BaseModel],
    filters: AnalyticsFilters,
    classifier: PainPointClassifier | None,
    compute: Callable[[datetime], Awaitable[Answer]],
    representation: Representation = JSON,
) -> Response:
    """Answer from the cache when a fresh answer is there, else compute, render and keep it.

    `compute` gets the request time, read from the cache's clock (the app's): a window that
    reaches past it is "recent" (its end is not settled), so its answer, elapsed days and
    complete flags included, is reused for the recent TTL at most. `classifier` is the one that
    labels the answer's pain points, if it holds any: its identity is part of the answer's key.
    """
    now = datetime.fromtimestamp(cache.clock(), UTC)

    async def render() -> Computed:
        result = await compute(now)
        if representation.format is Format.CSV:
            return Computed(csv_body(result.body), fell_back=result.fell_back)
        return Computed(result.body.model_dump_json().encode(), fell_back=result.fell_back)

    asked: dict[str, object] = {
        "endpoint": endpoint,
        "filters": filters.model_dump(mode="json"),
        "representation": representation.format,
    }
    # Another model or prompt labels texts otherwise: pain points' answers are not reused across
    # them, and no other answer is computed again for them.
    labelled = {} if classifier is None else {"classifier": classifier.identity}
    key = cache.key(asked | labelled)
    headers: dict[str, str] = {}
    if representation.negotiated:
        headers["Vary"] = "Accept"
    if representation.format is Format.CSV:
        headers["Content-Disposition"] = f'attachment; filename="{csv_filename(endpoint, filters)}"'
    reads_back = is_csv_of if representation.format is Format.CSV else is_json_of
    served = await cache.answer(
        key, window_end=filters.end_date, compute=render, is_answer=partial(reads_back, model)
    )
    measured = telemetry.current()
    if measured is not None:
        # Server-Timing says how the answer was had (backend/app/observability/requests.py).
        measured.cache = served.outcome
    return answer_response(
        request,
        served.answer,
        now=cache.clock(),
        media_type=representation.media_type,
        headers=headers,
        gzip_bodies=request.app.state.gzip_bodies,
    )
