"""The two kinds of KPI a KPI module declares: each served at its path and computable alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from backend.app.analytics.declaration import (
    AggregateDeclaration,
    BodyT,
    RowT,
    StreamedDeclaration,
)
from backend.app.analytics.runner import Declaration, compute_windows
from backend.app.analytics.window import Window
from backend.app.db.client import Database

if TYPE_CHECKING:
    # A type only: a KPI module need not load the classifier (and with it the LLM's SDK).
    from backend.app.analytics.pain_points.classifier import PainPointClassifier


class _Endpoint:
    """Where a KPI is served, and what its route's documentation says of it."""

    path: str
    summary: str
    description: str


class AggregateKpi(AggregateDeclaration[RowT, BodyT], _Endpoint):
    """A KPI of aggregates (declaration.py), served at its path and computable alone."""

    async def compute(self, window: Window, database: Database) -> BodyT:
        """Compute the KPI for one window: its grains' statements with only its own columns."""
        return await _computed(self, self.body, window, database, None)


class ModelKpi(AggregateKpi[BodyT, BodyT]):
    """An aggregate KPI whose columns are its body's fields: its row is its body."""

    def shape(self, row: BodyT, window: Window) -> BodyT:
        """Return the row, validated as the body when it was read."""
        return row


class StreamedKpi(StreamedDeclaration[BodyT], _Endpoint):
    """A KPI of streamed texts (declaration.py), served at its path and computable alone."""

    async def compute(
        self, window: Window, database: Database, classifier: PainPointClassifier
    ) -> BodyT:
        """Compute the KPI for one window: its texts, streamed past `classifier`."""
        return await _computed(self, self.body, window, database, classifier)


# A KPI of either kind, as the registry lists them.
Kpi: TypeAlias = AggregateKpi[Any, Any] | StreamedKpi[Any]


async def _computed(
    kpi: Declaration,
    body: type[BodyT],
    window: Window,
    database: Database,
    classifier: PainPointClassifier | None,
) -> BodyT:
    """Return the body of `kpi` for one window, as its route computes it."""
    [bodies] = await compute_windows([kpi], [window], database, classifier)
    computed = bodies[kpi.name].body
    assert isinstance(computed, body)
    return computed
