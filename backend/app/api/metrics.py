"""GET /metrics: the Prometheus text of the app's registry, when METRICS_ENABLED is true."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backend.app.observability.metrics import Metrics

# Out of the OpenAPI document: it is for the operator's scraper, not the console.
router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Return every metric as Prometheus reads them, never to be stored."""
    registry: Metrics = request.app.state.metrics
    return Response(
        generate_latest(registry.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
