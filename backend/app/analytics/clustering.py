"""The pain-point KPI: every query of the window, clustered into the five pain points."""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import FromClause

from backend.app.analytics.comparison import Comparisons, Items, Poisson, Proportion
from backend.app.analytics.grains import Grain
from backend.app.analytics.kinds import StreamedKpi
from backend.app.analytics.window import Window
from backend.app.db import text_queries
from backend.app.db.expressions import Columns
from backend.app.db.text_source import TextSource
from backend.app.models.pain_points import (
    CLUSTER_DESCRIPTIONS,
    PAIN_POINT_CLUSTERS,
    PainPointCluster,
    PainPoints,
)
from backend.app.models.rounding import two_places

if TYPE_CHECKING:
    # A type only: the KPI's module need not load the classifier (and with it the LLM's SDK).
    from backend.app.analytics.pain_points.classifier import PainPointClassifier


def _percent(part: int, whole: int) -> float | None:
    # Half away from zero, as PostgreSQL's round(numeric, 2) does for every other percent.
    if whole == 0:
        return None
    return two_places(Decimal(100 * part) / Decimal(whole))


class PainPointsKpi(StreamedKpi[PainPoints]):
    """Classify every query in the window into the five clusters, with counts and examples."""

    name = "pain_points"
    path = "/pain-points"
    summary = "Pain-point clusters"
    description = (
        "Classify every query in the window into the five pain-point clusters, with examples."
    )
    grain = Grain.QUERY_TEXT
    body = PainPoints
    compared = Comparisons(
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
    )

    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return each distinct text's queries, last time, normalised text and one spelling."""
        return text_queries.query_text_columns(rows)

    async def consume(
        self, texts: TextSource, classifier: PainPointClassifier, window: Window
    ) -> PainPoints:
        """Return every text counted in its cluster, with each cluster's share and examples."""
        result = await classifier.classify(texts)
        tally = result.tally
        total = sum(tally.counts)
        descriptions = CLUSTER_DESCRIPTIONS[window.filters.product_context]
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


PAIN_POINTS = PainPointsKpi()

# The KPI's standalone function for one window: the same statements its route runs.
pain_points = PAIN_POINTS.compute


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
