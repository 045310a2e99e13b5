"""The fixture rows' windows (see tests/fixture_rows.py) and their query parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Window W: the session fixtures' week.
WINDOW = {"start_date": "2025-06-01", "end_date": "2025-06-07"}
# The whole of the generated rows of the `big_database_url` fixture (90 days up to BIG_END).
BIG_END = datetime(2026, 3, 1, tzinfo=UTC)
BIG_WINDOW = {"start_date": "2025-12-01", "end_date": "2026-03-01", "product_context": "pool"}
# The user and category fixtures' window (see tests/fixture_rows.py).
USER_WINDOW = {"start_date": "2025-08-01", "end_date": "2025-08-31"}
# The pain-point fixtures' window Q: 9 distinct query texts (see tests/fixture_rows.py).
QUERY_WINDOW = {"start_date": "2025-09-01", "end_date": "2025-09-30"}

# For the tests of answer reuse: window W ends just before END_W, so at SETTLED (two hours later,
# past the 3600 s settle time) its answers are settled.
END_W = datetime(2025, 6, 8, tzinfo=UTC)
SETTLED = END_W + timedelta(hours=2)


def pool(**extra: str) -> dict[str, str]:
    """Return the pool filters for window W plus `extra`."""
    return {**WINDOW, "product_context": "pool", **extra}


def pool_u(**extra: str) -> dict[str, str]:
    """Return the pool filters for window U plus `extra`."""
    return {**USER_WINDOW, "product_context": "pool", **extra}


def pool_q(**extra: str) -> dict[str, str]:
    """Return the pool filters for window Q plus `extra`."""
    return {**QUERY_WINDOW, "product_context": "pool", **extra}
