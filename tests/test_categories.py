"""/analytics/query-categories and /analytics/tool-usage on the window-U fixtures.

Primary categories in U (tests/fixture_rows.py), 49 sessions:
  Product catalog 27 (m11a 11 'product_catalog', m11b 11 'Product Catalog', p10 5 'PRODUCT-CATALOG')
  Compatible parts 6 (p10 5, r03-1 whose 'pricing_inventory'/'Compatible Parts' tie goes to the
    earlier category), Pricing / inventory 1 (anon1 'Pricing / Inventory'), Invoice / payment 1
    (r03-2, its NULL row ignored), Product manuals 0, Orders 5 (r09 4, c02-1 whose tie with
    general_conversation goes to orders), General conversation 0, Tutorial videos 1 (o01, tie with
    Other), Out of scope 1, Nearest branch 3, Other 2 (r09 'warranty_claims'), Uncategorized 2
    (r03-3 and anon2 have no label).
Tools in U, sessions invoking each at least once: Product catalog 27, Compatible parts 6,
  Orders 5, Nearest branch 3, Other 3 (r09 2 + o01 'other'), Pricing / inventory 2 (r03-1, anon1),
  Invoice / payment 1, General conversation 1, Tutorial videos 1, Out of scope 1, manuals 0:
  50 invocations in all.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.endpoints import get_json
from tests.support.windows import pool_u

CATEGORY_ORDER = [
    "Product catalog",
    "Compatible parts",
    "Pricing / inventory",
    "Invoice / payment",
    "Product manuals",
    "Orders",
    "General conversation",
    "Tutorial videos",
    "Out of scope",
    "Nearest branch",
]


def shares(items: list[dict[str, Any]], name: str) -> list[tuple[str, int, float | None]]:
    """Return (name, sessions, percent) for each item."""
    return [(item[name], item["sessions"], item["percent"]) for item in items]


async def test_primary_categories(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/analytics/query-categories", **pool_u())
    assert body["total_sessions"] == 49
    # Percents of 49: 27 -> 55.10, 6 -> 12.24, 5 -> 10.20, 3 -> 6.12, 2 -> 4.08, 1 -> 2.04.
    assert shares(body["categories"], "category") == [
        ("Product catalog", 27, 55.1),
        ("Compatible parts", 6, 12.24),
        ("Pricing / inventory", 1, 2.04),
        ("Invoice / payment", 1, 2.04),
        ("Product manuals", 0, 0.0),
        ("Orders", 5, 10.2),
        ("General conversation", 0, 0.0),
        ("Tutorial videos", 1, 2.04),
        ("Out of scope", 1, 2.04),
        ("Nearest branch", 3, 6.12),
        ("Other", 2, 4.08),
        ("Uncategorized", 2, 4.08),
    ]


async def test_tool_usage(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/analytics/tool-usage", **pool_u())
    assert body["total_sessions"] == 49
    # Percents of the 50 invocations; ties (3, and 1) in canonical order, Other after the ten.
    assert shares(body["tools"], "tool") == [
        ("Product catalog", 27, 54.0),
        ("Compatible parts", 6, 12.0),
        ("Orders", 5, 10.0),
        ("Nearest branch", 3, 6.0),
        ("Other", 3, 6.0),
        ("Pricing / inventory", 2, 4.0),
        ("Invoice / payment", 1, 2.0),
        ("General conversation", 1, 2.0),
        ("Tutorial videos", 1, 2.0),
        ("Out of scope", 1, 2.0),
        ("Product manuals", 0, 0.0),
    ]


async def test_user_filter(client: httpx.AsyncClient) -> None:
    # r03: compatible_parts (tie), invoice_payment, Uncategorized: a third each.
    params = pool_u(user_id="r03")
    body = await get_json(client, "/analytics/query-categories", **params)
    nonzero = [(c, n, p) for c, n, p in shares(body["categories"], "category") if n]
    assert nonzero == [
        ("Compatible parts", 1, 33.33),
        ("Invoice / payment", 1, 33.33),
        ("Uncategorized", 1, 33.33),
    ]
    tools = await get_json(client, "/analytics/tool-usage", **params)
    # r03-1 invokes pricing_inventory and compatible_parts, r03-2 invoice_payment: 3 invocations.
    assert shares(tools["tools"], "tool")[:4] == [
        ("Compatible parts", 1, 33.33),
        ("Pricing / inventory", 1, 33.33),
        ("Invoice / payment", 1, 33.33),
        ("Product catalog", 0, 0.0),
    ]


async def test_environment_filter(client: httpx.AsyncClient) -> None:
    # Staging is c02: c02-1 primary orders (tie), c02-2 out_of_scope.
    body = await get_json(client, "/analytics/query-categories", **pool_u(environment="staging"))
    nonzero = [(c, n, p) for c, n, p in shares(body["categories"], "category") if n]
    assert nonzero == [("Orders", 1, 50.0), ("Out of scope", 1, 50.0)]


async def test_empty_window(client: httpx.AsyncClient) -> None:
    params = {"start_date": "2025-07-01", "end_date": "2025-07-03", "product_context": "pool"}
    categories = await get_json(client, "/analytics/query-categories", **params)
    assert categories["total_sessions"] == 0
    assert shares(categories["categories"], "category") == [
        (name, 0, None) for name in [*CATEGORY_ORDER, "Other", "Uncategorized"]
    ]
    tools = await get_json(client, "/analytics/tool-usage", **params)
    assert tools["total_sessions"] == 0
    assert shares(tools["tools"], "tool") == [
        (name, 0, None) for name in [*CATEGORY_ORDER, "Other"]
    ]


async def test_landscape(client: httpx.AsyncClient) -> None:
    params = {"start_date": "2025-08-01", "end_date": "2025-08-31", "product_context": "landscape"}
    body = await get_json(client, "/analytics/query-categories", **params)
    assert body["total_sessions"] == 2
    assert [(c, n) for c, n, _ in shares(body["categories"], "category") if n] == [("Orders", 2)]
