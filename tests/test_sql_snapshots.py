"""The SQL every KPI sends, kept as files: a change to a statement shows in review as a diff.

Each grain statement is compiled for PostgreSQL (placeholders, never values) and compared with
its file under tests/__snapshots__/test_sql_snapshots/. After an intended change to the SQL,
`make snapshots` writes the files again; review their diff with the change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from backend.app.analytics.registry import KPIS
from backend.app.analytics.runner import statements
from backend.app.analytics.window import Window
from backend.app.db.expressions import AnySelect
from backend.app.db.tables import table_for
from backend.app.db.text_queries import raw_text_rows, rows_at
from backend.app.models.filters import AnalyticsFilters, ProductContext
from tests.support.sql_log import DIALECT

# A fixed request time and window: the statements depend on the window's local days.
NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
FILTERS = {"start_date": "2026-03-01", "end_date": "2026-03-10", "tz": "America/Chicago"}


class SqlFile(SingleFileSnapshotExtension):
    """One snapshot per statement, as a .sql text file."""

    _write_mode = WriteMode.TEXT
    file_extension = "sql"


@pytest.fixture
def sql_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion writing .sql files."""
    return snapshot.use_extension(SqlFile)


def _sql(statement: AnySelect) -> str:
    """Return `statement` as PostgreSQL SQL with placeholders, ending in a newline."""
    return f"{statement.compile(dialect=DIALECT)}\n"


def _filters(product: ProductContext, **extra: Any) -> AnalyticsFilters:
    return AnalyticsFilters.model_validate({**FILTERS, "product_context": product, **extra})


@pytest.mark.parametrize("compared", [False, True], ids=["plain", "compare"])
@pytest.mark.parametrize("product", list(ProductContext))
def test_the_overview_statements(
    sql_snapshot: SnapshotAssertion, product: ProductContext, compared: bool
) -> None:
    # Under compare each window runs these, with the units behind the compared means added.
    built = statements(KPIS, Window(_filters(product), NOW), samples=compared)
    for grain, statement in built.items():
        assert _sql(statement.select) == sql_snapshot(name=grain.value)


@pytest.mark.parametrize("kpi", KPIS, ids=lambda kpi: kpi.name)
def test_each_kpi_alone(sql_snapshot: SnapshotAssertion, kpi: Any) -> None:
    window = Window(_filters(ProductContext.POOL), NOW)
    for grain, statement in statements([kpi], window).items():
        assert _sql(statement.select) == sql_snapshot(name=grain.value)


def test_the_raw_text_statements(sql_snapshot: SnapshotAssertion) -> None:
    # Pain points' fast path: every text of the window, then the examples' rows by their times.
    filters = _filters(ProductContext.POOL)
    table = table_for(filters.product_context)
    assert _sql(raw_text_rows(table=table, filters=filters)) == sql_snapshot(name="raw")
    at = rows_at(table=table, filters=filters, stamps=[1, 2])
    assert _sql(at) == sql_snapshot(name="at")
