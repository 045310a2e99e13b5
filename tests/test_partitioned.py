"""A range-partitioned interaction_log: the same answers, and plans that skip other months."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app.analytics.registry import KPIS
from backend.app.analytics.runner import statements
from backend.app.analytics.window import Window
from backend.app.models.filters import AnalyticsFilters
from backend.demo.embedded import SCHEMA_DIR
from tests.fixture_rows import NOW_ROWS, POOL_ROWS, QUERY_ROWS, USER_ROWS
from tests.support.apps import running_app
from tests.support.databases import insert_rows, scratch_database
from tests.support.endpoints import ANALYTICS_PATHS, get_json
from tests.support.sql_log import DIALECT
from tests.support.windows import pool, pool_u

EXAMPLE = SCHEMA_DIR / "partitioning-example.sql"
# Beside the example's June and default partitions: every other month the fixture rows use.
MONTHS = [("2025_05", "2025-05-01", "2025-06-01"), ("2025_07", "2025-07-01", "2025-08-01")]
MONTHS += [("2025_08", "2025-08-01", "2025-09-01"), ("2025_09", "2025-09-01", "2025-10-01")]
WINDOWS = [
    pool(),
    pool_u(),
    pool_u(user_id="r03"),
    pool_u(environment="staging"),
    {"start_date": "2025-09-01", "end_date": "2025-09-30", "product_context": "pool"},
    # Across three months and the default partition's range.
    {"start_date": "2025-05-15", "end_date": "2025-12-31", "product_context": "pool"},
]


async def _monthly_partitions(connection: asyncpg.Connection) -> None:
    await connection.execute("DROP TABLE interaction_log")
    await connection.execute(EXAMPLE.read_text())
    for suffix, start, end in MONTHS:
        await connection.execute(
            f"CREATE TABLE interaction_log_{suffix} PARTITION OF interaction_log "
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )
    # NOW_ROWS (October and November) land in the default partition.
    await insert_rows(connection, "interaction_log", POOL_ROWS + USER_ROWS + QUERY_ROWS + NOW_ROWS)
    await connection.execute("ANALYZE interaction_log")


@pytest.fixture(scope="module")
async def partitioned_url(server_url: str) -> AsyncIterator[str]:
    """Yield a database whose interaction_log is partitioned by month, with the fixture rows."""
    async with scratch_database(server_url, "partitioned", _monthly_partitions) as url:
        yield url


@pytest.fixture(scope="module")
async def parted(partitioned_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of the app on the partitioned database."""
    async with running_app(partitioned_url) as (_, client):
        yield client


@pytest.mark.parametrize("params", WINDOWS, ids=lambda params: "&".join(params.values()))
async def test_every_kpi_answers_the_same_on_partitions(
    client: httpx.AsyncClient, parted: httpx.AsyncClient, params: dict[str, str]
) -> None:
    for path in [*ANALYTICS_PATHS, "/analytics/overview"]:
        expected: dict[str, Any] = await get_json(client, path, **params)
        assert await get_json(parted, path, **params) == expected, path


async def test_ready_on_partitions(parted: httpx.AsyncClient) -> None:
    ready = await get_json(parted, "/health/ready")
    # The index created on the parent counts: no warning for the pool table.
    assert ready["status"] == "ready"
    assert not [w for w in ready["warnings"] if w.startswith("interaction_log ")]


async def test_plans_read_only_the_windows_months(partitioned_url: str) -> None:
    # Window W lies in June: every statement of the overview must read June's partition only.
    filters = AnalyticsFilters.model_validate(pool())
    connection = await asyncpg.connect(partitioned_url)
    try:
        for grain, statement in statements(KPIS, Window(filters, datetime.now(UTC))).items():
            sql = statement.select.compile(dialect=DIALECT, compile_kwargs={"literal_binds": True})
            plan = "\n".join(row[0] for row in await connection.fetch(f"EXPLAIN {sql}"))
            scanned = set(re.findall(r"on (interaction_log_\w+)", plan))
            assert scanned == {"interaction_log_2025_06"}, (grain, plan)
    finally:
        await connection.close()
