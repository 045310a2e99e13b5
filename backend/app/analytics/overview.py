"""The overview: every KPI for one set of filters, one statement per grain, run concurrently."""

from __future__ import annotations

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.registry import KPIS, OverviewResponse
from backend.app.analytics.runner import compute
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import Filtered


async def overview(
    db: Database, filters: AnalyticsFilters, classifier: PainPointClassifier
) -> Filtered:
    """Compute every KPI: three statements (session, user and query-text grains) at once."""
    bodies = await compute(KPIS, db, filters, classifier)
    return OverviewResponse(filters=filters, **bodies)
