"""Grains: the relations KPIs aggregate, and the one statement per grain that computes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, FromClause, RowMapping, Table, func, select

from backend.app.db.expressions import AnySelect, Columns
from backend.app.db.queries import SessionPart, session_relation
from backend.app.db.text_queries import query_text_relation
from backend.app.db.user_queries import user_relation
from backend.app.models.filters import AnalyticsFilters


class Grain(StrEnum):
    """What one row of a KPI's relation is: a session, a user, or a distinct query text."""

    SESSION = "session"
    USER = "user"
    QUERY_TEXT = "query_text"


def grain_relation(
    grain: Grain, *, table: Table, filters: AnalyticsFilters, parts: frozenset[SessionPart]
) -> CTE:
    """Return the relation of `grain` over the window, with the session `parts` asked for."""
    if grain is Grain.SESSION:
        return session_relation(table=table, filters=filters, parts=parts)
    if grain is Grain.USER:
        pairs = session_relation(table=table, filters=filters, parts=parts, by_user=True)
        return user_relation(session_user_pairs=pairs)
    return query_text_relation(table=table, filters=filters)


@dataclass(frozen=True)
class GrainStatement:
    """One statement computing the columns of several KPIs, and which of its columns are whose."""

    select: AnySelect
    # Each KPI's column names, in the order its columns follow one another in the select (a
    # streamed statement's rows are one KPI's columns and nothing else).
    layout: Mapping[str, tuple[str, ...]]
    # Whether its rows stream to one KPI, rather than make one row of aggregates.
    streamed: bool = False

    def kpi_row(self, row: RowMapping, kpi: str) -> dict[str, Any]:
        """Return the columns of `kpi` from the statement's row, under their own names."""
        # Read by position: the labels are for people reading the SQL, not for finding values.
        values = list(row.values())
        start = 1  # after relation_rows
        for name, names in self.layout.items():
            if name == kpi:
                return dict(zip(names, values[start : start + len(names)], strict=True))
            start += len(names)
        raise KeyError(kpi)


def grain_statement(rows: FromClause, columns: Mapping[str, Columns]) -> GrainStatement:
    """Return one select computing every KPI's columns over the relation `rows`, and where."""
    labelled = [
        expression.label(f"{kpi}__{name}")
        for kpi, named in columns.items()
        for name, expression in named.items()
    ]
    # count(*) makes the select an aggregate: exactly one row, even when a KPI's columns are all
    # scalar subqueries (volume's are).
    statement = select(func.count().label("relation_rows"), *labelled).select_from(rows)
    return GrainStatement(statement, {kpi: tuple(named) for kpi, named in columns.items()})


def stream_statement(rows: FromClause, columns: Mapping[str, Columns]) -> GrainStatement:
    """Return the select of one streamed KPI's per-row `columns` over its grain's relation."""
    # Its rows are one KPI's alone: no other KPI reads per-text rows.
    [(kpi, named)] = columns.items()
    statement = select(*(expression.label(name) for name, expression in named.items()))
    return GrainStatement(statement.select_from(rows), {kpi: tuple(named)}, streamed=True)
