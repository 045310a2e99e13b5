"""/analytics/overview: every section equals its single endpoint for the same filters."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import StatementLog
from tests.helpers import WINDOW, get_json, pool, pool_u, without_filters

SECTIONS = {
    "sessions": "/analytics/sessions",
    "pain_points": "/analytics/pain-points",
    "volume": "/analytics/volume",
    "engagement": "/analytics/engagement",
    "retention": "/analytics/retention",
    "query_categories": "/analytics/query-categories",
    "tool_usage": "/analytics/tool-usage",
    "returning_users": "/analytics/returning-users",
    "segments": "/analytics/segments",
}


@pytest.mark.parametrize(
    "params",
    [
        pool_u(),
        pool_u(user_id="r03"),
        pool_u(environment="staging"),
        pool(),
        {**WINDOW, "product_context": "landscape"},
        pool(start_date="2025-07-01", end_date="2025-07-03"),
        {"start_date": "2025-09-01", "end_date": "2025-09-30", "product_context": "pool"},
    ],
)
async def test_sections_equal_single_endpoints(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    overview = await get_json(client, "/analytics/overview", **params)
    assert list(overview) == ["filters", *SECTIONS]
    for section, path in SECTIONS.items():
        single = await get_json(client, path, **params)
        assert single["filters"] == overview["filters"]
        assert overview[section] == without_filters(single), section


async def test_overview_numbers(client: httpx.AsyncClient) -> None:
    # Spot checks against the hand-worked answers of the single-endpoint tests.
    overview = await get_json(client, "/analytics/overview", **pool_u())
    assert overview["engagement"]["unique_users"] == 7
    assert overview["sessions"]["total_sessions"] == 49
    assert overview["volume"]["total_sessions"] == 49


async def test_overview_reads_one_table_on_separate_connections(
    client: httpx.AsyncClient, statements: StatementLog
) -> None:
    await get_json(client, "/analytics/overview", **{**WINDOW, "product_context": "landscape"})
    assert len(statements.statements) == len(SECTIONS)
    assert all("landscape_interaction_log" in s for s in statements.statements)
    # Each KPI checked out its own connection: eight statements on eight Connection objects.
    assert len({id(conn) for conn in statements.connections}) == len(SECTIONS)
