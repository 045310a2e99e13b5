"""Category label normalisation, evaluated by PostgreSQL itself, and the category SQL's shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import String, Text, cast, func, literal, select

from backend.app.analytics.grains import Grain
from backend.app.analytics.kpis import QUERY_CATEGORIES, TOOL_USAGE
from backend.app.analytics.runner import Declaration, compute_windows, statements
from backend.app.analytics.window import Window
from backend.app.db import category_queries
from backend.app.db.tables import interaction_log
from backend.app.models.categories import CATEGORIES, OTHER_BUCKET, UNCATEGORIZED_BUCKET
from backend.app.models.filters import AnalyticsFilters
from tests.support.sql_log import DIALECT
from tests.support.windows import pool


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


async def test_tools_read_from_a_label_of_their_own_are_counted_apart(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Today tools and categories read one label, and the relation counts each bucket once. Pointed
    # at an expression of its own (here the same label lower-cased, so that the answer must not
    # change), the tools get counts of their own over a second join of the label lookup.
    window = Window(AnalyticsFilters.model_validate(pool()), datetime.now(UTC))
    database = app.state.database
    [alone] = await compute_windows([TOOL_USAGE], [window], database)
    monkeypatch.setattr(
        category_queries,
        "agent_tool_label",
        lambda table: func.lower(cast(table.c.query_category, Text)),
    )
    both: list[Declaration] = [QUERY_CATEGORIES, TOOL_USAGE]
    sql = str(statements(both, window)[Grain.SESSION].select.compile(dialect=DIALECT))
    assert "AS tool_0" in sql
    assert "interaction_log_label_buckets AS interaction_log_label_buckets_tool" in sql
    [apart] = await compute_windows(both, [window], database)
    assert apart["tool_usage"].body == alone["tool_usage"].body
    assert alone["tool_usage"].body.model_dump()["total_sessions"] > 0
