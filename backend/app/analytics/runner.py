"""Run KPIs: one statement per grain, concurrently, each on its own pooled connection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import RowMapping

from backend.app.analytics.classifier import PainPointClassifier
from backend.app.analytics.declaration import BodyT, Kpi, ShapeContext
from backend.app.db.client import Database
from backend.app.db.expressions import AnySelect
from backend.app.db.grains import (
    Grain,
    grain_relation,
    grain_statement,
    kpi_row,
    stream_statement,
)
from backend.app.db.tables import table_for
from backend.app.models.filters import AnalyticsFilters

# Rows of a streamed grain fetched at once: about 15 ms of classification between two fetches,
# so the event loop answers other requests (and /health) in between.
STREAM_BATCH_ROWS = 2000


async def compute(
    kpis: Sequence[Kpi[Any]],
    db: Database,
    filters: AnalyticsFilters,
    classifier: PainPointClassifier | None = None,
) -> dict[str, BaseModel]:
    """Compute `kpis` for `filters` with one statement per grain; return bodies by KPI name."""
    [bodies] = await compute_windows(kpis, db, [filters], classifier)
    return bodies


def request_time(now: datetime | None) -> datetime:
    """Return the request time as an aware UTC datetime: `now`, or this instant."""
    return datetime.now(UTC) if now is None else now.astimezone(UTC)


async def compute_windows(
    kpis: Sequence[Kpi[Any]],
    db: Database,
    windows: Sequence[AnalyticsFilters],
    classifier: PainPointClassifier | None = None,
    *,
    now: datetime | None = None,
) -> list[dict[str, BaseModel]]:
    """Compute `kpis` for each of `windows` at once; return their bodies by KPI name, in order.

    `now` is the request time (the app's clock; this instant when None): which local days had
    ended, and how much of the window had elapsed. Every statement of every window is in flight
    together, each on its own connection; when one fails, all are cancelled.
    """
    now = request_time(now)

    async def run(statement: AnySelect) -> RowMapping:
        # Database.fetch_one checks out a connection of its own: no two tasks share one.
        return await db.fetch_one(statement)

    async def shape(
        kpi: Kpi[Any],
        rows: dict[Grain, asyncio.Task[RowMapping]],
        selects: dict[Grain, AnySelect],
        context: ShapeContext,
    ) -> BaseModel:
        # Each KPI is shaped as soon as its own grains are in: the pain points' classification
        # overlaps the other statements.
        row: dict[str, Any] = {}
        for grain in kpi.grains:
            if not grain.streamed:
                row.update(kpi_row(await rows[grain], kpi.name))
        if not kpi.grain.streamed:
            body: BaseModel = await kpi.shape(row, context)
            return body
        # A streamed grain's rows are shaped as they arrive, on a connection of their own.
        async with db.stream(selects[kpi.grain], batch_size=STREAM_BATCH_ROWS) as batches:
            body = await kpi.shape({**row, "batches": batches}, context)
        return body

    # Admitted only once a connection is free for each statement (one per grain and window): a
    # rush queues here, briefly, rather than on the pool with every connection taken. The
    # statements are built once admitted: building them costs CPU (tens of milliseconds for an
    # overview) that a request refused after the pool timeout would have spent for nothing,
    # while /health waited behind it.
    grains = {grain for kpi in kpis for grain in kpi.grains}
    async with db.admission.admit(len(grains) * len(windows)):
        selects = [statements(kpis, filters, now=now) for filters in windows]
        try:
            async with asyncio.TaskGroup() as group:
                bodies = []
                for filters, window in zip(windows, selects, strict=True):
                    context = ShapeContext(filters=filters, now=now, classifier=classifier)
                    rows = {
                        grain: group.create_task(run(s))
                        for grain, s in window.items()
                        if not grain.streamed
                    }
                    bodies.append(
                        {
                            kpi.name: group.create_task(shape(kpi, rows, window, context))
                            for kpi in kpis
                        }
                    )
        except BaseExceptionGroup as failure:
            raise _first_error(failure) from None
    return [{name: task.result() for name, task in window.items()} for window in bodies]


def statements(
    kpis: Sequence[Kpi[Any]], filters: AnalyticsFilters, *, now: datetime
) -> dict[Grain, AnySelect]:
    """Return the one statement per grain that computes every column of `kpis` at `now`."""
    table = table_for(filters.product_context)
    by_grain: dict[Grain, list[Kpi[Any]]] = {}
    for kpi in kpis:
        for grain in kpi.grains:
            by_grain.setdefault(grain, []).append(kpi)
    selects: dict[Grain, AnySelect] = {}
    for grain, members in by_grain.items():
        parts = frozenset().union(*(kpi.parts for kpi in members if kpi.grain is grain))
        relation = grain_relation(grain, table=table, filters=filters, parts=parts, now=now)
        columns = {kpi.name: kpi.columns_over(grain, relation) for kpi in members}
        if grain.streamed:
            # Its rows are one KPI's alone: no other KPI reads per-text rows.
            [named] = columns.values()
            selects[grain] = stream_statement(relation, named)
        else:
            selects[grain] = grain_statement(relation, columns)
    return selects


async def compute_one(
    kpi: Kpi[BodyT],
    db: Database,
    filters: AnalyticsFilters,
    classifier: PainPointClassifier | None = None,
) -> BodyT:
    """Compute one KPI: its grains' statements with only its own columns."""
    body = (await compute([kpi], db, filters, classifier))[kpi.name]
    assert isinstance(body, kpi.model)
    return body


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """Return the first exception in a (possibly nested) exception group."""
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
