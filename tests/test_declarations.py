"""KPI declarations: each KPI's standalone function is its route's answer, and row names hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func

from backend.app.analytics.kinds import Kpi, StreamedKpi
from backend.app.analytics.registry import KPIS
from backend.app.analytics.window import Window
from backend.app.db.expressions import row_columns
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.users import Retention
from tests.support.endpoints import get_json, without_filters
from tests.support.sql_log import StatementLog
from tests.support.windows import pool


@pytest.mark.parametrize("kpi", KPIS, ids=[kpi.name for kpi in KPIS])
async def test_a_kpis_function_answers_what_its_route_answers(
    kpi: Kpi, app: FastAPI, client: httpx.AsyncClient, statements: StatementLog
) -> None:
    # Window W ended long before now, so the request time changes nothing in either body.
    window = Window(AnalyticsFilters.model_validate(pool()), datetime.now(UTC))
    database = app.state.database
    body = (
        await kpi.compute(window, database, app.state.classifier)
        if isinstance(kpi, StreamedKpi)
        else await kpi.compute(window, database)
    )
    # One statement per grain the KPI reads: engagement two (users, and every session), the
    # others one.
    assert len(statements.statements) == len(kpi.grains)
    route = await get_json(client, f"/analytics{kpi.path}", **pool())
    assert body.model_dump(mode="json") == without_filters(route)
    # And what the overview answers, where the KPI's columns share each grain's statement with
    # every other KPI's: another statement, the same numbers (the routes' own tests hold those
    # to hand-worked values).
    assert isinstance(body, kpi.body)
    overview = await get_json(client, "/analytics/overview", **pool())
    assert body.model_dump(mode="json") == overview[kpi.name]


class _Row(TypedDict):
    total: int


def test_a_column_named_outside_its_row_is_refused() -> None:
    assert list(row_columns(_Row, total=func.count())) == ["total"]
    with pytest.raises(TypeError, match="_Row has no field totl"):
        row_columns(_Row, totl=func.count())
    # A response model is a row too: its fields are the names.
    with pytest.raises(TypeError, match="Retention has no field returning_pct"):
        row_columns(Retention, returning_pct=func.count())
