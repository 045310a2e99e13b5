"""The SQL carries filters as bound parameters, reads one table per request, and cannot write."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from backend.app.analytics import grains
from backend.app.db import expressions, queries
from backend.app.db.queries import SessionPart
from backend.app.db.tables import (
    COLUMNS_READ,
    interaction_log,
    landscape_interaction_log,
    table_for,
)
from backend.app.models.filters import AnalyticsFilters, ProductContext
from tests.support.endpoints import ANALYTICS_PATHS, get_json
from tests.support.sql_log import DIALECT, StatementLog
from tests.support.windows import WINDOW, pool

HOSTILE = "u1' OR '1'='1"
POOL_TABLE = re.compile(r"\binteraction_log\b")


@pytest.mark.parametrize("path", ANALYTICS_PATHS)
async def test_filters_are_bound_parameters(
    client: httpx.AsyncClient, statements: StatementLog, path: str
) -> None:
    await get_json(client, path, **pool(user_id=HOSTILE, environment="prod'; --"))
    assert statements.entries
    for statement, parameters in statements.entries:
        assert HOSTILE not in statement
        assert "prod'; --" not in statement
        assert "2025-06" not in statement
        values = list(parameters) if isinstance(parameters, tuple | list) else []
        assert HOSTILE in values
        assert "prod'; --" in values


@pytest.mark.parametrize("path", ANALYTICS_PATHS)
async def test_pool_request_reads_only_the_pool_table(
    client: httpx.AsyncClient, statements: StatementLog, path: str
) -> None:
    await get_json(client, path, **pool())
    assert statements.statements
    for statement in statements.statements:
        assert POOL_TABLE.search(statement)
        assert "landscape_interaction_log" not in statement
        assert "is_mobile_app" not in statement


@pytest.mark.parametrize("path", ANALYTICS_PATHS)
async def test_landscape_request_reads_only_the_landscape_table(
    client: httpx.AsyncClient, statements: StatementLog, path: str
) -> None:
    await get_json(client, path, **WINDOW, product_context="landscape")
    assert statements.statements
    for statement in statements.statements:
        assert "landscape_interaction_log" in statement
        assert not POOL_TABLE.search(statement)


@pytest.mark.parametrize("context", list(ProductContext))
async def test_statements_read_only_the_declared_columns(
    client: httpx.AsyncClient, statements: StatementLog, context: ProductContext
) -> None:
    # /health/ready checks COLUMNS_READ; every statement the service sends must stay inside it.
    await get_json(client, "/analytics/overview", **WINDOW, product_context=context.value)
    await get_json(client, "/meta/filter-options", product_context=context.value)
    table = table_for(context).name
    read = {
        column
        for statement in statements.statements
        for column in re.findall(rf"\b{table}\.(\w+)", statement)
    }
    assert read == set(COLUMNS_READ)


def test_product_context_allow_list() -> None:
    assert table_for(ProductContext.POOL) is interaction_log
    assert table_for(ProductContext.LANDSCAPE) is landscape_interaction_log
    assert "is_mobile_app" not in interaction_log.c
    assert "is_mobile_app" in landscape_interaction_log.c


def test_window_filter_compiles_to_placeholders_only() -> None:
    filters = AnalyticsFilters.model_validate(
        {**WINDOW, "product_context": "pool", "environment": "staging", "user_id": "u1"}
    )
    compiled = expressions.window_filter(table=interaction_log, filters=filters).compile(
        dialect=DIALECT
    )
    sql = str(compiled)
    assert "staging" not in sql
    assert "u1" not in sql
    assert len(re.findall(r"\$\d+::", sql)) == 4
    assert sorted(map(str, compiled.params.values())) == sorted(
        ["2025-06-01 00:00:00", "2025-06-07 23:59:59.999999", "staging", "u1"]
    )


def test_session_statement_aggregates_in_sql() -> None:
    filters = AnalyticsFilters.model_validate({**WINDOW, "product_context": "pool"})
    sessions = grains.grain_relation(
        grains.Grain.SESSION,
        table=interaction_log,
        filters=filters,
        parts=frozenset({SessionPart.FEEDBACK}),
    )
    columns = queries.session_metrics_columns(sessions)
    sql = str(
        grains.grain_statement(sessions, {"sessions": columns}).select.compile(dialect=DIALECT)
    )
    assert "GROUP BY interaction_log.session_id" in sql
    assert (
        "count(*) FILTER (WHERE sessions.has_negative) AS sessions__negative_feedback_sessions"
        in sql
    )


async def test_engine_refuses_writes(app: FastAPI) -> None:
    engine = app.state.database.engine
    async with engine.connect() as connection:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await connection.execute(
                insert(interaction_log).values(session_id="x", user_id="intruder")
            )


async def test_connections_carry_the_read_only_and_timeout_settings(app: FastAPI) -> None:
    async with app.state.database.engine.connect() as connection:
        read_only = await connection.scalar(text("SHOW default_transaction_read_only"))
        timeout = await connection.scalar(text("SHOW statement_timeout"))
    assert read_only == "on"
    assert timeout == "30s"
