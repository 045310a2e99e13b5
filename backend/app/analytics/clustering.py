"""The pain-point KPI: every query of the window, clustered into the five pain points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion
from backend.app.analytics.declaration import Kpi, Services, ShapeContext
from backend.app.analytics.grains import Grain
from backend.app.analytics.runner import compute_one
from backend.app.db import text_queries
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.pain_points import (
    CLUSTER_DESCRIPTIONS,
    PAIN_POINT_CLUSTERS,
    PainPointCluster,
    PainPoints,
)
from backend.app.models.rounding import two_places


def _percent(part: int, whole: int) -> float | None:
    # Half away from zero, as PostgreSQL's round(numeric, 2) does for every other percent.
    if whole == 0:
        return None
    return two_places(Decimal(100 * part) / Decimal(whole))


async def _shape_pain_points(row: Mapping[str, Any], context: ShapeContext) -> PainPoints:
    # The grain streams: the window's texts, read on one snapshot of their own.
    result = await context.classifier.classify(row["texts"])
    tally = result.tally
    total = sum(tally.counts)
    descriptions = CLUSTER_DESCRIPTIONS[context.filters.product_context]
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
                description=descriptions[cluster_id],
                count=tally.counts[cluster_id],
                percent=_percent(tally.counts[cluster_id], total),
                examples=tally.examples(cluster_id),
            )
            for cluster_id, label in enumerate(PAIN_POINT_CLUSTERS)
        ],
    )


async def pain_points(filters: AnalyticsFilters, services: Services) -> PainPoints:
    """Classify every query in the window into the five clusters, with counts and examples."""
    return await compute_one(PAIN_POINTS, filters, services)


PAIN_POINTS = Kpi(
    name="pain_points",
    path="/pain-points",
    summary="Pain-point clusters",
    description="Classify every query in the window into the five pain-point clusters, with "
    "examples.",
    grain=Grain.QUERY_TEXT,
    columns=lambda relation: text_queries.query_text_columns(relation.rows),
    shape=_shape_pain_points,
    model=PainPoints,
    function=pain_points,
    compared=Comparisons(
        tests={"total_queries": Poisson()},
        items={
            "clusters": Items(
                key="cluster_id",
                tests={
                    "count": Poisson(),
                    "percent": Proportion(part="count", whole=attrgetter("total_queries")),
                },
            )
        },
    ),
)


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
