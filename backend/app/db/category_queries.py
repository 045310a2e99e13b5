"""Category SQL: label normalisation, each message's bucket, primary categories and tool usage."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    FromClause,
    Table,
    Text,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import REGCLASS, array

from backend.app.db import catalog
from backend.app.db.expressions import Columns, percent_of, row_columns
from backend.app.models.categories import CATEGORIES, OTHER_BUCKET, UNCATEGORIZED_BUCKET

# Bucket ids: 0-9 the canonical categories in order, 10 Other; 11 (Uncategorized) is "no label".
LABELLED_BUCKETS = range(OTHER_BUCKET + 1)
ALL_BUCKETS = range(UNCATEGORIZED_BUCKET + 1)


class BucketsRow(TypedDict):
    """What the category and tool statements compute: per-bucket values in bucket order."""

    total_sessions: int
    sessions: list[int]
    percents: list[Decimal | None]


def category_label(table: Table) -> ColumnElement[str]:
    """Return the label a message's query category is read from, as text."""
    # query_category is an enum in the database; as text, an unknown label is just a string.
    return cast(table.c.query_category, Text)


def agent_tool_label(table: Table) -> ColumnElement[str]:
    """Return the label a message's agent tool is read from: its query category, for now."""
    # The orchestrator routes each message to the tool of its category. Pointing this at another
    # column is the only change needed if tool calls are logged separately later.
    return cast(table.c.query_category, Text)


def normalised_label(label: ColumnElement[str]) -> ColumnElement[str]:
    """Return `label` lower-cased, runs of characters other than a-z0-9 as `_`, `_` trimmed."""
    return func.btrim(func.regexp_replace(func.lower(label), "[^a-z0-9]+", "_", "g"), "_")


def category_bucket(label: ColumnElement[str]) -> ColumnElement[int]:
    """Return 0-9 for a canonical category, 10 for Other, 11 for a NULL or empty label."""
    canonical = case(
        {category.key: index for index, category in enumerate(CATEGORIES)},
        value=normalised_label(label),
        else_=OTHER_BUCKET,
    )
    return case(
        (func.coalesce(label, "") == "", UNCATEGORIZED_BUCKET),
        else_=canonical,
    )


def label_buckets(*, table: Table) -> CTE:
    """Return (label, bucket) for every label of the enum type of the table's query_category."""
    # Normalising a label takes regular expressions: do it once per enum label (a few dozen)
    # rather than once per message, and let each message find its bucket by a hash join.
    # Read from the catalog at query time, so a label added to the enum later is included.
    enum, attribute = catalog.pg_enum, catalog.pg_attribute
    label = cast(enum.c.enumlabel, Text)
    return (
        select(label.label("label"), category_bucket(label).label("bucket"))
        .select_from(enum.join(attribute, attribute.c.atttypid == enum.c.enumtypid))
        .where(
            attribute.c.attrelid == cast(literal(table.name, Text), REGCLASS),
            attribute.c.attname == table.c.query_category.name,
        )
        .cte(f"{table.name}_label_buckets")
    )


def message_bucket(
    lookup: FromClause, source: FromClause, label: ColumnElement[str]
) -> tuple[FromClause, ColumnElement[int]]:
    """Return `source` joined to the label `lookup` (label_buckets), and each message's bucket."""
    # A label the lookup lacks (NULL, or a column that is not an enum) is normalised in place.
    bucket = func.coalesce(lookup.c.bucket, category_bucket(label))
    return source.outerjoin(lookup, lookup.c.label == label), bucket


def bucket_counts(bucket: ColumnElement[int], prefix: str) -> list[ColumnElement[int]]:
    """Return, per labelled bucket (0-10), the count of messages in it, as `<prefix>_<bucket>`."""
    return [func.count().filter(bucket == b).label(f"{prefix}_{b}") for b in LABELLED_BUCKETS]


def primary_bucket(per_session: FromClause) -> ColumnElement[int]:
    """Return a session's most frequent labelled bucket, ties to the earlier; 11 if none."""
    # One greatest() over a key per bucket that orders candidates as docs/metrics.md does: messages
    # first, then the earlier bucket (15 - b in the low four bits). A bucket without messages
    # keys 0, below the constant that stands for Uncategorized (15 - 11 = 4).
    span = 16
    keys = [
        per_session.c[f"category_{b}"] * span
        + func.least(per_session.c[f"category_{b}"], 1) * (span - 1 - b)
        for b in LABELLED_BUCKETS
    ]
    return (span - 1) - func.greatest(*keys, span - 1 - UNCATEGORIZED_BUCKET) % span


def query_categories_columns(sessions: FromClause) -> Columns:
    """Return total sessions and, per bucket 0-11, the sessions whose primary category it is."""
    sessions_in = [func.count().filter(sessions.c.primary_bucket == b) for b in ALL_BUCKETS]
    return row_columns(
        BucketsRow,
        total_sessions=func.count(),
        sessions=array(sessions_in),
        percents=array([percent_of(count, func.count()) for count in sessions_in]),
    )


def tool_column(sessions: FromClause, bucket: int) -> ColumnElement[int]:
    """Return a session's messages in the tool `bucket`: the category's, where both are counted."""
    # The per-session relation leaves the tools' counts out only where they read the categories'
    # label (today), counting each bucket once (queries.session_relation).
    counted = sessions.c.get(f"tool_{bucket}")
    return sessions.c[f"category_{bucket}"] if counted is None else counted


def tool_usage_columns(sessions: FromClause) -> Columns:
    """Return total sessions and, per tool bucket 0-10, the sessions that invoked it and share."""
    invoked = [func.count().filter(tool_column(sessions, b) > 0) for b in LABELLED_BUCKETS]
    # Each tool's share of the sum over all tools, so that the percents add up to 100.
    # PostgreSQL computes each identical count once, however often it is written.
    invocations = cast(sum(invoked[1:], invoked[0]), BigInteger)
    return row_columns(
        BucketsRow,
        total_sessions=func.count(),
        sessions=array(invoked),
        percents=array([percent_of(count, invocations) for count in invoked]),
    )
