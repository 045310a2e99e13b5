"""The two interaction tables, declared explicitly, and the allow-list that picks one."""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

from backend.app.models.filters import ProductContext

metadata = MetaData()


def _interaction_columns() -> list[Column[object]]:
    """Return the columns both tables share, as fresh Column objects."""
    return [
        Column("id", Integer, primary_key=True),
        Column("time_stamp", DateTime(timezone=False)),
        Column("user_id", String(50)),
        Column("session_id", Text),
        Column("input", Text),
        Column("output", Text),
        Column("full_prompt", Text),
        Column("chat_history", Text),
        Column("context", Text),
        Column("user_feedback", String(20)),
        Column("user_feedback_reason", Text),
        Column("message_id", String(255)),
        # A PostgreSQL enum in the database, declared as Text here and always read through
        # CAST(... AS TEXT), so that a label added to the enum later cannot break a request.
        Column("query_category", Text),
        Column("environment", String),
        Column("chat_bubble", String),
        Column("context_aware", String),
        Column("chat_language", CHAR(2)),
        Column("orch_1_time", Float),
        Column("orch_2_time", Float),
        Column("response_time", Float),
        Column("execution_flow_time", Text),
        Column("residual_time", Numeric),
        Column("errors", Text),
        Column("is_voice_input", Boolean),
        Column("original_transcription", String),
    ]


interaction_log = Table("interaction_log", metadata, *_interaction_columns())

landscape_interaction_log = Table(
    "landscape_interaction_log",
    metadata,
    *_interaction_columns(),
    # Only the landscape chatbot records this; SQL for the pool table never references it.
    Column("is_mobile_app", Boolean),
)

# The columns the service reads, in both tables; /health/ready checks exactly these, so a column
# the service never reads (full_prompt, say) can change without taking it out of rotation.
COLUMNS_READ: tuple[str, ...] = (
    "time_stamp",
    "session_id",
    "user_id",
    "user_feedback",
    "query_category",
    "environment",
    "input",
)

TABLES: dict[ProductContext, Table] = {
    ProductContext.POOL: interaction_log,
    ProductContext.LANDSCAPE: landscape_interaction_log,
}


def table_for(product_context: ProductContext) -> Table:
    """Return the one table a request for this product context reads."""
    return TABLES[product_context]
