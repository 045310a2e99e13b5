"""A window's query texts on one snapshot: grouped by SQL, raw, or the rows at given times."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any

from sqlalchemy import Table

from backend.app.db.client import Snapshot
from backend.app.db.expressions import AnySelect
from backend.app.db.text_queries import raw_text_rows, rows_at
from backend.app.models.filters import AnalyticsFilters


class TextSource:
    """What pain points read of a window, every statement in the same snapshot.

    `grouped` is the exact per-text relation (one row per distinct normalised text, grouped by
    SQL); `raw` every row's text and time, for Python to group; `at` the rows at given times,
    which hold every spelling of the texts whose rows had those times.
    """

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        grouped: AnySelect,
        table: Table,
        filters: AnalyticsFilters,
        batch_size: int,
    ) -> None:
        self._snapshot = snapshot
        self._grouped = grouped
        self._table = table
        self._filters = filters
        self.batch_size = batch_size

    def grouped(self) -> AsyncGenerator[Sequence[Any], None]:
        """Return the per-text rows (QueryTextRow-shaped) in batches, times as datetimes."""
        return self._snapshot.batches(self._grouped, batch_size=self.batch_size)

    def raw(self) -> AsyncGenerator[Sequence[Any], None]:
        """Return every row's text (RawTextRow-shaped) in batches, times as microseconds."""
        statement = raw_text_rows(table=self._table, filters=self._filters)
        return self._snapshot.batches(statement, batch_size=self.batch_size, microseconds=True)

    def at(self, stamps: list[int]) -> AsyncGenerator[Sequence[Any], None]:
        """Return in batches the window's rows (RawTextRow-shaped) at `stamps` (microseconds)."""
        statement = rows_at(table=self._table, filters=self._filters, stamps=stamps)
        return self._snapshot.batches(statement, batch_size=self.batch_size, microseconds=True)
