"""Whole response bodies: one KPI's, or every KPI's (the overview), with the previous period."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.comparison import changes_of, respond
from backend.app.analytics.declaration import Kpi
from backend.app.analytics.registry import KPIS, RESPONSE_MODELS, OverviewResponse
from backend.app.analytics.runner import compute_windows
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters


async def overview(
    db: Database, filters: AnalyticsFilters, classifier: PainPointClassifier
) -> BaseModel:
    """Compute every KPI: three statements per window (session, user and query-text grains)."""
    windows = filters.windows()
    bodies = await compute_windows(KPIS, db, windows, classifier)
    return respond(
        OverviewResponse,
        windows,
        bodies,
        lambda: {kpi.name: changes_of(bodies[0][kpi.name], bodies[1][kpi.name]) for kpi in KPIS},
    )


async def kpi_response(
    kpi: Kpi[Any], db: Database, filters: AnalyticsFilters, classifier: PainPointClassifier
) -> BaseModel:
    """Compute one KPI's response body: its statements, for each window at once."""
    windows = filters.windows()
    bodies = [body[kpi.name] for body in await compute_windows([kpi], db, windows, classifier)]
    return respond(
        RESPONSE_MODELS[kpi.name],
        windows,
        [dict(body) for body in bodies],
        lambda: changes_of(bodies[0], bodies[1]),
    )
