"""What declaring a KPI takes: its name, path, grain, columns, shaping, model and function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from backend.app.analytics.comparison import Comparisons
from backend.app.analytics.grains import Grain, Relation
from backend.app.db.client import Database
from backend.app.db.expressions import Columns
from backend.app.db.queries import SessionPart
from backend.app.models.filters import AnalyticsFilters

if TYPE_CHECKING:
    # A type only: a KPI module need not load the classifier (and with it the LLM's SDK).
    from backend.app.analytics.pain_points.classifier import PainPointClassifier

BodyT = TypeVar("BodyT", bound=BaseModel)


@dataclass(frozen=True)
class Services:
    """What computing a KPI takes besides its filters."""

    db: Database
    classifier: PainPointClassifier
    # The request time: which local days had ended, and how much of the window had elapsed.
    now: datetime


@dataclass(frozen=True)
class ShapeContext:
    """What shaping a KPI's row may need beyond the row."""

    filters: AnalyticsFilters
    # When the answer is computed: which local days had ended by then.
    now: datetime
    classifier: PainPointClassifier


@dataclass(frozen=True, kw_only=True)
class Kpi(Generic[BodyT]):
    """One KPI, declared once; its route, overview section and response models derive from it.

    `columns` are its aggregates over its grain's relation; the grain's statement computes them
    together with those of every other KPI of the same grain asked for at the same time, and
    `shape` turns the KPI's slice of that one row into its body. `function` is the KPI's
    standalone async function for one window: the same statements its route runs (a test holds
    each equal to its route).
    """

    name: str  # its section in the overview and the prefix of its columns
    path: str
    summary: str
    description: str
    grain: Grain
    model: type[BodyT]
    columns: Callable[[Relation], Columns]
    shape: Callable[[Mapping[str, Any], ShapeContext], Awaitable[BodyT]]
    function: Callable[[AnalyticsFilters, Services], Awaitable[BodyT]]
    # The optional columns of the per-session relation that `columns` reads.
    parts: frozenset[SessionPart] = field(default_factory=frozenset)
    # Columns read from another grain's relation, which the overview computes anyway (engagement
    # counts every session, anonymous ones too, from the session grain).
    more_columns: Mapping[Grain, Callable[[Relation], Columns]] = field(default_factory=dict)
    # Which test each number of the body takes under compare (docs/metrics.md lists them); the
    # samples of its means are computed over `grain`'s relation, by the same statement, only then.
    compared: Comparisons = field(default_factory=Comparisons)

    @property
    def grains(self) -> tuple[Grain, ...]:
        """Return every grain whose statement computes some of this KPI's columns."""
        return (self.grain, *(grain for grain in self.more_columns if grain is not self.grain))

    def columns_over(self, grain: Grain, relation: Relation) -> Columns:
        """Return this KPI's columns over `grain`'s relation."""
        return self.columns(relation) if grain is self.grain else self.more_columns[grain](relation)


async def validated(model: type[BodyT], row: Mapping[str, Any]) -> BodyT:
    """Return `row` as `model`, for KPIs whose columns are their fields."""
    return model.model_validate(dict(row))
