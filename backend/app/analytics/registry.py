"""The nine KPIs in the documented order, and the response models derived from them."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any, cast

from pydantic import BaseModel, Field, create_model

from backend.app.analytics.clustering import PAIN_POINTS
from backend.app.analytics.comparison import changes_model
from backend.app.analytics.engagement import ENGAGEMENT, SEGMENTS_KPI
from backend.app.analytics.kinds import Kpi
from backend.app.analytics.kpis import QUERY_CATEGORIES, SESSIONS, TOOL_USAGE, VOLUME
from backend.app.analytics.retention import RETENTION, RETURNING_USERS
from backend.app.models.responses import Filtered

# The overview's sections come in this order (docs/metrics.md, /analytics/overview).
KPIS: tuple[Kpi, ...] = (
    SESSIONS,
    PAIN_POINTS,
    VOLUME,
    ENGAGEMENT,
    RETENTION,
    QUERY_CATEGORIES,
    TOOL_USAGE,
    RETURNING_USERS,
    SEGMENTS_KPI,
)


def _title(name: str) -> str:
    return "".join(word.title() for word in name.split("_"))


def _compared(
    name: str, doc: str, bases: tuple[type[BaseModel], ...], changes: type[BaseModel]
) -> type[BaseModel]:
    """Return a response model with `previous` (the same model) and `changes`, both nullable."""
    fields: dict[str, Any] = {
        # The model itself, by name: resolved by model_rebuild below.
        # Required, and null without compare: always sent, so generated clients see them.
        "previous": (
            f"{name} | None",
            Field(
                description="With compare=previous_period: the same body for the previous "
                "window, its own filters included (its previous and changes are null); null "
                "otherwise.",
            ),
        ),
        "changes": (
            changes | None,
            Field(
                description="With compare=previous_period: every top-level number, and every "
                "item of the body's lists, against the previous window, each with its test's "
                "p-value and whether the change is significant; null otherwise.",
            ),
        ),
    }
    model = cast(type[BaseModel], create_model(name, __base__=bases, __doc__=doc, **fields))
    model.model_rebuild(_types_namespace={name: model})
    return model


CHANGES_MODELS: dict[str, type[BaseModel]] = {
    kpi.name: changes_model(f"{_title(kpi.name)}Changes", kpi.body, kpi.compared) for kpi in KPIS
}
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    kpi.name: _compared(
        f"{_title(kpi.name)}Response",
        f"Body of /analytics{kpi.path}.",
        (kpi.body, Filtered),
        CHANGES_MODELS[kpi.name],
    )
    for kpi in KPIS
}

_SECTIONS: dict[str, Any] = {
    kpi.name: (kpi.body, Field(description=f"{kpi.summary}: as /analytics{kpi.path}."))
    for kpi in KPIS
}
_SECTION_CHANGES: dict[str, Any] = {
    kpi.name: (CHANGES_MODELS[kpi.name], Field(description=f"The changes of `{kpi.name}`."))
    for kpi in KPIS
}
OverviewChanges: type[BaseModel] = create_model(
    "OverviewChanges", __doc__="Each section's own `changes`, by section name.", **_SECTION_CHANGES
)
_OverviewBody: type[BaseModel] = create_model(
    "OverviewBody", __base__=Filtered, __doc__="Every KPI for the same filters.", **_SECTIONS
)
OverviewResponse: type[BaseModel] = _compared(
    "OverviewResponse",
    "Body of /analytics/overview: every KPI for the same filters, each section equal to its "
    "endpoint's body without `filters`.",
    (_OverviewBody,),
    OverviewChanges,
)


@cache
def schema_fingerprint() -> str:
    """Return a digest of every response shape: cached answers of another shape are never read."""
    shapes = [
        model.model_json_schema(mode="serialization")
        for model in (*RESPONSE_MODELS.values(), OverviewResponse)
    ]
    return hashlib.sha256(json.dumps(shapes, sort_keys=True).encode()).hexdigest()[:12]
