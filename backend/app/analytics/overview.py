"""Whole response bodies: one KPI's, or every KPI's (the overview), with the previous period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from backend.app.analytics.clustering import fell_back
from backend.app.analytics.comparison import Measured, changes_of, respond
from backend.app.analytics.kinds import Kpi
from backend.app.analytics.registry import KPIS, RESPONSE_MODELS, OverviewResponse
from backend.app.analytics.runner import compute_windows
from backend.app.analytics.window import Window
from backend.app.db.client import Database
from backend.app.models.filters import AnalyticsFilters

if TYPE_CHECKING:
    # A type only: the classifier is built (and its SDK loaded) by the app's lifespan.
    from backend.app.analytics.pain_points.classifier import PainPointClassifier


@dataclass(frozen=True)
class Answer:
    """A response body, and whether any pain points in it fell back to the local classifier."""

    body: BaseModel
    # Such an answer is the best the service could give just then, not the answer to keep.
    fell_back: bool


async def overview(
    filters: AnalyticsFilters,
    now: datetime,
    database: Database,
    classifier: PainPointClassifier,
) -> Answer:
    """Compute every KPI: three statements per window (session, user and query-text grains)."""
    windows = Window.every(filters, now)
    computed = await compute_windows(KPIS, windows, database, classifier)
    body = respond(
        OverviewResponse,
        windows,
        [{name: window.body for name, window in bodies.items()} for bodies in computed],
        # Each section is its own family of tests, so that it equals its endpoint's changes.
        lambda: {
            kpi.name: changes_of(kpi.compared, computed[0][kpi.name], computed[1][kpi.name])
            for kpi in KPIS
        },
    )
    return Answer(body, fell_back(body))


async def kpi_response(
    kpi: Kpi,
    filters: AnalyticsFilters,
    now: datetime,
    database: Database,
    classifier: PainPointClassifier | None = None,
) -> Answer:
    """Compute one KPI's response body: its statements, for each window at once.

    `classifier` labels the texts of a streamed KPI (pain points); no other KPI reads it.
    """
    windows = Window.every(filters, now)
    # Both windows are admitted together, as the overview's are: admitted one by one, requests
    # holding one window's connection could all wait for the other's. The KPI's standalone
    # `compute` runs the same statements for one window (tests/test_declarations.py).
    computed: list[Measured] = [
        bodies[kpi.name] for bodies in await compute_windows([kpi], windows, database, classifier)
    ]
    body = respond(
        RESPONSE_MODELS[kpi.name],
        windows,
        [dict(window.body) for window in computed],
        lambda: changes_of(kpi.compared, computed[0], computed[1]),
    )
    return Answer(body, fell_back(body))
