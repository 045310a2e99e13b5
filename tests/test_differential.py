"""Differential test: every KPI of the service equals the pandas peer's on generated rows.

The peer (bench/peer.py) fetches the window's rows and computes each KPI the way a notebook
would, from the contract's definitions; it shares no SQL with the service. Rows: about 4,000 of
realistic demo traffic and 1,000 edge-case rows (tests/edge_rows.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from backend.demo.generator import insert_demo_rows
from bench import peer
from tests.edge_rows import EDGE_DAYS, EDGE_START, edge_rows
from tests.helpers import get_json, insert_rows, running_app, scratch_database

EDGE_END = EDGE_START + timedelta(days=EDGE_DAYS)
FILTER_SETS = [
    {"start_date": "2025-10-01", "end_date": "2025-10-20"},
    # Windows that cut sessions at both ends.
    {"start_date": "2025-10-05T12:00:00", "end_date": "2025-10-11T06:30:00"},
    {"start_date": "2025-10-03", "end_date": "2025-10-03"},
    {"start_date": "2025-10-01", "end_date": "2025-10-20", "environment": "staging"},
    {"start_date": "2025-10-01", "end_date": "2025-10-20", "user_id": "edge-u2"},
    {"start_date": "2025-10-08", "end_date": "2025-10-14", "environment": "production"},
    # No rows at all.
    {"start_date": "2025-12-01", "end_date": "2025-12-02"},
    # Local days: the sessions that start late in the day move to another date.
    {"start_date": "2025-10-01", "end_date": "2025-10-20", "tz": "America/Chicago"},
    {"start_date": "2025-10-04T12:00:00", "end_date": "2025-10-12", "tz": "Asia/Kolkata"},
]


async def _generated_rows(connection: asyncpg.Connection) -> None:
    await insert_demo_rows(
        connection, product="pool", rows=4_000, days=EDGE_DAYS, end=EDGE_END, seed=0.3
    )
    await insert_rows(connection, "interaction_log", edge_rows())


@pytest.fixture(scope="module")
async def generated_url(server_url: str) -> AsyncIterator[str]:
    """Yield a scratch database holding the demo and edge-case rows."""
    async with scratch_database(server_url, "differential", _generated_rows) as url:
        yield url


@pytest.fixture(scope="module")
async def generated_client(generated_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of the app on the generated rows."""
    async with running_app(generated_url) as (_, client):
        yield client


@pytest.mark.parametrize("params", FILTER_SETS, ids=lambda params: "&".join(params.values()))
async def test_every_kpi_equals_the_peer(
    generated_client: httpx.AsyncClient, generated_url: str, params: dict[str, str]
) -> None:
    overview: dict[str, Any] = await get_json(
        generated_client, "/analytics/overview", product_context="pool", **params
    )
    applied = overview["filters"]
    start = datetime.fromisoformat(applied["start_date"]).astimezone(UTC).replace(tzinfo=None)
    end = datetime.fromisoformat(applied["end_date"]).astimezone(UTC).replace(tzinfo=None)
    frame = await peer.fetch(
        generated_url,
        "interaction_log",
        start,
        end,
        environment=applied["environment"],
        user_id=applied["user_id"],
    )
    # These windows ended long before now, so the request time the service used is any later one.
    expected = peer.kpis(frame, start, end, applied["tz"], now=datetime.now(UTC))
    actual = peer.service_view(overview)
    assert set(actual) == set(expected)
    for kpi in expected:
        assert actual[kpi] == expected[kpi], kpi
