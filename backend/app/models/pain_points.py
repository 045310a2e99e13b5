"""Pain points: the five clusters and the body of /pain-points."""

from __future__ import annotations

from pydantic import Field

from backend.app.models.filters import ProductContext
from backend.app.models.responses import PERCENT, Body

# The five predefined pain-point clusters, by cluster_id; both product contexts use them.
PAIN_POINT_CLUSTERS: tuple[str, ...] = (
    "General branch hours / orders / pool questions",
    "Pump recommendations \u2013 product discovery",
    "Replacement filter parts \u2013 maintenance needs",
    "Stock availability by part number \u2013 inventory checks",
    "DE filter assembly \u2013 technical support",
)

# What each cluster holds, in plain words, for the product asked: the labels are worded for pool
# supply, and a landscape reader needs to know where pavers or rotor questions go.
CLUSTER_DESCRIPTIONS: dict[ProductContext, tuple[str, ...]] = {
    ProductContext.POOL: (
        "Branch hours and locations, orders and deliveries, water care and how to run or clean "
        "equipment (a pump that misbehaves included), and small talk. Anything that is not "
        "choosing equipment, a replacement part, a stock check or DE filter work.",
        "Choosing equipment: which pump, heater, cleaner, automation system or light to buy, "
        "comparisons between models and recommendations.",
        "A part to replace, or which one fits: filter cartridges and their cross-reference codes, "
        "o-rings, gaskets, motors, valves and seals, and consumables such as DE powder.",
        "Whether an item is in stock, asked by its part or model number, or a part number with "
        "little else.",
        "Taking a DE (diatomaceous earth) filter apart or putting it back together, backwashing "
        "and recharging it, and a DE filter that misbehaves. Buying or replacing a DE part (a "
        "grid, a manifold) is a replacement part.",
    ),
    ProductContext.LANDSCAPE: (
        "Branch hours and locations, orders and deliveries, and lawn and yard care: grass seed, "
        "sod, fertilizer, mulch, soil, pavers and stone, plants and trees (how much to buy, or "
        "whether a branch has them), and how to run or fix something without buying a part.",
        "Choosing equipment: irrigation controllers and timers, rotors, spray heads and drip kits, "
        "landscape lighting, fountain and pond pumps; comparisons and recommendations. The "
        'label\'s "pump" stands for any equipment being chosen.',
        "A part to replace, or which one fits: valve diaphragms and solenoids, rotor and nozzle "
        "parts, filter screens, fittings and other irrigation repair parts.",
        "Whether an item is in stock, asked by its part or model number (a valve, controller or "
        "sprinkler model), or a part number with little else.",
        "DE filters are pool equipment: landscape questions almost never land here, so this "
        "cluster is usually empty for landscape.",
    ),
}


class PainPointCluster(Body):
    """Queries in one of the five predefined clusters."""

    cluster_id: int = Field(ge=0, le=4)
    label: str
    description: str = Field(
        description="What this cluster holds for the `product_context` asked, in one or two "
        "plain sentences (the label is worded for pool supply); the same in every answer for "
        "that product."
    )
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
