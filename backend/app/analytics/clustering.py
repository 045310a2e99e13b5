"""The pain-point KPI: every query of the window, clustered into the five pain points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.declaration import Kpi, ShapeContext
from backend.app.analytics.runner import compute_one
from backend.app.db import queries
from backend.app.db.client import Database
from backend.app.db.grains import Grain
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.responses import PainPointCluster, PainPoints
from backend.app.models.rounding import two_places
from backend.app.models.taxonomy import PAIN_POINT_CLUSTERS


def _percent(part: int, whole: int) -> float | None:
    # Half away from zero, as PostgreSQL's round(numeric, 2) does for every other percent.
    if whole == 0:
        return None
    return two_places(Decimal(100 * part) / Decimal(whole))


async def _shape_pain_points(row: Mapping[str, Any], context: ShapeContext) -> PainPoints:
    assert context.classifier is not None, "pain points need the classifier"
    # The grain streams: one (queries, latest, text, spelling) row per distinct normalised text.
    result = await context.classifier.classify(row["batches"])
    tally = result.tally
    total = sum(tally.counts)
    return PainPoints(
        total_queries=total,
        classifier=result.classifier,
        distinct_queries=tally.texts,
        texts_by_classifier=dict(tally.texts_by_classifier),
        fallback_reason=result.fallback_reason,
        clusters=[
            PainPointCluster(
                cluster_id=cluster_id,
                label=label,
                count=tally.counts[cluster_id],
                percent=_percent(tally.counts[cluster_id], total),
                examples=tally.examples(cluster_id),
            )
            for cluster_id, label in enumerate(PAIN_POINT_CLUSTERS)
        ],
    )


PAIN_POINTS = Kpi(
    name="pain_points",
    path="/pain-points",
    summary="Pain-point clusters",
    description="Classify every query in the window into the five pain-point clusters, with "
    "examples.",
    grain=Grain.QUERY_TEXT,
    columns=lambda relation: queries.query_text_columns(relation.rows),
    shape=_shape_pain_points,
    model=PainPoints,
)


async def pain_points(
    db: Database, filters: AnalyticsFilters, classifier: PainPointClassifier
) -> PainPoints:
    """Classify every query in the window into the five clusters, with counts and examples."""
    return await compute_one(PAIN_POINTS, db, filters, classifier)


def fell_back(body: BaseModel) -> bool:
    """Return whether any pain-point answer inside `body` fell back to the local classifier."""
    if isinstance(body, PainPoints) and body.fallback_reason is not None:
        return True
    # Also the previous window's pain points, and the overview's section.
    return any(
        fell_back(value)
        for value in (getattr(body, name) for name in type(body).model_fields)
        if isinstance(value, BaseModel)
    )
