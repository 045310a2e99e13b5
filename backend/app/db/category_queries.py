"""Per-session category SQL: label normalisation, primary categories and agent-tool usage."""

from __future__ import annotations

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    Text,
    case,
    cast,
    column,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import array

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
    # MATERIALIZED: computed once for the handful of labels; inlined, PostgreSQL would evaluate
    # the expression again on every joined row.
    lookup = (
        select(labels.c.label, category_bucket(labels.c.label).label("bucket"))
        .cte("label_buckets")
        .prefix_with("MATERIALIZED")
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


def query_categories_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return, per category bucket in order, the sessions whose primary category it is."""
    buckets = session_buckets(table=table, filters=filters, label=category_label(table))
    # The most frequent labelled bucket, ties to the earlier bucket, Uncategorized only when the
    # session has no label at all: one hash aggregate over a key that orders candidates that way
    # (messages first, then the earlier bucket; an Uncategorized row always ranks lowest).
    span = UNCATEGORIZED_BUCKET + 1
    rank = case(
        (buckets.c.bucket == UNCATEGORIZED_BUCKET, -1),
        else_=buckets.c.messages * span + (UNCATEGORIZED_BUCKET - buckets.c.bucket),
    )
    best = func.max(rank)
    primary = (
        select(
            case((best < 0, UNCATEGORIZED_BUCKET), else_=UNCATEGORIZED_BUCKET - best % span).label(
                "bucket"
            )
        )
        .group_by(buckets.c.session_id)
        .subquery("primary_category")
    )
    # Count per bucket first (a dozen groups), then zero-fill; every session has exactly one
    # primary category, so the sessions add up to the total.
    per_bucket = (
        select(primary.c.bucket, func.count().label("sessions"))
        .group_by(primary.c.bucket)
        .subquery("per_bucket")
    )
    ids = _bucket_ids(UNCATEGORIZED_BUCKET)
    sessions = func.coalesce(per_bucket.c.sessions, 0)
    total = func.sum(sessions).over()
    return (
        select(
            ids.c.bucket,
            sessions.label("sessions"),
            percent_of(sessions, total).label("percent"),
            cast(total, BigInteger).label("total_sessions"),
        )
        .select_from(ids.outerjoin(per_bucket, per_bucket.c.bucket == ids.c.bucket))
        .order_by(ids.c.bucket)
    )


def tool_usage_query(*, table: Table, filters: AnalyticsFilters) -> AnySelect:
    """Return, per tool bucket, the sessions that invoked it and its share of all invocations."""
    buckets = session_buckets(table=table, filters=filters, label=agent_tool_label(table))
    # One row per session with a bit per tool invoked: the session count and every tool's count
    # then come from one pass, with no second scan for the distinct sessions.
    invoked = func.bit_or(literal(1).op("<<")(buckets.c.bucket)).filter(
        buckets.c.bucket != UNCATEGORIZED_BUCKET
    )
    per_session = (
        select(func.coalesce(invoked, 0).label("tools"))
        .group_by(buckets.c.session_id)
        .subquery("session_tools")
    )
    counts = [
        func.count().filter(per_session.c.tools.op("&")(1 << bucket) != 0)
        for bucket in range(OTHER_BUCKET + 1)
    ]
    summary = select(
        func.count().label("total_sessions"),
        array(counts).label("tool_sessions"),
    ).subquery("summary")
    tool = (
        func.unnest(summary.c.tool_sessions)
        .table_valued(column("sessions", BigInteger), with_ordinality="bucket")
        .render_derived(name="tool")
    )
    bucket = cast(tool.c.bucket - 1, Integer)
    # Each tool's share of the sum over all tools, so that the percents add up to 100.
    return (
        select(
            bucket.label("bucket"),
            tool.c.sessions,
            percent_of(tool.c.sessions, func.sum(tool.c.sessions).over()).label("percent"),
            summary.c.total_sessions,
        )
        .select_from(summary.join(tool, literal(True)))
        .order_by(tool.c.sessions.desc(), bucket)
    )
