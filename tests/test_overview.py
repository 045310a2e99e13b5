"""/analytics/overview: every section equals its single endpoint; one statement per grain."""

from __future__ import annotations

import httpx
import pytest

from backend.app.analytics.kinds import Kpi
from backend.app.analytics.registry import KPIS
from tests.support.endpoints import get_json, without_filters
from tests.support.sql_log import StatementLog
from tests.support.windows import WINDOW, pool, pool_u

SECTIONS = {kpi.name: f"/analytics{kpi.path}" for kpi in KPIS}
GRAINS = {kpi.grain for kpi in KPIS}


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
    assert list(overview) == ["filters", *SECTIONS, "previous", "changes"]
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


async def test_overview_runs_one_statement_per_grain_on_separate_connections(
    client: httpx.AsyncClient, statements: StatementLog
) -> None:
    await get_json(client, "/analytics/overview", **{**WINDOW, "product_context": "landscape"})
    # Three grains (session, user, query text): three statements, not one per KPI.
    assert len(GRAINS) == 3
    assert len(statements.statements) == len(GRAINS)
    assert all("landscape_interaction_log" in s for s in statements.statements)
    # Each grain's statement checked out its own connection.
    assert len({id(conn) for conn in statements.connections}) == len(GRAINS)


@pytest.mark.parametrize("kpi", KPIS, ids=lambda kpi: kpi.name)
async def test_single_endpoint_runs_one_statement_per_grain_it_reads(
    client: httpx.AsyncClient, statements: StatementLog, kpi: Kpi
) -> None:
    await get_json(client, f"/analytics{kpi.path}", **pool_u())
    # Engagement also reads the session grain (every session, anonymous ones too): two.
    expected = 2 if kpi.name == "engagement" else 1
    assert len(kpi.grains) == expected
    assert len(statements.statements) == expected
