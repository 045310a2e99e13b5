"""Serve an analytics body through the result cache, with its validators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from pydantic import BaseModel

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.clustering import fell_back
from backend.app.cache.http import answer_response
from backend.app.cache.results import Computed, ResultCache
from backend.app.models.filters import AnalyticsFilters

JSON = "application/json"


async def serve(
    request: Request,
    cache: ResultCache,
    *,
    endpoint: str,
    filters: AnalyticsFilters,
    classifier: PainPointClassifier,
    compute: Callable[[], Awaitable[BaseModel]],
) -> Response:
    """Answer from the cache when a fresh answer is there, else compute, render and keep it."""

    async def render() -> Computed:
        body = await compute()
        return Computed(body.model_dump_json().encode(), fell_back=fell_back(body))

    key = cache.key(
        {
            "endpoint": endpoint,
            "filters": filters.model_dump(mode="json"),
            "representation": "json",
            "classifier": classifier.identity,
        }
    )
    answer = await cache.answer(key, window_end=filters.end_date, compute=render)
    return answer_response(request, answer, now=cache.clock(), media_type=JSON, headers={})
