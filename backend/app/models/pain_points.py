"""Pain points: the five clusters and the body of /pain-points."""

from __future__ import annotations

from pydantic import Field

from backend.app.models.responses import PERCENT, Body

# The five predefined pain-point clusters, by cluster_id; both product contexts use them.
PAIN_POINT_CLUSTERS: tuple[str, ...] = (
    "General branch hours / orders / pool questions",
    "Pump recommendations \u2013 product discovery",
    "Replacement filter parts \u2013 maintenance needs",
    "Stock availability by part number \u2013 inventory checks",
    "DE filter assembly \u2013 technical support",
)


class PainPointCluster(Body):
    """Queries in one of the five predefined clusters."""

    cluster_id: int = Field(ge=0, le=4)
    label: str
    count: int = Field(description="Queries (rows with a non-blank input) in this cluster.")
    percent: float | None = Field(description=f"Of total_queries. {PERCENT}")
    examples: list[str] = Field(
        description="Up to 3 distinct trimmed inputs of this cluster, most frequent first, ties "
        "by text. Frequency is counted per normalised text (trimmed, whitespace collapsed, "
        "case-folded); the example shown is that text's commonest original spelling."
    )


class PainPoints(Body):
    """Every user query in the window, classified into the five pain-point clusters."""

    total_queries: int = Field(
        description="Rows in the window with a non-empty trimmed `input`; each is one query."
    )
    classifier: str = Field(
        description="What classified the queries: the LLM's model name when it classified any, "
        "else `keyword` (the local rules).",
        examples=["keyword"],
    )
    distinct_queries: int = Field(
        description="Distinct normalised query texts; each was classified once."
    )
    texts_by_classifier: dict[str, int] = Field(
        description="How many distinct texts each classifier handled (LLM answers include "
        "cached ones)."
    )
    fallback_reason: str | None = Field(
        description="Why texts meant for the LLM went to the local classifier (rate limit, "
        "timeout, error, deadline); null when nothing fell back."
    )
    clusters: list[PainPointCluster] = Field(
        description="Exactly five clusters, in cluster_id order; counts add up to total_queries."
    )
