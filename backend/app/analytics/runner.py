"""Run KPIs: one statement per grain, concurrently, each on its own pooled connection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from backend.app.analytics.declaration import BodyT, Kpi, ShapeContext
from backend.app.db.client import Database
from backend.app.db.grains import Grain, grain_relation, grain_statement, kpi_row
from backend.app.db.tables import table_for
from backend.app.models.filters import AnalyticsFilters


async def compute(
    kpis: Sequence[Kpi[Any]],
    db: Database,
    filters: AnalyticsFilters,
    context: ShapeContext,
) -> dict[str, BaseModel]:
    """Compute `kpis` for `filters` with one statement per grain; return bodies by KPI name."""
    table = table_for(filters.product_context)
    by_grain: dict[Grain, list[Kpi[Any]]] = {}
    for kpi in kpis:
        by_grain.setdefault(kpi.grain, []).append(kpi)

    async def run_grain(grain: Grain, members: list[Kpi[Any]]) -> dict[str, BaseModel]:
        parts = frozenset().union(*(kpi.parts for kpi in members))
        relation = grain_relation(grain, table=table, filters=filters, parts=parts)
        columns = {kpi.name: kpi.columns(relation) for kpi in members}
        # Database.fetch_one checks out a connection of its own: no two tasks share one.
        row = await db.fetch_one(grain_statement(relation, columns))
        return {kpi.name: await kpi.shape(kpi_row(row, kpi.name), context) for kpi in members}

    # When one statement fails, the task group cancels the others, and asyncpg cancels their
    # statements in PostgreSQL; a cancelled request (its client gone) cancels them all the same.
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run_grain(g, members)) for g, members in by_grain.items()]
    except BaseExceptionGroup as failure:
        raise _first_error(failure) from None
    bodies: dict[str, BaseModel] = {}
    for task in tasks:
        bodies.update(task.result())
    return {kpi.name: bodies[kpi.name] for kpi in kpis}


async def compute_one(
    kpi: Kpi[BodyT], db: Database, filters: AnalyticsFilters, context: ShapeContext | None = None
) -> BodyT:
    """Compute one KPI: its grain's statement with only its own columns."""
    body = (await compute([kpi], db, filters, context or ShapeContext()))[kpi.name]
    assert isinstance(body, kpi.model)
    return body


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """Return the first exception in a (possibly nested) exception group."""
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
