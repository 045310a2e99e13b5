"""Metadata SQL: the console's filter options and the catalog checks behind /health/ready."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ColumnElement,
    Table,
    and_,
    any_,
    func,
    select,
)

from backend.app.db import catalog
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


def _on_search_path(
    schema: Column[str], name: Column[str], names: list[str]
) -> ColumnElement[bool]:
    """Return the condition for catalog rows of the named tables in a schema on the search path."""
    return and_(name.in_(names), schema == any_(func.current_schemas(False)))


def present_columns_query(*, table_names: list[str]) -> AnySelect:
    """Return (table_name, column_name, readable) for the named tables on the search path."""
    # The catalog, not information_schema: information_schema hides what the role may not read,
    # which would make a missing grant look like a missing table.
    tables, namespaces, columns = catalog.pg_class, catalog.pg_namespace, catalog.pg_attribute
    return (
        select(
            tables.c.relname.label("table_name"),
            columns.c.attname.label("column_name"),
            func.has_column_privilege(tables.c.oid, columns.c.attnum, "SELECT").label("readable"),
        )
        .select_from(
            tables.join(namespaces, namespaces.c.oid == tables.c.relnamespace).join(
                columns, columns.c.attrelid == tables.c.oid
            )
        )
        .where(
            _on_search_path(namespaces.c.nspname, tables.c.relname, table_names),
            columns.c.attnum > 0,
            columns.c.attisdropped.is_(False),
        )
    )


def window_indexed_tables_query(*, table_names: list[str], column: str) -> AnySelect:
    """Return the named tables on the search path that have an index whose first key is `column`."""
    # The catalog alone: pg_indexes would deparse each definition, which waits behind any lock on
    # the table (a DBA's ALTER TABLE, say) and so could hang readiness.
    tables, namespaces, columns, indexes = (
        catalog.pg_class,
        catalog.pg_namespace,
        catalog.pg_attribute,
        catalog.pg_index,
    )
    return (
        select(tables.c.relname.label("table_name"))
        .select_from(
            indexes.join(tables, tables.c.oid == indexes.c.indrelid)
            .join(namespaces, namespaces.c.oid == tables.c.relnamespace)
            .join(
                columns,
                and_(
                    columns.c.attrelid == tables.c.oid,
                    # int2vector is zero-based.
                    columns.c.attnum == indexes.c.indkey[0],
                ),
            )
        )
        .where(
            _on_search_path(namespaces.c.nspname, tables.c.relname, table_names),
            columns.c.attname == column,
        )
        .distinct()
    )
