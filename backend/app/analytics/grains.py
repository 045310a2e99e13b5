"""Grains: the relations KPIs aggregate, and the one statement per grain that computes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, RowMapping, Table, func, select

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

    @property
    def streamed(self) -> bool:
        """Return whether the grain's rows stream to Python instead of one row of aggregates.

        Pain points classify every text in Python; a window can hold millions of them, so they
        arrive in batches and are reduced to a few numbers (or counts) as they come.
        """
        return self is Grain.QUERY_TEXT


@dataclass(frozen=True)
class Relation:
    """The relation one grain's KPIs aggregate, with what their columns may read besides it."""

    rows: CTE
    filters: AnalyticsFilters
    # The request time: which local days had ended, and how much of the window had elapsed.
    now: datetime


def grain_relation(
    grain: Grain,
    *,
    table: Table,
    filters: AnalyticsFilters,
    parts: frozenset[SessionPart],
    now: datetime,
) -> Relation:
    """Return the relation of `grain` over the window, with the session `parts` asked for."""
    if grain is Grain.SESSION:
        sessions = session_relation(table=table, filters=filters, parts=parts)
        return Relation(sessions, filters, now)
    if grain is Grain.USER:
        pairs = session_relation(table=table, filters=filters, parts=parts, by_user=True)
        return Relation(user_relation(session_user_pairs=pairs), filters, now)
    return Relation(query_text_relation(table=table, filters=filters), filters, now)


@dataclass(frozen=True)
class GrainStatement:
    """One statement computing the columns of several KPIs, and which of its columns are whose."""

    select: AnySelect
    # Each KPI's column names, in the order its columns follow one another in the select (a
    # streamed grain's rows are one KPI's columns and nothing else).
    layout: Mapping[str, tuple[str, ...]]

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


def grain_statement(relation: Relation, columns: Mapping[str, Columns]) -> GrainStatement:
    """Return one select computing every KPI's columns over `relation`, and their layout."""
    labelled = [
        expression.label(f"{kpi}__{name}")
        for kpi, named in columns.items()
        for name, expression in named.items()
    ]
    # count(*) makes the select an aggregate: exactly one row, even when a KPI's columns are all
    # scalar subqueries (volume's are).
    statement = select(func.count().label("relation_rows"), *labelled).select_from(relation.rows)
    return GrainStatement(statement, {kpi: tuple(named) for kpi, named in columns.items()})


def stream_statement(relation: Relation, columns: Mapping[str, Columns]) -> GrainStatement:
    """Return the select of one KPI's per-row `columns` over a streamed grain's `relation`."""
    # Its rows are one KPI's alone: no other KPI reads per-text rows.
    [(kpi, named)] = columns.items()
    statement = select(*(expression.label(name) for name, expression in named.items()))
    return GrainStatement(statement.select_from(relation.rows), {kpi: tuple(named)})
