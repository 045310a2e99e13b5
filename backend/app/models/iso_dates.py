"""ISO 8601 input: a bare date or a date and time, and nothing Pydantic would also guess at."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# ISO 8601 only: a bare date, or a date and time with optional seconds, fraction and offset.
# Pydantic alone would also take Unix timestamps such as "2025", which is too easy to mistype.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Any number of fraction digits (RFC 3339 allows it; digits past microseconds are dropped), and
# the leap second :60, which RFC 3339 also allows, read as the last microsecond of its minute.
_ISO_DATETIME = re.compile(
    r"(?P<minute>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(:(?P<second>\d{2})(\.\d+)?)?"
    r"(?P<offset>Z|[+-]\d{2}(:?\d{2})?)?",
    re.IGNORECASE,
)


def parse_iso(value: Any) -> date | datetime:
    """Return a bare date as a date, a date and time as a (naive or aware) datetime."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)")
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a real calendar date") from None
    if match := _ISO_DATETIME.fullmatch(text):
        if match["second"] == "60":
            text = f"{match['minute']}:59.999999{match['offset'] or ''}"
        try:
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a real date and time") from None
    raise ValueError(
        f"{text!r} is not an ISO 8601 date (2025-06-30) or datetime (2025-06-30T12:00:00Z)"
    )
