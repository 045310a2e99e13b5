"""Which representation a request gets: `format`, else the `Accept` header's preference."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from backend.app.models.filters import AnalyticsFilters


class Format(StrEnum):
    """The representation of an answer: JSON, or CSV for a spreadsheet."""

    JSON = "json"
    CSV = "csv"


class ExportFilters(AnalyticsFilters):
    """The filters of an endpoint that also answers CSV, and the representation asked for."""

    format: Format | None = Field(
        default=None,
        description="`csv`: text/csv for a spreadsheet (the body's list as rows, or its numbers "
        "as one row; the current window only); `json`: the JSON body. Absent: the `Accept` "
        "header decides (JSON unless it prefers text/csv).",
    )

    def analytics_filters(self) -> AnalyticsFilters:
        """Return the filters alone, as every KPI and the `filters` echo take them."""
        return AnalyticsFilters.model_construct(
            _fields_set=self.model_fields_set - {"format"},
            **{name: getattr(self, name) for name in AnalyticsFilters.model_fields},
        )


MEDIA_TYPES = {Format.JSON: "application/json", Format.CSV: "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Representation:
    """The chosen format, and whether `Accept` chose it (the answer then varies by Accept)."""

    format: Format
    negotiated: bool

    @property
    def media_type(self) -> str:
        """Return the Content-Type of this representation."""
        return MEDIA_TYPES[self.format]


def _media_ranges(accept: str) -> Iterator[tuple[str, str, float]]:
    """Yield (type, subtype, q) for each media range of an Accept header."""
    for part in accept.split(","):
        media, *parameters = part.split(";")
        kind, _, subtype = media.strip().lower().partition("/")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(1.0, max(0.0, float(value)))
                except ValueError:
                    quality = 0.0
        yield kind, subtype, quality


def _quality(accept: str, media_type: str) -> float:
    """Return the q the most specific matching range gives `media_type` (0 when none does)."""
    kind, _, subtype = media_type.partition("/")
    best, quality = -1, 0.0
    for range_kind, range_subtype, range_quality in _media_ranges(accept):
        if (range_kind, range_subtype) == (kind, subtype):
            specificity = 2
        elif (range_kind, range_subtype) == (kind, "*"):
            specificity = 1
        elif (range_kind, range_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best:
            best, quality = specificity, range_quality
    return quality


def choose(format: Format | None, accept: str | None) -> Representation:
    """Return `format` when given; else CSV only when Accept prefers text/csv to JSON."""
    if format is not None:
        return Representation(format, negotiated=False)
    if not accept:
        return Representation(Format.JSON, negotiated=True)
    prefers_csv = _quality(accept, "text/csv") > _quality(accept, "application/json")
    return Representation(Format.CSV if prefers_csv else Format.JSON, negotiated=True)
