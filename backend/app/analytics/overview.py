"""Whole response bodies: one KPI's, or every KPI's (the overview), with the previous period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.comparison import changes_of, respond
from backend.app.analytics.declaration import Kpi
from backend.app.analytics.registry import KPIS, RESPONSE_MODELS, OverviewResponse
from backend.app.analytics.runner import compute_windows, request_time
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters


async def overview(
    db: Database,
    filters: AnalyticsFilters,
    classifier: PainPointClassifier,
    *,
    now: datetime | None = None,
) -> BaseModel:
    """Compute every KPI: three statements per window (session, user and query-text grains)."""
    now = request_time(now)
    windows = filters.windows(now)
    bodies = await compute_windows(KPIS, db, windows, classifier, now=now)
    return respond(
        OverviewResponse,
        windows,
        bodies,
        lambda: {kpi.name: changes_of(bodies[0][kpi.name], bodies[1][kpi.name]) for kpi in KPIS},
    )


async def kpi_response(
    kpi: Kpi[Any],
    db: Database,
    filters: AnalyticsFilters,
    classifier: PainPointClassifier,
    *,
    now: datetime | None = None,
) -> BaseModel:
    """Compute one KPI's response body: its statements, for each window at once."""
    now = request_time(now)
    windows = filters.windows(now)
    computed = await compute_windows([kpi], db, windows, classifier, now=now)
    bodies = [body[kpi.name] for body in computed]
    return respond(
        RESPONSE_MODELS[kpi.name],
        windows,
        [dict(body) for body in bodies],
        lambda: changes_of(bodies[0], bodies[1]),
    )
