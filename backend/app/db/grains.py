"""Grains: the relations KPIs aggregate, and the one statement per grain that computes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, RowMapping, Table, func, select

from backend.app.db.expressions import AnySelect, Columns
from backend.app.db.queries import SessionPart, query_text_relation, session_relation
from backend.app.db.user_queries import user_relation
from backend.app.models.filters import AnalyticsFilters

_SEPARATOR = "__"


class Grain(StrEnum):
    """What one row of a KPI's relation is: a session, a user, or a distinct query text."""

    SESSION = "session"
    USER = "user"
    QUERY_TEXT = "query_text"

    @property
    def streamed(self) -> bool:
        """Return whether the grain's rows stream to Python instead of one row of aggregates.

        Pain points classify each distinct text in Python; a window can hold millions of them,
        so they arrive in batches and are never held at once.
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


def grain_statement(relation: Relation, columns: Mapping[str, Columns]) -> AnySelect:
    """Return one select computing every KPI's columns over `relation`, labelled per KPI."""
    labelled = [
        expression.label(f"{kpi}{_SEPARATOR}{name}")
        for kpi, named in columns.items()
        for name, expression in named.items()
    ]
    # count(*) makes the select an aggregate: exactly one row, even when a KPI's columns are all
    # scalar subqueries (volume's are).
    return select(func.count().label("relation_rows"), *labelled).select_from(relation.rows)


def stream_statement(relation: Relation, columns: Columns) -> AnySelect:
    """Return the select of one KPI's per-row `columns` over a streamed grain's `relation`."""
    return select(*(expression.label(name) for name, expression in columns.items())).select_from(
        relation.rows
    )


def kpi_row(row: RowMapping, kpi: str) -> dict[str, Any]:
    """Return the columns of `kpi` from a grain statement's row, under their own names."""
    prefix = f"{kpi}{_SEPARATOR}"
    return {
        name.removeprefix(prefix): value for name, value in row.items() if name.startswith(prefix)
    }
