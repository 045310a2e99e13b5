"""The /analytics endpoints: HTTP and validation only; KPI routes derive from their declarations."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.app.analytics.kinds import Kpi, StreamedKpi
from backend.app.analytics.overview import kpi_response
from backend.app.analytics.overview import overview as compute_overview
from backend.app.analytics.registry import KPIS, RESPONSE_MODELS, OverviewResponse
from backend.app.api.answers import serve
from backend.app.api.dependencies import (
    CacheDep,
    ClassifierDep,
    DatabaseDep,
    ExportFiltersDep,
    FiltersDep,
)
from backend.app.api.documentation import answer_responses
from backend.app.api.error_responses import ERROR_RESPONSES
from backend.app.api.representation import choose

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERROR_RESPONSES)


@router.get(
    "/overview",
    response_model=OverviewResponse,
    summary="Every KPI at once",
    responses=answer_responses("overview", OverviewResponse, csv=False),
)
async def overview(
    request: Request,
    filters: FiltersDep,
    db: DatabaseDep,
    classifier: ClassifierDep,
    cache: CacheDep,
) -> Response:
    """Compute every KPI for the same filters concurrently; each section equals its endpoint."""
    return await serve(
        request,
        cache,
        endpoint="overview",
        model=OverviewResponse,
        filters=filters,
        # Its pain points are the classifier's: their answer changes with it.
        classifier=classifier,
        compute=lambda now: compute_overview(filters, now, db, classifier),
    )


def _add_kpi_route(kpi: Kpi) -> None:
    """Register GET /analytics<path> answering the KPI's body for the request's filters."""
    response_model = RESPONSE_MODELS[kpi.name]

    async def endpoint(
        request: Request,
        query: ExportFiltersDep,
        db: DatabaseDep,
        classifier: ClassifierDep,
        cache: CacheDep,
    ) -> Response:
        filters = query.analytics_filters()
        # Only a streamed KPI's texts are labelled: no other answer changes with the classifier.
        labels = classifier if isinstance(kpi, StreamedKpi) else None
        return await serve(
            request,
            cache,
            endpoint=kpi.path.removeprefix("/"),
            model=response_model,
            filters=filters,
            classifier=labels,
            compute=lambda now: kpi_response(kpi, filters, now, db, labels),
            representation=choose(query.format, request.headers.get("accept")),
        )

    router.add_api_route(
        kpi.path,
        endpoint,
        methods=["GET"],
        name=kpi.name,
        response_model=response_model,
        summary=kpi.summary,
        description=kpi.description,
        responses=answer_responses(kpi.name, response_model, csv=True),
    )


for _kpi in KPIS:
    _add_kpi_route(_kpi)

# The endpoints that answer format=csv: every KPI's own, not the overview.
CSV_PATHS = tuple(f"{router.prefix}{kpi.path}" for kpi in KPIS)
