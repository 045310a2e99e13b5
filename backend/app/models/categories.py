"""Query categories and agent tool usage: their vocabulary and the bodies of their endpoints."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field

from backend.app.models.responses import PERCENT, Body


class Category(NamedTuple):
    """A canonical category: its normalised key and its display name."""

    key: str
    name: str


# In the documented order (docs/metrics.md), which is also the tie-break order.
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


class CategoryShare(Body):
    """Sessions whose primary category is one category."""

    category: str = Field(description="Display name.")
    sessions: int
    percent: float | None = Field(description=f"Of total_sessions. {PERCENT}")


class QueryCategories(Body):
    """Sessions by primary category."""

    total_sessions: int = Field(description="Sessions in the window.")
    categories: list[CategoryShare] = Field(
        description="Twelve objects: the ten canonical categories in order, then Other, then "
        "Uncategorized. A session's primary category is the category that occurs most often "
        "among its rows in the window, ignoring NULL and empty labels; ties go to the one "
        "earlier in that order. Labels are normalised (lower-case, runs of characters other "
        "than a-z0-9 become `_`, leading and trailing `_` removed); a label that normalises to "
        "no canonical key is Other; a session with no label at all is Uncategorized."
    )


class ToolShare(Body):
    """Sessions that invoked one agent tool."""

    tool: str = Field(description="Display name.")
    sessions: int = Field(description="Sessions that invoked this tool at least once.")
    percent: float | None = Field(
        description="Share of the sum of `sessions` over all tools, so the percents add up to "
        f"100 (give or take rounding). {PERCENT}"
    )


class ToolUsage(Body):
    """Sessions by agent tool invoked."""

    total_sessions: int = Field(description="Sessions in the window.")
    tools: list[ToolShare] = Field(
        description="The ten canonical tools and Other, sorted by sessions descending, ties in "
        "canonical order. A message's tool is its query_category, normalised as for categories; "
        "a NULL or empty label invokes no tool."
    )
