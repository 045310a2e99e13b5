"""What the runner reads of a KPI, by its kind: an aggregate over a grain, or a stream of texts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import FromClause

from backend.app.analytics.comparison import Comparisons
from backend.app.analytics.grains import Grain
from backend.app.analytics.window import Window
from backend.app.db.expressions import Columns
from backend.app.db.queries import SessionPart
from backend.app.db.text_source import TextSource

if TYPE_CHECKING:
    # A type only: a KPI module need not load the classifier (and with it the LLM's SDK).
    from backend.app.analytics.pain_points.classifier import PainPointClassifier

RowT = TypeVar("RowT")
BodyT = TypeVar("BodyT", bound=BaseModel)


class AggregateDeclaration(ABC, Generic[RowT, BodyT]):
    """A KPI of aggregates over its grain's relation: one row of columns, shaped into its body.

    The grain's statement computes its columns together with those of every other KPI of the same
    grain asked for at the same time; `shape` turns the KPI's slice of that one row, read as its
    `row`, into its body.
    """

    name: str  # its section in the overview and the prefix of its columns
    grain: Grain
    # What its columns are named after: a typed row of its SQL module, or the body itself.
    row: type[RowT]
    body: type[BodyT]
    # The optional columns of the per-session relation that `columns` reads.
    parts: frozenset[SessionPart] = frozenset()
    # Which test each number of the body takes under compare (docs/metrics.md lists them); the
    # samples of its means are computed over `grain`'s relation, by the same statement, only then.
    compared: Comparisons = Comparisons()

    @abstractmethod
    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the KPI's aggregates over its grain's relation `rows`, named as `row`'s fields."""

    @abstractmethod
    def shape(self, row: RowT, window: Window) -> BodyT:
        """Return the KPI's body from the row of its columns."""

    @property
    def grains(self) -> tuple[Grain, ...]:
        """Return every grain whose statement computes some of the KPI's columns: its own."""
        return (self.grain,)

    def columns_over(self, grain: Grain, rows: FromClause, window: Window) -> Columns:
        """Return the KPI's columns over the relation of `grain`, one of `grains`."""
        return self.columns(rows, window)

    def read(self, values: dict[str, Any]) -> RowT:
        """Return the KPI's slice of its statements' rows as its `row`."""
        # The columns are named after the row's fields (row_columns checked them when the
        # statement was built): a model validates them, and a TypedDict is that very dict.
        if issubclass(self.row, BaseModel):
            return self.row.model_validate(values)
        return cast(RowT, values)


class StreamedDeclaration(ABC, Generic[BodyT]):
    """A KPI of every row of its grain's relation, streamed past the classifier into its body.

    Pain points classify every text in Python; a window can hold millions of them, so they arrive
    in batches, on a connection and a snapshot of their own, and are reduced to a few numbers (and
    examples) as they come.
    """

    name: str
    grain: Grain
    body: type[BodyT]
    compared: Comparisons = Comparisons()

    @abstractmethod
    def columns(self, rows: FromClause, window: Window) -> Columns:
        """Return the KPI's per-row columns over its grain's relation `rows`."""

    @abstractmethod
    async def consume(
        self, texts: TextSource, classifier: PainPointClassifier, window: Window
    ) -> BodyT:
        """Return the KPI's body from every row of `texts`, labelled by `classifier`."""

    @property
    def grains(self) -> tuple[Grain, ...]:
        """Return the one grain whose rows the KPI streams."""
        return (self.grain,)
