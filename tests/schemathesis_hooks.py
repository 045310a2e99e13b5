"""Schemathesis hooks: generated windows keep the rules JSON Schema cannot state.

Load them with `SCHEMATHESIS_HOOKS=tests.schemathesis_hooks` (tests/test_fuzz_schema.py does).
The document describes each parameter alone; these rules of the window relate two values, or
bound a date-time's instant, which no JSON Schema format can:

- start_date is not after end_date (`_not_before_start` in backend/app/models/filters.py);
- the window spans at most 3,660 days (`MAX_WINDOW_DAYS`);
- both ends, read in `tz`, are instants between 0001-01-01 and 9999-12-31 in UTC, and under
  compare=previous_period so is the start of the window before it.

A generated case that breaks one of these, and nothing else, is moved back inside them:
end_date becomes start_date, or, if that is not enough, the window becomes a fixed week. Every
other refusal is left as generated, for positive_data_acceptance to report.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from pydantic import ValidationError
from schemathesis import Case, HookContext

from backend.app.models.filters import AnalyticsFilters

# The messages of exactly the rules above.
CROSS_FIELD_RULES = (
    "must not be before start_date",
    "the window may span at most",
    "outside the range of representable dates",
    "does not exist in",
    "would begin before year 1",
    "would be empty in",
)
A_WEEK = ("2025-06-01", "2025-06-07")


def breaks_a_window_rule(query: dict[str, Any]) -> bool:
    """Return whether the query's filters break one of the rules above."""
    filters = {key: value for key, value in query.items() if key in AnalyticsFilters.model_fields}
    try:
        AnalyticsFilters.model_validate(filters)
    except ValidationError as error:
        messages = [str(detail["msg"]) for detail in error.errors()]
        return any(rule in message for message in messages for rule in CROSS_FIELD_RULES)
    return False


@schemathesis.hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    """Move a generated window that breaks only the window rules back inside them."""
    query = case.query
    if isinstance(query, dict) and {"start_date", "end_date"} <= query.keys():
        if breaks_a_window_rule(query):
            query["end_date"] = query["start_date"]
        if breaks_a_window_rule(query):
            query["start_date"], query["end_date"] = A_WEEK
    return case
