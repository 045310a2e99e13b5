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

Pool, window U = 2025-08-01 .. 2025-08-31, for the user and category KPIs (one row a session
unless shown; query_category labels in quotes):

  user   sessions  rows                                                          span
  m11a   11        08-01 .. 08-11 at 10:00, 'product_catalog'                    10 days
  m11b   11        08-02 .. 08-12 at 10:00, 'Product Catalog'                    10 days
  p10    10        08-01 .. 08-10 at 12:00, 1-5 'PRODUCT-CATALOG', 6-10 'compatible_parts'   9
  r09     9        08-01 .. 08-09 at 14:00, 1-4 'orders', 5-7 'nearest_branch',
                   8-9 'warranty_claims' (unknown: Other)                         8 days
  r03     3        s1 08-05 09:00 'pricing_inventory' + 09:05 'Compatible Parts' (tie)
                   s2 08-06 09:00 NULL + 09:02 'invoice_payment'
                   s3 08-07 21:00 NULL (no label at all)                          2.5 days
  c02     2        staging: s1 08-01 08:00 'general_conversation' + 08:01 'orders' (tie)
                   s2 08-11 08:00 'out_of_scope'                                  10 days
  o01     1        08-15 08:00 'tutorial_videos' + 09:00 'other' (tie with Other)
  NULL    1        anon1 08-20 10:00 'Pricing / Inventory'
  ''      1        anon2 08-21 10:00 NULL
  ghost   -        08-16 10:00 'orders' with a NULL session: no session, so no user

Landscape in U: lx, 2 sessions, 08-03 and 08-04 at 10:00, 'orders'.

Pool, window Q = 2025-09-01 .. 2025-09-30, for pain points (input texts; every row with a
non-blank input is one query, whether or not it has a session):

  input                                                      rows  cluster
  "What are your hours on Saturday?"                            2  0  } one normalised text,
  "  what are your HOURS on saturday?  "                        1  0  } 3 queries
  "Where is my order?"                                          1  0
  "Hi" (staging)                                                1  0
  "Which pump would you recommend for a 20,000 gallon pool?"    2  1
  "I need a replacement cartridge for a Pentair CCP520"         1  2
  "Do you have SPX3200 in stock?"                               2  3
  "Is R0357800 available?"                                      1  3
  "Do you have EC-40 in stock?" (no session)                    1  3
  "How do I reassemble the DE filter grids?"                    1  4
  '', '  \n\t ', NULL                                          3  not queries
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


def _daily_sessions(user: str, first_day: int, labels: list[str], hour: int) -> list[Row]:
    """Return one single-row session a day for `user` from 2025-08-`first_day` at `hour`:00."""
    return [
        Row(
            datetime(2025, 8, first_day + i, hour),
            user,
            f"{user}-{i + 1:02d}",
            query_category=label,
        )
        for i, label in enumerate(labels)
    ]


USER_ROWS: list[Row] = [
    *_daily_sessions("m11a", 1, ["product_catalog"] * 11, 10),
    *_daily_sessions("m11b", 2, ["Product Catalog"] * 11, 10),
    *_daily_sessions("p10", 1, ["PRODUCT-CATALOG"] * 5 + ["compatible_parts"] * 5, 12),
    *_daily_sessions(
        "r09", 1, ["orders"] * 4 + ["nearest_branch"] * 3 + ["warranty_claims"] * 2, 14
    ),
    Row(ts("2025-08-05 09:00:00"), "r03", "r03-1", query_category="pricing_inventory"),
    Row(ts("2025-08-05 09:05:00"), "r03", "r03-1", query_category="Compatible Parts"),
    Row(ts("2025-08-06 09:00:00"), "r03", "r03-2"),
    Row(ts("2025-08-06 09:02:00"), "r03", "r03-2", query_category="invoice_payment"),
    Row(ts("2025-08-07 21:00:00"), "r03", "r03-3"),
    Row(
        ts("2025-08-01 08:00:00"),
        "c02",
        "c02-1",
        environment="staging",
        query_category="general_conversation",
    ),
    Row(ts("2025-08-01 08:01:00"), "c02", "c02-1", environment="staging", query_category="orders"),
    Row(
        ts("2025-08-11 08:00:00"),
        "c02",
        "c02-2",
        environment="staging",
        query_category="out_of_scope",
    ),
    Row(ts("2025-08-15 08:00:00"), "o01", "o01-1", query_category="tutorial_videos"),
    Row(ts("2025-08-15 09:00:00"), "o01", "o01-1", query_category="other"),
    Row(ts("2025-08-20 10:00:00"), None, "anon1", query_category="Pricing / Inventory"),
    Row(ts("2025-08-21 10:00:00"), "", "anon2"),
    Row(ts("2025-08-16 10:00:00"), "ghost", None, query_category="orders"),
]

LANDSCAPE_USER_ROWS: list[Row] = [
    Row(ts("2025-08-03 10:00:00"), "lx", "lx-1", query_category="orders"),
    Row(ts("2025-08-04 10:00:00"), "lx", "lx-2", query_category="orders"),
]


def _asked(day: int, session: str | None, text: str | None, environment: str = "production") -> Row:
    """Return a September 2025 row of session `session` whose input is `text`."""
    return Row(datetime(2025, 9, day, 12), "q-user", session, environment=environment, input=text)


QUERY_ROWS: list[Row] = [
    _asked(1, "q1", "What are your hours on Saturday?"),
    _asked(2, "q2", "What are your hours on Saturday?"),
    _asked(3, "q3", "  what are your HOURS on saturday?  "),
    _asked(4, "q4", "Where is my order?"),
    _asked(5, "q5", "Hi", environment="staging"),
    _asked(6, "q6", "Which pump would you recommend for a 20,000 gallon pool?"),
    _asked(7, "q7", "Which pump would you recommend for a 20,000 gallon pool?"),
    _asked(8, "q8", "I need a replacement cartridge for a Pentair CCP520"),
    _asked(9, "q9", "Do you have SPX3200 in stock?"),
    _asked(10, "q10", "Do you have SPX3200 in stock?"),
    _asked(11, "q11", "Is R0357800 available?"),
    _asked(12, None, "Do you have EC-40 in stock?"),
    _asked(13, "q13", "How do I reassemble the DE filter grids?"),
    _asked(14, "q14", ""),
    _asked(15, "q15", "  \n\t "),
    _asked(16, "q16", None),
]


# Pool, 2026, for local days (tests/test_timezone.py). Times are UTC; the local times follow.
#
#   session  UTC                  local                        case
#   c1       03-08 05:30          Chicago 03-07 23:30 CST      UTC date after its local one
#   c2       03-08 07:30, 08:30   Chicago 01:30 CST, 03:30 CDT across the spring-forward gap:
#                                                              3,600 s, not 2 h of wall clock
#   c3       03-09 04:30          Chicago 03-08 23:30 CDT
#   c4       03-10 04:30          Chicago 03-09 23:30 CDT
#   c5       03-10 05:30          Chicago 03-10 00:30 CDT      after a window ending 03-09
#   f0       11-01 04:30          Chicago 10-31 23:30 CDT      before a window from 11-01
#   f1       11-01 06:30, 07:30   Chicago 01:30 CDT, 01:30 CST the repeated hour: 3,600 s
#   f2       11-02 05:30          Chicago 11-01 23:30 CST      the 25-hour day's last hour
#   b1       03-28 23:30          Berlin 03-29 00:30 CET       a 23-hour day in Europe
#   b2       03-29 22:30          Berlin 03-30 00:30 CEST
#   k1       05-10 18:00, 18:40   Kolkata 05-10 23:30, 00:10   crosses local midnight only
#   k2       05-11 23:50, 00:10   Kolkata 05-12 05:20, 05:40   crosses UTC midnight only
#   k3       05-12 18:45          Kolkata 05-13 00:15
#   s1       09-06 03:30          Santiago 09-05 23:30 -04
#   s2       09-06 04:10          Santiago 09-06 01:10 -03     (00:00-01:00 never happens)
def _tz_row(when: str, session: str) -> Row:
    return Row(ts(when), "tz-user", session, environment="tz")


TZ_ROWS: list[Row] = [
    _tz_row("2026-03-08 05:30:00", "c1"),
    _tz_row("2026-03-08 07:30:00", "c2"),
    _tz_row("2026-03-08 08:30:00", "c2"),
    _tz_row("2026-03-09 04:30:00", "c3"),
    _tz_row("2026-03-10 04:30:00", "c4"),
    _tz_row("2026-03-10 05:30:00", "c5"),
    _tz_row("2026-11-01 04:30:00", "f0"),
    _tz_row("2026-11-01 06:30:00", "f1"),
    _tz_row("2026-11-01 07:30:00", "f1"),
    _tz_row("2026-11-02 05:30:00", "f2"),
    _tz_row("2026-03-28 23:30:00", "b1"),
    _tz_row("2026-03-29 22:30:00", "b2"),
    _tz_row("2026-05-10 18:00:00", "k1"),
    _tz_row("2026-05-10 18:40:00", "k1"),
    _tz_row("2026-05-11 23:50:00", "k2"),
    _tz_row("2026-05-12 00:10:00", "k2"),
    _tz_row("2026-05-12 18:45:00", "k3"),
    _tz_row("2026-09-06 03:30:00", "s1"),
    _tz_row("2026-09-06 04:10:00", "s2"),
]


# Pool, 2025, for windows that reach past the request time (tests/test_elapsed.py), which set the
# app's clock to one of these request times and put the rows around it:
#
#   NOW_UTC     = 2025-10-15 18:00 UTC (0.75 of 10-15 has elapsed)
#   NOW_CHICAGO = 2025-11-02 21:00 UTC = 15:00 CST on Chicago's 25-hour fall-back day, which
#                 began at 00:00 CDT (05:00 UTC): 16 of its 25 hours (0.64) have elapsed
#
#   session  UTC            local (Chicago)        note
#   n1       10-11 12:00
#   n2       10-12 10:00
#   n3       10-12 20:00                           after 18:00, the cut previous window's end
#   n4..n7   10-13 08:00, 09:00, 10:00, 11:00
#   n8, n9   10-14 09:00, 15:00
#   n10      10-15 09:00                           today, before NOW_UTC
#   d1, d2   10-31 15:00, 20:00  10-31 10:00, 15:00 CDT
#   d3, d4   11-01 14:00, 16:00  11-01 09:00, 11:00 CDT
#   d5       11-02 04:30         11-01 23:30 CDT    its UTC date is the next one
#   d6       11-02 16:00         11-02 10:00 CST    today, before NOW_CHICAGO
NOW_UTC = datetime.fromisoformat("2025-10-15T18:00:00+00:00")
NOW_CHICAGO = datetime.fromisoformat("2025-11-02T21:00:00+00:00")


def _now_row(when: str, session: str) -> Row:
    return Row(ts(when), "now-user", session, environment="tz")


NOW_ROWS: list[Row] = [
    _now_row("2025-10-11 12:00:00", "n1"),
    _now_row("2025-10-12 10:00:00", "n2"),
    _now_row("2025-10-12 20:00:00", "n3"),
    _now_row("2025-10-13 08:00:00", "n4"),
    _now_row("2025-10-13 09:00:00", "n5"),
    _now_row("2025-10-13 10:00:00", "n6"),
    _now_row("2025-10-13 11:00:00", "n7"),
    _now_row("2025-10-14 09:00:00", "n8"),
    _now_row("2025-10-14 15:00:00", "n9"),
    _now_row("2025-10-15 09:00:00", "n10"),
    _now_row("2025-10-31 15:00:00", "d1"),
    _now_row("2025-10-31 20:00:00", "d2"),
    _now_row("2025-11-01 14:00:00", "d3"),
    _now_row("2025-11-01 16:00:00", "d4"),
    _now_row("2025-11-02 04:30:00", "d5"),
    _now_row("2025-11-02 16:00:00", "d6"),
]
