"""Category label normalisation, evaluated by PostgreSQL itself, and the category SQL's shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import String, literal, select

from backend.app.db import category_queries
from backend.app.db.tables import interaction_log
from backend.app.models.categories import CATEGORIES, OTHER_BUCKET, UNCATEGORIZED_BUCKET


@pytest.mark.parametrize(
    ("label", "bucket"),
    [
        ("product_catalog", 0),
        ("Product Catalog", 0),
        ("PRODUCT-CATALOG", 0),
        ("  product   catalog!! ", 0),
        ("__Product__Catalog__", 0),
        ("Pricing / Inventory", 2),
        ("invoice-payment", 3),
        ("Nearest Branch", 9),
        ("productcatalog", OTHER_BUCKET),
        ("warranty_claims", OTHER_BUCKET),
        ("---", OTHER_BUCKET),
        ("Pricing / Inventory (beta)", OTHER_BUCKET),
        ("", UNCATEGORIZED_BUCKET),
        (None, UNCATEGORIZED_BUCKET),
    ],
)
async def test_bucket_of_label(app: FastAPI, label: str | None, bucket: int) -> None:
    expression = category_queries.category_bucket(literal(label, String))
    async with app.state.database.engine.connect() as connection:
        assert await connection.scalar(select(expression)) == bucket


async def test_every_canonical_key_normalises_to_itself(app: FastAPI) -> None:
    # The keys are the documented normalised forms: PostgreSQL's own normalisation of each key
    # gives it back, and the key lands in its own bucket (a key such as `product-catalog` would
    # normalise to `product_catalog` and fail here).
    async with app.state.database.engine.connect() as connection:
        for index, category in enumerate(CATEGORIES):
            key = literal(category.key, String)
            normalised = await connection.scalar(select(category_queries.normalised_label(key)))
            assert normalised == category.key
            assert await connection.scalar(select(category_queries.category_bucket(key))) == index


def test_category_and_tool_labels_read_query_category_as_text() -> None:
    for expression in (
        category_queries.category_label(interaction_log),
        category_queries.agent_tool_label(interaction_log),
    ):
        assert str(expression) == "CAST(interaction_log.query_category AS TEXT)"
