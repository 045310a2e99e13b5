"""`make sql`: the SQL it prints is the SQL the service sends, without and with compare."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from backend.app.analytics.registry import KPIS
from backend.app.models.filters import AnalyticsFilters
from backend.demo.show_sql import chosen_kpis, listing
from tests.support.sql_log import recording
from tests.support.windows import pool_q

ROOT = Path(__file__).resolve().parents[1]
# Every name `make sql KPI=` takes, and the endpoint that sends that KPI's SQL.
COMPARE = "-- With compare=previous_period"
ENDPOINTS = {"overview": "/analytics/overview"} | {
    kpi.name: f"/analytics{kpi.path}" for kpi in KPIS
}


def _listing(name: str, params: dict[str, str], *, literal: bool = False) -> str:
    filters = AnalyticsFilters.model_validate(params)
    return "\n\n".join(listing(chosen_kpis(name), filters, now=datetime.now(UTC), literal=literal))


def _compare_part(text: str) -> str:
    return text[text.index(COMPARE) :]


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("compare", ["none", "previous_period"])
async def test_every_statement_the_service_sends_is_listed(
    app: FastAPI, client: httpx.AsyncClient, name: str, compare: str
) -> None:
    params = pool_q(compare=compare)
    with recording(app) as log:
        response = await client.get(ENDPOINTS[name], params=params)
    assert response.status_code == 200, response.text
    printed = _listing(name, pool_q())
    # Without compare, each is in the first part; under compare, those of both windows are in
    # the second or, where compare changes nothing, the first.
    listed = printed if compare == "previous_period" else printed[: printed.index(COMPARE)]
    assert log.statements
    for statement in log.statements:
        assert f"{statement};" in listed, statement[:500]


def test_compare_adds_the_units_behind_the_means_where_a_kpi_compares_them() -> None:
    printed = _listing("sessions", pool_q())
    plain, compared = printed.split(COMPARE)
    assert "var_samp(" not in plain
    assert "sessions__avg_session_duration_seconds__variance" in compared
    # The values are listed under each statement, the window's bounds among them.
    assert "-- $1 = " in plain
    assert "2025-09-30 23:59:59.999999" in plain


def test_pain_points_list_each_of_their_reads_once() -> None:
    printed = _listing("pain-points", pool_q(product_context="landscape"))
    assert "FROM landscape_interaction_log" in printed
    assert "interaction_log " not in printed.replace("landscape_interaction_log", "")
    # Compare changes nothing in what the texts' reads send.
    assert "SELECT" not in _compare_part(printed)
    assert "-- grain query_text: as without compare" in printed


@pytest.mark.parametrize("name", ["overview"])
async def test_the_literal_listing_runs_as_pasted_into_psql(database_url: str, name: str) -> None:
    printed = _listing(name, pool_q(), literal=True)
    statements = [part for part in printed.split("\n\n") if not part.startswith("--")]
    assert "$1" not in printed
    connection = await asyncpg.connect(database_url)
    try:
        for statement in statements:
            await connection.fetch(statement)
    finally:
        await connection.close()


def _make_sql(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "sql", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_sql_prints_a_kpis_sql_for_the_table_asked() -> None:
    run = _make_sql("KPI=query-categories", "PRODUCT=landscape")
    assert run.returncode == 0, run.stderr
    assert "-- query_categories on landscape_interaction_log, " in run.stdout
    assert "-- With compare=previous_period" in run.stdout
    assert "FROM landscape_interaction_log" in run.stdout


def test_make_sql_names_the_kpis_it_knows() -> None:
    run = _make_sql("KPI=sesions")
    assert run.returncode != 0
    assert "no KPI is named 'sesions': overview, sessions, pain_points" in run.stderr
