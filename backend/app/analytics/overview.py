"""The overview: every KPI for one set of filters, one statement per grain, run concurrently."""

from __future__ import annotations

from pydantic import BaseModel

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.comparison import changes_of, respond
from backend.app.analytics.registry import KPIS, OverviewResponse
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
