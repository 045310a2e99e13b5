"""The service's SQL, as composable SQLAlchemy Core selects over the table a request reads."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import (
    CTE,
    BigInteger,
    Column,
    ColumnElement,
    Date,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    and_,
    any_,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.app.models.filters import AnalyticsFilters

# A select of any columns: builders label their columns and callers read rows by label.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def window_filter(*, table: Table, filters: AnalyticsFilters) -> ColumnElement[bool]:
    """Return the WHERE condition for "in the window": time range plus optional exact filters."""
    conditions: list[ColumnElement[bool]] = [
        table.c.time_stamp >= filters.start_utc,
        table.c.time_stamp <= filters.end_utc,
    ]
    if filters.environment is not None:
        conditions.append(table.c.environment == filters.environment)
    if filters.user_id is not None:
        conditions.append(table.c.user_id == filters.user_id)
    return and_(*conditions)


def has_session(table: Table) -> ColumnElement[bool]:
    """Return the condition for a row that belongs to a session (non-empty `session_id`)."""
    # `<> ''` is NULL, hence false, for a NULL session_id, so this one test excludes both.
    return table.c.session_id != ""


def normalised_feedback(table: Table) -> ColumnElement[str]:
    """Return `user_feedback` trimmed and lower-cased, as every feedback comparison uses it."""
    return func.lower(func.trim(table.c.user_feedback))


def session_rollup(*, table: Table, filters: AnalyticsFilters) -> CTE:
    """Return one row per session in the window: its first and last row and its feedback flags."""
    feedback = normalised_feedback(table)
    return (
        select(
            table.c.session_id.label("session_id"),
            func.min(table.c.time_stamp).label("first_seen"),
            func.max(table.c.time_stamp).label("last_seen"),
            func.bool_or(feedback == "negative").label("has_negative"),
            func.bool_or(feedback == "positive").label("has_positive"),
        )
        .where(window_filter(table=table, filters=filters), has_session(table))
        .group_by(table.c.session_id)
        .cte("session_rollup")
    )


def rounded(value: ColumnElement[Any], places: int = 2) -> ColumnElement[Any]:
    """Return `value` as numeric rounded half away from zero, as every published figure is."""
    return func.round(cast(value, Numeric), places)


def percent_of(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return 100 * part / whole rounded to 2 decimals, or NULL when `whole` is zero."""
    return rounded(100 * cast(part, Numeric) / func.nullif(whole, 0))


def session_metrics_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return total sessions, sessions with negative and positive feedback, and mean duration."""
    sessions = session_rollup(table=table, filters=filters)
    duration = func.extract("epoch", sessions.c.last_seen - sessions.c.first_seen)
    return select(
        func.count().label("total_sessions"),
        func.count().filter(sessions.c.has_negative).label("negative_feedback_sessions"),
        func.count().filter(sessions.c.has_positive).label("positive_feedback_sessions"),
        rounded(func.avg(duration)).label("avg_session_duration_seconds"),
    ).select_from(sessions)


def window_days(*, filters: AnalyticsFilters) -> CTE:
    """Return every UTC calendar date of the window, inclusive at both ends."""
    first_day = filters.start_utc.date()
    day_count = (filters.end_utc.date() - first_day).days + 1
    offset = func.generate_series(0, day_count - 1).column_valued("offset")
    return select((literal(first_day, Date) + offset).label("day")).cte("window_days")


def volume_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return sessions per day (zero-filled), their total and mean, and the peak and lowest day."""
    sessions = session_rollup(table=table, filters=filters)
    days = window_days(filters=filters)
    session_day = cast(sessions.c.first_seen, Date)
    daily = (
        select(days.c.day, func.count(sessions.c.session_id).label("sessions"))
        .select_from(days.outerjoin(sessions, session_day == days.c.day))
        .group_by(days.c.day)
        .cte("daily")
    )
    total = cast(func.sum(daily.c.sessions), BigInteger)
    # Ties go to the earliest date: order by the count, then by date ascending.
    by_most = aggregate_order_by(daily.c.day, daily.c.sessions.desc(), daily.c.day)
    by_fewest = aggregate_order_by(daily.c.day, daily.c.sessions.asc(), daily.c.day)
    return select(
        total.label("total_sessions"),
        func.count().label("days"),
        rounded(total / cast(func.count(), Numeric)).label("avg_sessions_per_day"),
        func.array_agg(by_most)[1].label("peak_date"),
        func.max(daily.c.sessions).label("peak_sessions"),
        func.array_agg(by_fewest)[1].label("lowest_date"),
        func.min(daily.c.sessions).label("lowest_sessions"),
        func.array_agg(aggregate_order_by(daily.c.day, daily.c.day)).label("daily_dates"),
        func.array_agg(aggregate_order_by(daily.c.sessions, daily.c.day)).label("daily_sessions"),
    ).select_from(daily)


def trimmed(text: ColumnElement[str]) -> ColumnElement[str]:
    """Return `text` without leading and trailing whitespace (spaces, tabs, newlines)."""
    return func.regexp_replace(text, r"^\s+|\s+$", "", "g")


def normalised_text(text: ColumnElement[str]) -> ColumnElement[str]:
    """Return `text` trimmed, with whitespace runs collapsed to one space, and case-folded."""
    return func.lower(func.regexp_replace(trimmed(text), r"\s+", " ", "g"))


def query_texts_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return the window's distinct normalised queries: text, count and commonest original form."""
    # Every row with a non-blank input is one query, session or not. Group the raw inputs first,
    # so that the regular expressions run once per distinct input rather than once per row.
    raw = (
        select(table.c.input.label("input"), func.count().label("queries"))
        .where(window_filter(table=table, filters=filters), table.c.input.regexp_match(r"\S"))
        .group_by(table.c.input)
        .subquery("raw_inputs")
    )
    # Two inputs differing only in outer whitespace are one original form.
    spelled = select(
        normalised_text(raw.c.input).label("normalised"),
        trimmed(raw.c.input).label("original"),
        raw.c.queries,
    ).subquery("spelled")
    forms = (
        select(
            spelled.c.normalised, spelled.c.original, func.sum(spelled.c.queries).label("queries")
        )
        .group_by(spelled.c.normalised, spelled.c.original)
        .subquery("forms")
    )
    # Ties between spellings, and between texts, go by byte order whatever the database's locale.
    commonest = aggregate_order_by(
        forms.c.original, forms.c.queries.desc(), forms.c.original.collate("C")
    )
    queries = cast(func.sum(forms.c.queries), BigInteger)
    return (
        select(
            forms.c.normalised,
            queries.label("queries"),
            func.array_agg(commonest)[1].label("example"),
        )
        .group_by(forms.c.normalised)
        .order_by(queries.desc(), forms.c.normalised.collate("C"))
    )


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
