"""Run KPIs: one statement per grain, concurrently, each on its own pooled connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from datetime import datetime
from typing import Any

from opentelemetry.trace import Span
from sqlalchemy import RowMapping

from backend.app import telemetry
from backend.app.analytics.comparison import Measured, exposure_seconds
from backend.app.analytics.declaration import BodyT, Kpi, Services, ShapeContext
from backend.app.analytics.grains import (
    Grain,
    GrainStatement,
    Relation,
    grain_relation,
    grain_statement,
    stream_statement,
)
from backend.app.analytics.significance import Sample
from backend.app.db.client import Database
from backend.app.db.expressions import AnySelect, Columns
from backend.app.db.tables import table_for
from backend.app.db.text_source import TextSource
from backend.app.models.filters import AnalyticsFilters

# What traces call the windows: the request's, and under compare the period before it.
PERIODS = ("current", "previous")
# Rows of a streamed grain fetched at once: a few milliseconds of labelling between two fetches,
# so the event loop answers other requests (and /health) in between.
STREAM_BATCH_ROWS = 2000


async def compute_one(kpi: Kpi[BodyT], filters: AnalyticsFilters, services: Services) -> BodyT:
    """Compute one KPI for one window: its grains' statements with only its own columns."""
    [bodies] = await compute_windows([kpi], [filters], services)
    body = bodies[kpi.name].body
    assert isinstance(body, kpi.model)
    return body


async def compute_windows(
    kpis: Sequence[Kpi[Any]], windows: Sequence[AnalyticsFilters], services: Services
) -> list[dict[str, Measured]]:
    """Compute `kpis` for each of `windows` at once; return their bodies by KPI name, in order.

    Every statement of every window is in flight together, each on its own connection (one per
    grain and window); when one fails, all are cancelled. Two windows are compared: their
    statements also sum up the units behind each mean the comparison tests.
    """
    db, now = services.db, services.now
    compared = len(windows) > 1

    async def shape(
        kpi: Kpi[Any],
        rows: dict[Grain, asyncio.Task[RowMapping]],
        statements: dict[Grain, GrainStatement],
        context: ShapeContext,
        period: str,
    ) -> Measured:
        # Each KPI is shaped as soon as its own grains are in: the pain points' classification
        # overlaps the other statements.
        row: dict[str, Any] = {}
        for grain in kpi.grains:
            if not grain.streamed:
                row.update(statements[grain].kpi_row(await rows[grain], kpi.name))
        samples = _samples(kpi, row) if compared else {}
        exposure = exposure_seconds(context.filters, now)
        if not kpi.grain.streamed:
            return Measured(await kpi.shape(row, context), samples, exposure)
        # A streamed grain's rows are shaped as they arrive, on a connection of their own.
        with _grain_span(kpi.grain, period):
            async with db.snapshot() as snapshot:
                texts = TextSource(
                    snapshot,
                    grouped=statements[kpi.grain].select,
                    table=table_for(context.filters.product_context),
                    filters=context.filters,
                    batch_size=STREAM_BATCH_ROWS,
                )
                body = await kpi.shape({**row, "texts": texts}, context)
        return Measured(body, samples, exposure)

    # Admitted only once a connection is free for each statement: a rush queues here, briefly,
    # rather than on the pool with every connection taken. The statements are built once
    # admitted: building them costs CPU (tens of milliseconds for an overview) that a request
    # refused after the pool timeout would have spent for nothing, while /health waited behind it.
    grains = {grain for kpi in kpis for grain in kpi.grains}
    streams = sum(grain.streamed for grain in grains) * len(windows)
    # Text streams first: a request that cannot get one holds no connection while it waits, and
    # waits for connections only what is left of the pool timeout.
    started = time.monotonic()
    async with (
        db.text_streams.admit(streams) if streams else nullcontext(),
        db.admission.admit(
            len(grains) * len(windows),
            wait=db.pool_timeout - (time.monotonic() - started) if streams else None,
        ),
    ):
        built = [statements(kpis, filters, now=now, samples=compared) for filters in windows]
        bodies: list[dict[str, asyncio.Task[Measured]]] = []
        async with task_group() as group:
            for period, filters, window in zip(PERIODS, windows, built, strict=False):
                context = ShapeContext(filters=filters, now=now, classifier=services.classifier)
                # Database.fetch_one checks out a connection of its own: no two tasks share one.
                rows = {
                    grain: group.create_task(_grain_row(db, s.select, grain, period))
                    for grain, s in window.items()
                    if not grain.streamed
                }
                bodies.append(
                    {
                        kpi.name: group.create_task(shape(kpi, rows, window, context, period))
                        for kpi in kpis
                    }
                )
    return [{name: task.result() for name, task in window.items()} for window in bodies]


def _grain_span(grain: Grain, period: str) -> AbstractContextManager[Span]:
    """Trace one grain's statement for one period."""
    return telemetry.span(
        f"grain {grain}", {"heritage.grain": grain.value, "heritage.window": period}
    )


async def _grain_row(db: Database, statement: AnySelect, grain: Grain, period: str) -> RowMapping:
    """Return the one row of a grain's statement, traced as that grain's."""
    with _grain_span(grain, period):
        return await db.fetch_one(statement)


def statements(
    kpis: Sequence[Kpi[Any]], filters: AnalyticsFilters, *, now: datetime, samples: bool = False
) -> dict[Grain, GrainStatement]:
    """Return the one statement per grain that computes every column of `kpis` at `now`.

    With `samples`, each KPI's statement also sums up the units behind the means it compares.
    """
    table = table_for(filters.product_context)
    by_grain: dict[Grain, list[Kpi[Any]]] = {}
    for kpi in kpis:
        for grain in kpi.grains:
            by_grain.setdefault(grain, []).append(kpi)
    built: dict[Grain, GrainStatement] = {}
    for grain, members in by_grain.items():
        parts = frozenset().union(*(kpi.parts for kpi in members if kpi.grain is grain))
        relation = grain_relation(grain, table=table, filters=filters, parts=parts, now=now)
        columns = {
            kpi.name: {
                **kpi.columns_over(grain, relation),
                **(_sample_columns(kpi, relation) if samples and kpi.grain is grain else {}),
            }
            for kpi in members
        }
        built[grain] = (
            stream_statement(relation, columns)
            if grain.streamed
            else grain_statement(relation, columns)
        )
    return built


# The statistics of one mean's units, as sample_columns names them.
_SAMPLE_STATISTICS = ("units", "mean", "variance")


def _sample_columns(kpi: Kpi[Any], relation: Relation) -> Columns:
    """Return the columns of the units behind each mean `kpi` compares, as `<field>__<stat>`."""
    return {
        f"{field}__{statistic}": expression
        for field, welch in kpi.compared.welch_samples().items()
        for statistic, expression in welch.sample(relation.rows).items()
    }


def _samples(kpi: Kpi[Any], row: dict[str, Any]) -> dict[str, Sample]:
    """Take the units of each mean `kpi` compares out of its `row`, as samples by field."""
    samples = {}
    for field in kpi.compared.welch_samples():
        units, mean, variance = (row.pop(f"{field}__{stat}") for stat in _SAMPLE_STATISTICS)
        samples[field] = Sample(
            units=units,
            mean=None if mean is None else float(mean),
            variance=None if variance is None else float(variance),
        )
    return samples


@asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """Yield a TaskGroup that raises the first error it caught, not an exception group."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as failure:
        raise _first_error(failure) from None


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """Return the first exception in a (possibly nested) exception group."""
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
