"""Hand-made rows for the tests; every expected number in the tests is worked out from these.

Pool (interaction_log), around the window W = 2025-06-01 .. 2025-06-07 (bare dates):

  session  user  rows (UTC time_stamp, feedback)                         env         in W
  sA       u1    06-01 10:00, 10:05 'Positive ', 10:10                   production  3 rows, 600 s
  sB       u1    06-02 09:00 'NEGATIVE', 09:01:35                        production  2 rows, 95 s
  sC       u2    06-02 23:58, 06-03 00:03 'negative' (crosses midnight)  staging     2 rows, 300 s
  sD       NULL  06-03 12:00 'positive'                                  production  1 row, 0 s
  sE       ''    06-04 08:00 'neutral', 08:00:20                         production  2 rows, 20 s
  (none)   u3    06-04 09:00 NULL session 'negative', 09:30 '' session 'negative'
  sF       u3    05-31 23:50, 06-01 00:10, 00:20 (straddles the start)  production  2 rows, 600 s
  sG       u2    06-07 23:59:59, 06-08 00:00:30 'positive' (straddles end) production 1 row, 0 s
  sH       u4    06-10 12:00 'positive' (outside W)                      production  -

Landscape (landscape_interaction_log):

  sL1  lu1  06-03 14:00, 14:02 'Negative'   production  mobile
  sL2  lu2  06-05 10:00                     production
  sL3  lu2  06-06 10:00 'POSITIVE'          staging
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Row(NamedTuple):
    """One fixture message; columns not named here are NULL."""

    time_stamp: datetime
    user_id: str | None
    session_id: str | None
    user_feedback: str | None = None
    environment: str = "production"
    query_category: str | None = None
    input: str | None = None
    is_mobile_app: bool | None = None


def ts(text: str) -> datetime:
    """Parse a fixture timestamp written as 'YYYY-MM-DD HH:MM:SS'."""
    return datetime.fromisoformat(text)


POOL_ROWS: list[Row] = [
    Row(ts("2025-06-01 10:00:00"), "u1", "sA"),
    Row(ts("2025-06-01 10:05:00"), "u1", "sA", "Positive "),
    Row(ts("2025-06-01 10:10:00"), "u1", "sA"),
    Row(ts("2025-06-02 09:00:00"), "u1", "sB", "NEGATIVE"),
    Row(ts("2025-06-02 09:01:35"), "u1", "sB"),
    Row(ts("2025-06-02 23:58:00"), "u2", "sC", environment="staging"),
    Row(ts("2025-06-03 00:03:00"), "u2", "sC", "negative", environment="staging"),
    Row(ts("2025-06-03 12:00:00"), None, "sD", "positive"),
    Row(ts("2025-06-04 08:00:00"), "", "sE", "neutral"),
    Row(ts("2025-06-04 08:00:20"), "", "sE"),
    Row(ts("2025-06-04 09:00:00"), "u3", None, "negative"),
    Row(ts("2025-06-04 09:30:00"), "u3", "", "negative"),
    Row(ts("2025-05-31 23:50:00"), "u3", "sF"),
    Row(ts("2025-06-01 00:10:00"), "u3", "sF"),
    Row(ts("2025-06-01 00:20:00"), "u3", "sF"),
    Row(ts("2025-06-07 23:59:59"), "u2", "sG"),
    Row(ts("2025-06-08 00:00:30"), "u2", "sG", "positive"),
    Row(ts("2025-06-10 12:00:00"), "u4", "sH", "positive"),
]

LANDSCAPE_ROWS: list[Row] = [
    Row(ts("2025-06-03 14:00:00"), "lu1", "sL1", is_mobile_app=True),
    Row(ts("2025-06-03 14:02:00"), "lu1", "sL1", "Negative", is_mobile_app=True),
    Row(ts("2025-06-05 10:00:00"), "lu2", "sL2", is_mobile_app=False),
    Row(ts("2025-06-06 10:00:00"), "lu2", "sL3", "POSITIVE", environment="staging"),
]
