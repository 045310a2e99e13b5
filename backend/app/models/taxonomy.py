"""The contract's fixed vocabularies: categories (and tools), user segments, pain-point clusters."""

from __future__ import annotations

from typing import NamedTuple


class Category(NamedTuple):
    """A canonical category: its normalised key and its display name."""

    key: str
    name: str


# In the contract's order, which is also the tie-break order.
CATEGORIES: tuple[Category, ...] = (
    Category("product_catalog", "Product catalog"),
    Category("compatible_parts", "Compatible parts"),
    Category("pricing_inventory", "Pricing / inventory"),
    Category("invoice_payment", "Invoice / payment"),
    Category("product_manuals", "Product manuals"),
    Category("orders", "Orders"),
    Category("general_conversation", "General conversation"),
    Category("tutorial_videos", "Tutorial videos"),
    Category("out_of_scope", "Out of scope"),
    Category("nearest_branch", "Nearest branch"),
)
OTHER_NAME = "Other"
UNCATEGORIZED_NAME = "Uncategorized"

# SQL buckets are integers: 0-9 the canonical categories in order, then Other, then Uncategorized.
OTHER_BUCKET = len(CATEGORIES)
UNCATEGORIZED_BUCKET = OTHER_BUCKET + 1
BUCKET_NAMES: tuple[str, ...] = (*(c.name for c in CATEGORIES), OTHER_NAME, UNCATEGORIZED_NAME)


class Segment(NamedTuple):
    """A user segment by session count: `min_chats` to `max_chats` inclusive (None: no bound)."""

    key: str
    label: str
    min_chats: int
    max_chats: int | None


SEGMENTS: tuple[Segment, ...] = (
    Segment("power", "Power users", 10, None),
    Segment("regular", "Regular users", 3, 9),
    Segment("casual", "Casual users", 2, 2),
    Segment("one_time", "One-time users", 1, 1),
)


# The five predefined pain-point clusters, by cluster_id; both product contexts use them.
PAIN_POINT_CLUSTERS: tuple[str, ...] = (
    "General branch hours / orders / pool questions",
    "Pump recommendations \u2013 product discovery",
    "Replacement filter parts \u2013 maintenance needs",
    "Stock availability by part number \u2013 inventory checks",
    "DE filter assembly \u2013 technical support",
)
