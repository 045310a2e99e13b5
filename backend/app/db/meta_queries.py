"""Metadata SQL: the console's filter options and the catalog checks behind /health/ready."""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, MetaData, String, Table, and_, any_, func, select

from backend.app.db.expressions import AnySelect


def environments_query(*, table: Table) -> AnySelect:
    """Return the distinct non-empty environments present in the table, sorted."""
    return (
        select(table.c.environment.label("environment"))
        .where(table.c.environment != "")
        .group_by(table.c.environment)
        .order_by(table.c.environment)
    )


def interaction_range_query(*, table: Table) -> AnySelect:
    """Return the first and last `time_stamp` in the table."""
    return select(
        func.min(table.c.time_stamp).label("first_interaction"),
        func.max(table.c.time_stamp).label("last_interaction"),
    )


_pg_indexes = Table(
    "pg_indexes",
    MetaData(schema="pg_catalog"),
    Column("schemaname", String),
    Column("tablename", String),
    Column("indexdef", String),
)


def _on_search_path(
    schema: Column[str], name: Column[str], names: list[str]
) -> ColumnElement[bool]:
    """Return the condition for catalog rows of the named tables in a schema on the search path."""
    return and_(name.in_(names), schema == any_(func.current_schemas(False)))


def index_definitions_query(*, table_names: list[str]) -> AnySelect:
    """Return (tablename, indexdef) of every index on the named tables on the search path."""
    indexes = _pg_indexes
    return select(indexes.c.tablename, indexes.c.indexdef).where(
        _on_search_path(indexes.c.schemaname, indexes.c.tablename, table_names)
    )


_information_schema_columns = Table(
    "columns",
    MetaData(schema="information_schema"),
    Column("table_schema", String),
    Column("table_name", String),
    Column("column_name", String),
)


def present_columns_query(*, table_names: list[str]) -> AnySelect:
    """Return (table_name, column_name) for the named tables visible on the search path."""
    info = _information_schema_columns
    return select(info.c.table_name, info.c.column_name).where(
        _on_search_path(info.c.table_schema, info.c.table_name, table_names)
    )
