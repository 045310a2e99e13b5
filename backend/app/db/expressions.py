"""Small SQL expressions every query builder shares: the window, sessions, rounding, first-by."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    FromClause,
    Numeric,
    Select,
    String,
    Table,
    and_,
    cast,
    func,
    literal,
    select,
)

from backend.app.models.filters import AnalyticsFilters

# A select of any columns: builders label their columns and callers read rows by label.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
# A KPI's columns over its grain's relation, by name: the keys of the typed row they produce.
Columns: TypeAlias = dict[str, ColumnElement[Any]]


# asyncpg sends the first and last date (and datetime) Python can hold as -infinity and infinity.
# A window bound or a day there is sent as text instead, which PostgreSQL reads as that very day.
_SENT_AS_INFINITY = (date.min, date.max, datetime.min, datetime.max)


def exact_date(value: date) -> ColumnElement[date]:
    """Return `value` as a bound DATE parameter, year 1 and 9999 included."""
    if value in _SENT_AS_INFINITY:
        return cast(literal(value.isoformat(), String), Date)
    return cast(literal(value, Date), Date)


def exact_timestamp(value: datetime) -> ColumnElement[datetime]:
    """Return the naive `value` as a bound TIMESTAMP parameter, year 1 and 9999 included."""
    if value in _SENT_AS_INFINITY:
        return cast(literal(value.isoformat(), String), DateTime)
    return literal(value, DateTime)


def window_filter(*, table: Table, filters: AnalyticsFilters) -> ColumnElement[bool]:
    """Return the WHERE condition for "in the window": time range plus optional exact filters."""
    conditions: list[ColumnElement[bool]] = [
        table.c.time_stamp >= exact_timestamp(filters.start_utc),
        table.c.time_stamp <= exact_timestamp(filters.end_utc),
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


def rounded(value: ColumnElement[Any], places: int = 2) -> ColumnElement[Any]:
    """Return `value` as numeric rounded half away from zero, as every published figure is."""
    return func.round(cast(value, Numeric), places)


def percent_of(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return 100 * part / whole rounded to 2 decimals, or NULL when `whole` is zero."""
    return rounded(100 * cast(part, Numeric) / func.nullif(whole, 0))


def sample_columns(
    value: ColumnElement[Any], *, where: ColumnElement[bool] | None = None
) -> Columns:
    """Return the units behind a mean of `value`: how many, their exact mean and sample variance.

    What Welch's test of two windows' means needs, unrounded; the variance is NULL under 2 units.
    """
    aggregates: Columns = {
        "units": func.count(value),
        "mean": func.avg(value),
        "variance": func.var_samp(value),
    }
    if where is None:
        return aggregates
    return {name: aggregate.filter(where) for name, aggregate in aggregates.items()}


def top_value(
    relation: FromClause,
    value: ColumnElement[Any],
    *order_by: ColumnElement[Any],
    where: ColumnElement[bool] | None = None,
) -> ColumnElement[Any]:
    """Return `value` of the first row of `relation` in this order, or NULL when it has none."""
    # A top-1 sort: far cheaper than ordering every row into an array and taking its head.
    query = select(value).select_from(relation).order_by(*order_by).limit(1)
    return (query if where is None else query.where(where)).scalar_subquery()


def row_columns(row: type[Any], **columns: ColumnElement[Any]) -> Columns:
    """Return `columns`, named as the fields of `row` (a TypedDict or a model) they fill.

    A KPI's SQL and its shaping agree on one declaration: the row type. A name that is not one of
    its fields fails here, when the statement is built, not as a missing key later.
    """
    fields = getattr(row, "model_fields", None) or getattr(row, "__annotations__", {})
    unknown = set(columns) - set(fields)
    if unknown:
        raise TypeError(f"{row.__name__} has no field {', '.join(sorted(unknown))}")
    return columns
