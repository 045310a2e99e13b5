"""Filter options for the console and the schema check behind /health/ready."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from backend.app.db import meta_queries as queries
from backend.app.db.client import Database
from backend.app.db.tables import COLUMNS_READ, TABLES, table_for
from backend.app.models.filters import ProductContext
from backend.app.models.responses import FilterOptions


def _utc(value: datetime | None) -> datetime | None:
    # time_stamp is stored without a time zone and holds UTC.
    return value.replace(tzinfo=UTC) if value is not None else None


async def filter_options(db: Database, product_context: ProductContext) -> FilterOptions:
    """Return the environments and the first and last interaction of one product's table."""
    table = table_for(product_context)
    environments = await db.fetch_all(queries.environments_query(table=table))
    bounds = await db.fetch_one(queries.interaction_range_query(table=table))
    return FilterOptions(
        product_context=product_context,
        environments=[row["environment"] for row in environments],
        first_interaction=_utc(bounds["first_interaction"]),
        last_interaction=_utc(bounds["last_interaction"]),
    )


@dataclass(frozen=True)
class SchemaCheck:
    """What the service needs that the database lacks, or does not let it read."""

    missing: list[str]
    unreadable: list[str]


async def check_schema(db: Database) -> SchemaCheck:
    """Return what the service reads that the database lacks or does not let it read."""
    tables = list(TABLES.values())
    rows = await db.fetch_all(queries.present_columns_query(table_names=[t.name for t in tables]))
    readable = {(row["table_name"], row["column_name"]): row["readable"] for row in rows}
    present_tables = {table_name for table_name, _ in readable}
    check = SchemaCheck(missing=[], unreadable=[])
    for table in tables:
        if table.name not in present_tables:
            check.missing.append(table.name)
            continue
        # Only the columns the service reads: see COLUMNS_READ.
        for column in COLUMNS_READ:
            name = f"{table.name}.{column}"
            if (table.name, column) not in readable:
                check.missing.append(name)
            elif not readable[table.name, column]:
                check.unreadable.append(name)
    return check


async def missing_indexes(db: Database) -> list[str]:
    """Return a warning per table that has no index leading with time_stamp."""
    # An index whose first key column is time_stamp serves the window range every KPI starts with.
    tables = [table.name for table in TABLES.values()]
    rows = await db.fetch_all(
        queries.window_indexed_tables_query(table_names=tables, column="time_stamp")
    )
    covered = {row["table_name"] for row in rows}
    return [
        f"{name} has no index on time_stamp: every KPI scans the whole table; "
        "see alembic-free-schema-fixtures/indexes.sql"
        for name in tables
        if name not in covered
    ]
