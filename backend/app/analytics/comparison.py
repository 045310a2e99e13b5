"""Comparison with the previous period: each number's change, and whether it is more than noise."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from backend.app.analytics.significance import (
    Sample,
    TestKind,
    discoveries,
    poisson_p,
    two_proportions_p,
    welch_p,
)
from backend.app.analytics.window import Window
from backend.app.db.expressions import Columns
from backend.app.models.annotations import union_members
from backend.app.models.calendar import ONE_MICROSECOND
from backend.app.models.rounding import two_places


@dataclass(frozen=True)
class Poisson:
    """A count, or a rate of one, over each window's exposure: the exact conditional test."""

    # The field holding the count, when the compared field is a rate of it (sessions per day).
    count: str | None = None


@dataclass(frozen=True)
class Proportion:
    """A percentage: `part` (a count beside it) of `whole` (a count of the body)."""

    part: str
    whole: Callable[[Any], int]


@dataclass(frozen=True)
class Welch:
    """A mean over units: Welch's t-test on the units `sample` sums up over the KPI's relation."""

    # Over the grain's rows: how many units, their exact mean and sample variance, labelled
    # `units`, `mean` and `variance` (db.expressions.sample_columns).
    sample: Callable[[Any], Columns]


FieldTest = Poisson | Proportion | Welch


@dataclass(frozen=True)
class Items:
    """A list of the body compared item by item: its key, and the tests of its numbers."""

    key: str
    tests: Mapping[str, FieldTest]


@dataclass(frozen=True)
class Comparisons:
    """Which test each number of a KPI's body takes; the rest take none."""

    tests: Mapping[str, FieldTest] = field(default_factory=dict)
    items: Mapping[str, Items] = field(default_factory=dict)

    def welch_samples(self) -> dict[str, Welch]:
        """Return the top-level means compared over their units, by field."""
        return {name: test for name, test in self.tests.items() if isinstance(test, Welch)}


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
    test: TestKind | None = Field(
        description="The test of 'no change between the two windows' behind `p_value`: "
        "`poisson` for a count (each window's count over how long it had run), "
        "`two_proportions` for a percentage, `welch` for a mean over sessions or users; null "
        "where no test applies (days, medians, percentiles)."
    )
    p_value: float | None = Field(
        description="The test's two-sided p-value, from the exact counts, means and variances "
        "(not the rounded values shown), not rounded: how often a change at least this large "
        "would appear by chance alone. Null when `test` is null or the data leave the test "
        "undefined (no events, a zero denominator, fewer than 2 units, two constant samples)."
    )
    significant: bool | None = Field(
        description="Whether the change is real rather than noise: a discovery under the "
        "Benjamini-Hochberg procedure at a false discovery rate of 5 % over every p-value of "
        "this endpoint's `changes` (in the overview, of its section's). Null when `p_value` is "
        "null."
    )


def _is_number(annotation: Any) -> bool:
    """Return whether a field holds a number, or null where a number can stand."""
    members = union_members(annotation)
    return bool(members) and all(member in (int, float) for member in members)


def number_fields(model: type[BaseModel]) -> list[str]:
    """Return the top-level fields of `model` that hold numbers, in order."""
    return [name for name, field in model.model_fields.items() if _is_number(field.annotation)]


def _item_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """Return the model of the items of `model`'s list field `name`."""
    [item] = get_args(model.model_fields[name].annotation)
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        raise TypeError(f"{model.__name__}.{name} is not a list of models")
    return item


def changes_model(name: str, model: type[BaseModel], compared: Comparisons) -> type[BaseModel]:
    """Return the typed `changes` object of a body: a Change per number, and its lists' items."""
    fields: dict[str, Any] = {
        number: (Change, Field(description=f"`{number}` against the previous period."))
        for number in number_fields(model)
    }
    for list_name, items in compared.items.items():
        item = _item_model(model, list_name)
        item_fields: dict[str, Any] = {
            items.key: (item.model_fields[items.key].annotation, Field(description="The key."))
        } | {
            number: (Change, Field(description=f"`{number}` against the previous item's."))
            for number in items.tests
        }
        item_change = create_model(
            f"{item.__name__}Change",
            __config__=ConfigDict(frozen=True),
            __doc__=f"One item of `{list_name}` against the previous window's of the same "
            f"`{items.key}`.",
            **item_fields,
        )
        fields[list_name] = (
            list[item_change],  # type: ignore[valid-type]
            Field(
                description=f"Each item of `{list_name}`, in the body's order, against the "
                f"previous window's item of the same `{items.key}`."
            ),
        )
    return create_model(
        name,
        __config__=ConfigDict(frozen=True),
        __doc__="Every number of the body, and of its lists' items, against the previous period.",
        **fields,
    )


def change(current: float | None, previous: float | None) -> Change:
    """Return the change from `previous` to `current`, from the rounded values shown, untested."""
    if current is None or previous is None:
        delta, percent = None, None
    else:
        difference = Decimal(str(current)) - Decimal(str(previous))
        delta = two_places(difference)
        percent = None if previous == 0 else two_places(difference / Decimal(str(previous)) * 100)
    return Change(
        current=current,
        previous=previous,
        delta=delta,
        delta_pct=percent,
        test=None,
        p_value=None,
        significant=None,
    )


@dataclass(frozen=True)
class Measured:
    """One window's body, the samples of its means, and how long it had run (its exposure)."""

    body: BaseModel
    samples: Mapping[str, Sample]
    exposure: float


def exposure_seconds(window: Window) -> float:
    """Return how long `window` had run at the request, in seconds: its part before then."""
    now, start, end = window.now, window.filters.start_date, window.filters.end_date
    if now <= end:
        return max((now - start).total_seconds(), 0.0)
    # [start, end + 1 µs), written so that a window ending at 9999-12-31 does not overflow.
    return (end - start + ONE_MICROSECOND).total_seconds()


def _p_value(
    test: FieldTest, name: str, current: Any, previous: Any, windows: Sequence[Measured]
) -> float | None:
    """Return the p-value of `test` for field `name` of `current` (a body or an item)."""
    now, before = windows
    if isinstance(test, Poisson):
        count = test.count or name
        return poisson_p(
            getattr(current, count), now.exposure, getattr(previous, count), before.exposure
        )
    if isinstance(test, Proportion):
        return two_proportions_p(
            getattr(current, test.part),
            test.whole(now.body),
            getattr(previous, test.part),
            test.whole(before.body),
        )
    return welch_p(now.samples[name], before.samples[name])


def _tested(
    tests: Mapping[str, FieldTest], current: Any, previous: Any, windows: Sequence[Measured]
) -> dict[str, Change]:
    """Return the change of each field `tests` names, with its test and p-value."""
    changes = {}
    for name, test in tests.items():
        untested = change(
            getattr(current, name), None if previous is None else getattr(previous, name)
        )
        kind = _KINDS[type(test)]
        p_value = None if previous is None else _p_value(test, name, current, previous, windows)
        changes[name] = untested.model_copy(update={"test": kind, "p_value": p_value})
    return changes


_KINDS: dict[type[Any], TestKind] = {
    Poisson: TestKind.POISSON,
    Proportion: TestKind.TWO_PROPORTIONS,
    Welch: TestKind.WELCH,
}


def changes_of(compared: Comparisons, current: Measured, previous: Measured) -> dict[str, Any]:
    """Return every change of `current` against `previous`, each test's discoveries marked.

    The p-values of the top-level numbers and of the lists' items are one family.
    """
    windows = (current, previous)
    body, before = current.body, previous.body
    changes: dict[str, Any] = {
        name: change(getattr(body, name), getattr(before, name))
        for name in number_fields(type(body))
    }
    changes |= _tested(compared.tests, body, before, windows)
    for list_name, items in compared.items.items():
        earlier = {getattr(item, items.key): item for item in getattr(before, list_name)}
        changes[list_name] = [
            {items.key: getattr(item, items.key)}
            | _tested(items.tests, item, earlier.get(getattr(item, items.key)), windows)
            for item in getattr(body, list_name)
        ]
    p_values = [c.p_value for c in _every_change(changes) if c.p_value is not None]
    verdicts = iter(discoveries(p_values))
    # The same walk, in the same order: each tested change takes its verdict.
    return _map_changes(
        changes,
        lambda c: c if c.p_value is None else c.model_copy(update={"significant": next(verdicts)}),
    )


def _every_change(changes: Mapping[str, Any]) -> Iterator[Change]:
    """Yield every Change of `changes`, top-level first, then the lists' items in order."""
    for value in changes.values():
        if isinstance(value, Change):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from _every_change(item)


def _map_changes(changes: Mapping[str, Any], apply: Callable[[Change], Change]) -> dict[str, Any]:
    """Return `changes` with `apply` applied to each Change, in `_every_change`'s order."""

    def one(value: Any) -> Any:
        if isinstance(value, Change):
            return apply(value)
        if isinstance(value, list):
            return [_map_changes(item, apply) for item in value]
        return value

    return {name: one(value) for name, value in changes.items()}


def respond(
    model: type[BaseModel],
    windows: Sequence[Window],
    bodies: Sequence[Mapping[str, Any]],
    changes: Callable[[], Mapping[str, Any]],
) -> BaseModel:
    """Return `model` for the first window; with a second, its `previous` and the `changes`."""
    current = {"filters": windows[0].filters, **bodies[0]}
    if len(windows) == 1:
        return model(**current, previous=None, changes=None)
    previous = model(filters=windows[1].filters, **bodies[1], previous=None, changes=None)
    return model(**current, previous=previous, changes=changes())
