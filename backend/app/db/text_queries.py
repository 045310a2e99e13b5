"""The per-query-text relation pain points classify: one row per distinct normalised text."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import CTE, BigInteger, ColumnElement, FromClause, Table, cast, func, select

from backend.app.db.expressions import Columns, row_columns, window_filter
from backend.app.models.filters import AnalyticsFilters


class QueryTextRow(NamedTuple):
    """One distinct normalised query of the window, as its statement returns it, by position."""

    queries: int  # rows of the window with this text
    latest: datetime  # its last time_stamp in the window
    text: str  # normalised: trimmed, whitespace runs collapsed, lower-cased
    spelling: str  # its first raw spelling in byte order


def normalised_text(text: ColumnElement[str]) -> ColumnElement[str]:
    """Return `text` trimmed, with whitespace runs collapsed to one space, and case-folded."""
    # Only a run of two or more whitespace characters, or one that is not a plain space, is
    # replaced: matching every single space too made this four times slower on real text.
    # Once every run is one space, trimming spaces trims all whitespace.
    return func.lower(func.btrim(func.regexp_replace(text, r"\s{2,}|(?! )\s", " ", "g"), " "))


def query_text_relation(*, table: Table, filters: AnalyticsFilters) -> CTE:
    """Return one row per distinct normalised query: queries, last time, text, one spelling.

    Every row of the window with a non-blank input is one query, session or not. `spelling` is
    the text's first spelling in byte order (whatever the database's locale, leading spaces
    aside), shown as its example.
    """
    # Group the raw inputs first: the regular expression that normalises a text then runs once
    # per distinct input, not once per row (templated logs repeat their texts thousands of times).
    raw = (
        select(
            table.c.input.label("input"),
            func.count().label("queries"),
            func.max(table.c.time_stamp).label("latest"),
        )
        .where(window_filter(table=table, filters=filters))
        .group_by(table.c.input)
        .subquery("raw_inputs")
    )
    text = normalised_text(raw.c.input)
    grouped = (
        select(
            cast(func.sum(raw.c.queries), BigInteger).label("queries"),
            func.max(raw.c.latest).label("latest"),
            text.label("text"),
            # Leading spaces aside, so that a stray one does not pick the spelling shown.
            func.min(func.ltrim(raw.c.input).collate("C")).label("spelling"),
        )
        .group_by(text)
        # OFFSET 0 keeps PostgreSQL from pushing the test below into the grouping's input, where
        # it would run the regular expression a second time on every distinct input.
        .offset(0)
        .subquery("texts")
    )
    # A blank input normalises to '' (and NULL stays NULL): neither is a query.
    return select(grouped).where(grouped.c.text != "").cte("query_texts")


def query_text_columns(texts: FromClause) -> Columns:
    """Return the per-text columns pain points read, one row per text, in no order."""
    # In the row's field order: the rows stream as tuples and are read by position.
    return row_columns(QueryTextRow, **{name: texts.c[name] for name in QueryTextRow._fields})
