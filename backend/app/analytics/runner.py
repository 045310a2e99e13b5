"""Run KPIs: one statement per grain, concurrently, each on its own pooled connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any, TypeAlias

from opentelemetry.trace import Span
from sqlalchemy import FromClause, RowMapping

from backend.app import telemetry
from backend.app.analytics.comparison import Measured, exposure_seconds
from backend.app.analytics.declaration import (
    AggregateDeclaration,
    BodyT,
    StreamedDeclaration,
)
from backend.app.analytics.grains import (
    Grain,
    GrainStatement,
    grain_relation,
    grain_statement,
    stream_statement,
)
from backend.app.analytics.significance import Sample
from backend.app.analytics.window import Window
from backend.app.db.client import Database
from backend.app.db.expressions import AnySelect, Columns
from backend.app.db.tables import table_for
from backend.app.db.text_source import TextSource

if TYPE_CHECKING:
    # A type only: the runner hands the classifier on, and need not load the LLM's SDK.
    from backend.app.analytics.pain_points.classifier import PainPointClassifier

# What the runner runs: a KPI of either kind.
Declaration: TypeAlias = AggregateDeclaration[Any, Any] | StreamedDeclaration[Any]

# What traces call the windows: the request's, and under compare the period before it.
PERIODS = ("current", "previous")
# Rows of a streamed grain fetched at once: a few milliseconds of labelling between two fetches,
# so the event loop answers other requests (and /health) in between.
STREAM_BATCH_ROWS = 2000
# A window of more local dates than this streams a long text stream (a year of real logs: a
# million rows), admitted by the database's `long_text_streams`, not its `text_streams`.
LONG_STREAM_DAYS = 31


async def compute_windows(
    kpis: Sequence[Declaration],
    windows: Sequence[Window],
    database: Database,
    classifier: PainPointClassifier | None = None,
) -> list[dict[str, Measured]]:
    """Compute `kpis` for each of `windows` at once; return their bodies by KPI name, in order.

    Every statement of every window is in flight together, each on its own connection (one per
    grain and window); when one fails, all are cancelled. Two windows are compared: their
    statements also sum up the units behind each mean the comparison tests. `classifier` labels
    the texts of a streamed KPI, and is handed to it alone.
    """
    compared = len(windows) > 1

    async def measure(
        kpi: Declaration,
        rows: dict[Grain, asyncio.Task[RowMapping]],
        statements: dict[Grain, GrainStatement],
        window: Window,
        period: str,
    ) -> Measured:
        exposure = exposure_seconds(window)
        if isinstance(kpi, StreamedDeclaration):
            if classifier is None:
                raise ValueError(f"{kpi.name} labels its texts: it needs the classifier")
            body = await _consumed(kpi, statements[kpi.grain], window, database, classifier, period)
            return Measured(body, {}, exposure)
        # Each KPI is shaped as soon as its own grains are in: the pain points' classification
        # overlaps the other statements.
        values: dict[str, Any] = {}
        for grain in kpi.grains:
            values.update(statements[grain].kpi_row(await rows[grain], kpi.name))
        samples = _samples(kpi, values) if compared else {}
        return Measured(kpi.shape(kpi.read(values), window), samples, exposure)

    # Admitted only once a connection is free for each statement: a rush queues here, briefly,
    # rather than on the pool with every connection taken. The statements are built once
    # admitted: building them costs CPU (tens of milliseconds for an overview) that a request
    # refused after the pool timeout would have spent for nothing, while /health waited behind it.
    grains = {grain for kpi in kpis for grain in kpi.grains}
    streams = sum(isinstance(kpi, StreamedDeclaration) for kpi in kpis) * len(windows)
    # A compared window holds as many local dates as the request's.
    long = windows[0].calendar.day_count > LONG_STREAM_DAYS
    gate = database.long_text_streams if long else database.text_streams
    # Text streams first: a request that cannot get one holds no connection while it waits, and
    # waits for connections only what is left of the pool timeout.
    started = time.monotonic()
    async with (
        gate.admit(streams) if streams else nullcontext(),
        database.admission.admit(
            len(grains) * len(windows),
            wait=database.pool_timeout - (time.monotonic() - started) if streams else None,
        ),
    ):
        built = [statements(kpis, window, samples=compared) for window in windows]
        bodies: list[dict[str, asyncio.Task[Measured]]] = []
        async with task_group() as group:
            for period, window, window_statements in zip(PERIODS, windows, built, strict=False):
                # Database.fetch_one checks out a connection of its own: no two tasks share one.
                rows = {
                    grain: group.create_task(_grain_row(database, s.select, grain, period))
                    for grain, s in window_statements.items()
                    if not s.streamed
                }
                bodies.append(
                    {
                        kpi.name: group.create_task(
                            measure(kpi, rows, window_statements, window, period)
                        )
                        for kpi in kpis
                    }
                )
    return [{name: task.result() for name, task in window.items()} for window in bodies]


async def _consumed(
    kpi: StreamedDeclaration[BodyT],
    statement: GrainStatement,
    window: Window,
    database: Database,
    classifier: PainPointClassifier,
    period: str,
) -> BodyT:
    """Return a streamed KPI's body: its rows consumed as they come, on a connection of its own."""
    filters = window.filters
    with _grain_span(kpi.grain, period):
        async with database.snapshot() as snapshot:
            texts = TextSource(
                snapshot,
                grouped=statement.select,
                table=table_for(filters.product_context),
                filters=filters,
                batch_size=STREAM_BATCH_ROWS,
            )
            return await kpi.consume(texts, classifier, window)


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
    kpis: Sequence[Declaration], window: Window, *, samples: bool = False
) -> dict[Grain, GrainStatement]:
    """Return the one statement per grain that computes every column of `kpis` over `window`.

    With `samples`, each KPI's statement also sums up the units behind the means it compares.
    """
    table = table_for(window.filters.product_context)
    by_grain: dict[Grain, list[Declaration]] = {}
    for kpi in kpis:
        for grain in kpi.grains:
            by_grain.setdefault(grain, []).append(kpi)
    built: dict[Grain, GrainStatement] = {}
    for grain, members in by_grain.items():
        aggregates = [kpi for kpi in members if isinstance(kpi, AggregateDeclaration)]
        parts = frozenset().union(*(kpi.parts for kpi in aggregates if kpi.grain is grain))
        rows = grain_relation(grain, table=table, filters=window.filters, parts=parts)
        if any(isinstance(kpi, StreamedDeclaration) for kpi in members):
            # A streamed KPI's rows are its own: no other KPI reads per-text rows.
            [kpi] = members
            built[grain] = stream_statement(rows, {kpi.name: kpi.columns(rows, window)})
            continue
        columns = {
            kpi.name: {
                **kpi.columns_over(grain, rows, window),
                **(_sample_columns(kpi, rows) if samples and kpi.grain is grain else {}),
            }
            for kpi in aggregates
        }
        built[grain] = grain_statement(rows, columns)
    return built


# The statistics of one mean's units, as sample_columns names them.
_SAMPLE_STATISTICS = ("units", "mean", "variance")


def _sample_columns(kpi: AggregateDeclaration[Any, Any], rows: FromClause) -> Columns:
    """Return the columns of the units behind each mean `kpi` compares, as `<field>__<stat>`."""
    return {
        f"{field}__{statistic}": expression
        for field, welch in kpi.compared.welch_samples().items()
        for statistic, expression in welch.sample(rows).items()
    }


def _samples(kpi: AggregateDeclaration[Any, Any], row: dict[str, Any]) -> dict[str, Sample]:
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
