"""Comparison with the previous period: the change of every top-level number of a body."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from backend.app.models.annotations import union_members
from backend.app.models.filters import AnalyticsFilters
from backend.app.models.rounding import two_places


class Change(BaseModel):
    """One number of the body against the previous period."""

    model_config = ConfigDict(frozen=True)

    current: int | float | None = Field(description="The value in this window, as shown.")
    previous: int | float | None = Field(description="The value in the previous window.")
    delta: float | None = Field(
        description="current - previous (in percentage points for a percentage), rounded to 2 "
        "decimals; null when either is null."
    )
    delta_pct: float | None = Field(
        description="delta / previous * 100, rounded to 2 decimals; null when either is null or "
        "previous is 0."
    )


def _is_number(annotation: Any) -> bool:
    """Return whether a field holds a number, or null where a number can stand."""
    members = union_members(annotation)
    return bool(members) and all(member in (int, float) for member in members)


def number_fields(model: type[BaseModel]) -> list[str]:
    """Return the top-level fields of `model` that hold numbers, in order."""
    return [name for name, field in model.model_fields.items() if _is_number(field.annotation)]


def changes_model(name: str, model: type[BaseModel]) -> type[BaseModel]:
    """Return the typed `changes` object of a body: one Change per top-level number."""
    fields: dict[str, Any] = {
        field: (Change, Field(description=f"`{field}` against the previous period."))
        for field in number_fields(model)
    }
    return create_model(
        name,
        __config__=ConfigDict(frozen=True),
        __doc__="Every top-level number of the body against the previous period.",
        **fields,
    )


def change(current: float | None, previous: float | None) -> Change:
    """Return the change from `previous` to `current`, from the rounded values shown."""
    if current is None or previous is None:
        return Change(current=current, previous=previous, delta=None, delta_pct=None)
    difference = Decimal(str(current)) - Decimal(str(previous))
    percent = None if previous == 0 else two_places(difference / Decimal(str(previous)) * 100)
    return Change(
        current=current, previous=previous, delta=two_places(difference), delta_pct=percent
    )


def respond(
    model: type[BaseModel],
    windows: Sequence[AnalyticsFilters],
    bodies: Sequence[Mapping[str, Any]],
    changes: Callable[[], Mapping[str, Any]],
) -> BaseModel:
    """Return `model` for the first window; with a second, its `previous` and the `changes`."""
    current = {"filters": windows[0], **bodies[0]}
    if len(windows) == 1:
        return model(**current, previous=None, changes=None)
    previous = model(filters=windows[1], **bodies[1], previous=None, changes=None)
    return model(**current, previous=previous, changes=changes())


def changes_of(current: BaseModel, previous: BaseModel) -> dict[str, Change]:
    """Return the change of every top-level number of `current` against `previous`."""
    return {
        field: change(getattr(current, field), getattr(previous, field))
        for field in number_fields(type(current))
    }
