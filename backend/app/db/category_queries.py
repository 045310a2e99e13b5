"""Per-session category SQL: label normalisation, primary categories and agent-tool usage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ColumnElement, Integer, Table, Text, case, cast, func, select
from sqlalchemy.dialects.postgresql import distinct_on

from backend.app.db.queries import AnySelect, has_session, percent_of, window_filter
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.taxonomy import CATEGORIES, OTHER_BUCKET, UNCATEGORIZED_BUCKET


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


def session_buckets(*, table: Table, filters: AnalyticsFilters, label: ColumnElement[str]) -> CTE:
    """Return (session, bucket, messages) for every session in the window, NULL labels included."""
    # Group by (session, raw label) first, then normalise each distinct label once: a handful of
    # regular-expression calls per request instead of one per row. NULL becomes '' so that the
    # label lookup is a plain (hashable) equality join; both are Uncategorized.
    raw_label = func.coalesce(label, "")
    per_label = (
        select(
            table.c.session_id.label("session_id"),
            raw_label.label("label"),
            func.count().label("messages"),
        )
        .where(window_filter(table=table, filters=filters), has_session(table))
        .group_by(table.c.session_id, raw_label)
        .cte("session_labels")
    )
    labels = select(per_label.c.label).group_by(per_label.c.label).subquery("labels")
    lookup = select(labels.c.label, category_bucket(labels.c.label).label("bucket")).cte(
        "label_buckets"
    )
    return (
        select(
            per_label.c.session_id,
            lookup.c.bucket,
            func.sum(per_label.c.messages).label("messages"),
        )
        .select_from(per_label.join(lookup, lookup.c.label == per_label.c.label))
        .group_by(per_label.c.session_id, lookup.c.bucket)
        .cte("session_buckets")
    )


def _bucket_ids(last: int) -> CTE:
    """Return the bucket ids 0..last, to zero-fill counts."""
    ids = func.generate_series(0, last).column_valued("bucket")
    return select(cast(ids, Integer).label("bucket")).cte("bucket_ids")


def _bucket_counts(counted: Any, *, last: int, total: ColumnElement[Any]) -> AnySelect:
    """Return, for buckets 0..last, the sessions in `counted` and their percent of `total`."""
    ids = _bucket_ids(last)
    sessions = func.count(counted.c.session_id)
    return (
        select(
            ids.c.bucket,
            sessions.label("sessions"),
            percent_of(sessions, total).label("percent"),
        )
        .select_from(ids.outerjoin(counted, counted.c.bucket == ids.c.bucket))
        .group_by(ids.c.bucket)
    )


def query_categories_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return, per category bucket in order, the sessions whose primary category it is."""
    buckets = session_buckets(table=table, filters=filters, label=category_label(table))
    # The most frequent labelled bucket; ties to the earlier bucket; Uncategorized only when the
    # session has no label at all.
    primary = (
        select(buckets.c.session_id, buckets.c.bucket)
        .ext(distinct_on(buckets.c.session_id))
        .order_by(
            buckets.c.session_id,
            buckets.c.bucket == UNCATEGORIZED_BUCKET,
            buckets.c.messages.desc(),
            buckets.c.bucket,
        )
        .cte("primary_category")
    )
    total = select(func.count()).select_from(primary).scalar_subquery()
    counts = _bucket_counts(primary, last=UNCATEGORIZED_BUCKET, total=total).subquery("counts")
    return select(counts, total.label("total_sessions")).order_by(counts.c.bucket)


def tool_usage_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return, per tool bucket, the sessions that invoked it and its share of all invocations."""
    buckets = session_buckets(table=table, filters=filters, label=agent_tool_label(table))
    invoked = (
        select(buckets.c.session_id, buckets.c.bucket)
        .where(buckets.c.bucket != UNCATEGORIZED_BUCKET)
        .cte("tools_invoked")
    )
    sessions = select(buckets.c.session_id).group_by(buckets.c.session_id).subquery("sessions")
    total_sessions = select(func.count()).select_from(sessions).scalar_subquery()
    # Each tool's share of the sum over all tools, so that the percents add up to 100.
    invocations = select(func.count()).select_from(invoked).scalar_subquery()
    counts = _bucket_counts(invoked, last=OTHER_BUCKET, total=invocations).subquery("counts")
    return select(counts, total_sessions.label("total_sessions")).order_by(
        counts.c.sessions.desc(), counts.c.bucket
    )
