"""Schemathesis hooks: generated windows keep the rules JSON Schema cannot state.

Load them with `SCHEMATHESIS_HOOKS=tests.schemathesis_hooks` (tests/test_fuzz_schema.py does).
The document describes each parameter alone. These rules relate two parameters (or a date-time's
offset to `tz`), which no JSON Schema can say, and the service refuses a window that breaks one
with a 422 naming the parameter, by design:

- start_date is not after end_date, and the window holds some time (a window made only of local
  dates `tz` skipped holds none);
- the window spans at most 3,660 local dates in `tz`;
- each bound, read in `tz`, is an instant Python's calendar holds (0001-01-01T00:00:00Z to
  9999-12-31T23:59:59.999999Z) on a local date in years 1 to 9999: a day of the window must be a
  date that can be written;
- under compare=previous_period, the window before it begins in year 1 or later and holds time.

Every other window is answered: the ends of the calendar included, which the property test
tests/test_no_server_error.py searches on every endpoint and representation. A generated case that
breaks one of these rules, and nothing else, is repaired as little as possible: end_date becomes
start_date; `compare` becomes `none` when only the previous window is at fault; and only if the
bounds themselves lie outside the calendar does the window become a fixed week. Every other
refusal is left as generated, for positive_data_acceptance to report.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from pydantic import ValidationError
from schemathesis import Case, HookContext

from backend.app.models.filters import AnalyticsFilters

# The refusals of exactly the rules above, by the parameter the service names and its words.
WINDOW_RULES = {
    "end_date": (
        "must not be before start_date",
        "does not exist in",
        "the window may span at most",
        "outside the range of representable dates",
    ),
    "start_date": ("outside the range of representable dates",),
    "compare": ("would begin before year 1", "would be empty in"),
}
A_WEEK = ("2025-06-01", "2025-06-07")


def broken_window_rules(query: dict[str, Any]) -> set[str]:
    """Return the parameters the service refuses `query` for under the rules above."""
    filters = {key: value for key, value in query.items() if key in AnalyticsFilters.model_fields}
    try:
        AnalyticsFilters.model_validate(filters)
    except ValidationError as error:
        return {
            str(detail["loc"][0])
            for detail in error.errors()
            if detail["loc"]
            and any(rule in detail["msg"] for rule in WINDOW_RULES.get(str(detail["loc"][0]), ()))
        }
    return set()


@schemathesis.hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    """Repair a generated window that breaks only the window rules, as little as possible."""
    query = case.query
    if not (isinstance(query, dict) and {"start_date", "end_date"} <= query.keys()):
        return case
    if "end_date" in broken_window_rules(query):
        query["end_date"] = query["start_date"]
    if broken_window_rules(query) == {"compare"}:
        query["compare"] = "none"
    if broken_window_rules(query):
        query["start_date"], query["end_date"] = A_WEEK
    return case
