"""Differential test: every KPI of the service equals the pandas peer's on generated rows.

The peer (bench/peer.py) fetches the window's rows and computes each KPI the way a notebook
would, from the definitions of docs/metrics.md; it shares no SQL with the service. Rows: about
4,000 of realistic demo traffic and 1,000 edge-case rows (tests/edge_rows.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app.analytics.registry import KPIS
from backend.demo.generator import insert_demo_rows
from bench import peer, peer_changes
from tests.edge_rows import EDGE_DAYS, EDGE_START, edge_rows
from tests.support.apps import running_app
from tests.support.databases import insert_rows, scratch_database
from tests.support.endpoints import get_json

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
    # Every KPI the service declares: a new one the peer does not compute fails here.
    assert set(actual) == set(expected) == {kpi.name for kpi in KPIS}
    for kpi in expected:
        assert actual[kpi] == expected[kpi], kpi


COMPARED_SETS = [
    {"start_date": "2025-10-11", "end_date": "2025-10-20"},
    {"start_date": "2025-10-08", "end_date": "2025-10-14", "environment": "production"},
    {"start_date": "2025-10-08T12:00:00", "end_date": "2025-10-14T06:30:00"},
    {"start_date": "2025-10-11", "end_date": "2025-10-20", "tz": "America/Chicago"},
    {"start_date": "2025-10-06", "end_date": "2025-10-20", "user_id": "edge-u2"},
]


def _utc(instant: str) -> datetime:
    return datetime.fromisoformat(instant).astimezone(UTC).replace(tzinfo=None)


async def _peer_window(url: str, filters: dict[str, Any]) -> tuple[dict[str, Any], Any, float]:
    """Return the peer's KPIs and units of one window, and its length in seconds."""
    start, end = _utc(filters["start_date"]), _utc(filters["end_date"])
    frame = await peer.fetch(
        url,
        "interaction_log",
        start,
        end,
        environment=filters["environment"],
        user_id=filters["user_id"],
    )
    kpis = peer.kpis(frame, start, end, filters["tz"], now=datetime.now(UTC))
    # Both windows ended long ago: each one's exposure is all of [start, end + 1 µs).
    exposure = (end - start + timedelta(microseconds=1)).total_seconds()
    return kpis, peer_changes.units(frame), exposure


def _service_entries(changes: dict[str, Any], like: peer_changes.Family) -> peer_changes.Family:
    """Return a section's tested changes in the peer family's shape and order."""
    entries: peer_changes.Family = {}
    for name, expected in like.items():
        if not isinstance(expected, list):
            entries[name] = changes[name]
            continue
        items = changes[name]
        if name == "tools":
            items = sorted(items, key=lambda item: peer._TOOL_ORDER[item["tool"]])
        # Each item holds its key, its count (`count`, `sessions` or `users`) and `percent`.
        entries[name] = [
            {
                "count": next(v for k, v in item.items() if k not in ("percent", *KEYS)),
                "percent": item["percent"],
            }
            for item in items
        ]
    return entries


KEYS = ("cluster_id", "category", "tool", "segment")


@pytest.mark.parametrize("params", COMPARED_SETS, ids=lambda params: "&".join(params.values()))
async def test_every_change_equals_the_peers_tests(
    generated_client: httpx.AsyncClient, generated_url: str, params: dict[str, str]
) -> None:
    overview: dict[str, Any] = await get_json(
        generated_client,
        "/analytics/overview",
        product_context="pool",
        compare="previous_period",
        **params,
    )
    now, units_now, exposure_now = await _peer_window(generated_url, overview["filters"])
    before, units_before, exposure_before = await _peer_window(
        generated_url, overview["previous"]["filters"]
    )
    expected = peer_changes.families(
        now, before, units_now, units_before, (exposure_now, exposure_before)
    )
    for section, family in expected.items():
        entries = peer_changes.flatten(_service_entries(overview["changes"][section], family))
        p_values = peer_changes.flatten(family)
        # The same tests are undefined, the others agree, and so do the discoveries.
        assert [e["p_value"] is None for e in entries] == [p is None for p in p_values], section
        tested = [e for e in entries if e["p_value"] is not None]
        assert [e["p_value"] for e in tested] == pytest.approx(
            [p for p in p_values if p is not None], rel=1e-6
        ), section
        assert [e["significant"] for e in tested] == peer_changes.discoveries(family), section
