"""The per-query-text relation pain points classify: one row per distinct normalised text."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    DateTime,
    FromClause,
    Select,
    String,
    Table,
    and_,
    any_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from backend.app.db.expressions import Columns, row_columns, window_filter
from backend.app.models.filters import AnalyticsFilters

# Constants of the code, written into the SQL for the database to test once per statement:
# every ASCII character that is neither printable nor one of the six whitespace characters, and
# the capitals. A database whose `\s` matches any of the former, or whose lower() of the latter
# is not a-z, normalises ASCII otherwise than Python's fast path.
_ASCII_CONTROLS = "".join(f"\\x{code:02x}" for code in [*range(1, 9), *range(14, 32), 127])
_CONTROLS_SQL = literal_column(f"E'{_ASCII_CONTROLS}'", String)
_UPPER_SQL = literal_column("'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", String)
_LOWER_SQL = literal_column("'abcdefghijklmnopqrstuvwxyz'", String)
_SPACE_SQL = literal_column(r"'\s'", String)
_EMPTY_SQL = literal_column("''", String)
_GLOBAL_SQL = literal_column("'g'", String)
_UTF8_SQL = literal_column("'UTF8'", String)


class RawTextRow(NamedTuple):
    """One row of the window as the raw text path streams it, by position."""

    input: str
    # Microseconds since 2000-01-01: the snapshot reads TIMESTAMP values as PostgreSQL sends them.
    time_stamp: int
    # The SQL normalisation, only where Python cannot reproduce it exactly; otherwise NULL.
    normalised: str | None


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


def _sql_normalises(text: ColumnElement[str]) -> ColumnElement[bool]:
    """Return whether `text` must be normalised by the database, not by Python's fast path.

    Python reproduces the normalisation exactly for ASCII text (six whitespace characters,
    A-Z lowered) and nothing else. Text with other characters is normalised by the database,
    whose locale decides what `\\s` and lower() do to them. The database's own tests send every
    text to it where its locale treats ASCII otherwise (in a Turkish locale, lower('I') is a
    dotless i), or whose encoding is not UTF-8.
    """
    ascii_as_python = select(
        and_(
            func.lower(_UPPER_SQL) == _LOWER_SQL,
            func.regexp_replace(_CONTROLS_SQL, _SPACE_SQL, _EMPTY_SQL, _GLOBAL_SQL)
            == _CONTROLS_SQL,
            # Only in UTF-8 does a text's byte length tell whether it is ASCII.
            func.getdatabaseencoding() == _UTF8_SQL,
        )
    ).scalar_subquery()
    # A subquery of constants runs once per statement (an InitPlan, read by each row as a
    # parameter): inline, the encoding's test (a stable function, which the planner does not
    # fold) ran for every row, 8 % of the stream's time in the database.
    return or_(~ascii_as_python, func.octet_length(text) != func.char_length(text))


def raw_text_rows(*, table: Table, filters: AnalyticsFilters) -> Select[str, datetime, str]:
    """Return every non-NULL input of the window with its time, in no order.

    Pain points read every text anyway, so the rows stream raw: grouping a year of nearly
    distinct texts in SQL cost more than reading them. Python normalises and groups them in
    batches; `normalised` is the SQL normalisation where only the database can do it exactly.
    """
    text = table.c.input
    return select(
        text.label("input"),
        table.c.time_stamp.label("time_stamp"),
        case((_sql_normalises(text), normalised_text(text))).label("normalised"),
    ).where(window_filter(table=table, filters=filters), text.is_not(None))


def rows_at(
    *, table: Table, filters: AnalyticsFilters, stamps: list[int] | list[datetime]
) -> Select[str, datetime, str]:
    """Return the window's rows whose time is one of `stamps`: a few texts' every spelling.

    `stamps` are times as the raw path reads them (microseconds since 2000-01-01), or datetimes
    (`make sql` shows one). The index on time_stamp finds the rows; the caller keeps those whose
    text it asked for.
    """
    statement = raw_text_rows(table=table, filters=filters)
    # Cast, or the array written in as literals (make sql LITERAL=1) would be text[], not times.
    times = cast(literal(stamps, ARRAY(DateTime)), ARRAY(DateTime))
    return statement.where(table.c.time_stamp == any_(times))


def query_text_columns(texts: FromClause) -> Columns:
    """Return the per-text columns pain points read, one row per text, in no order."""
    # In the row's field order: the rows stream as tuples and are read by position.
    return row_columns(QueryTextRow, **{name: texts.c[name] for name in QueryTextRow._fields})
