"""The nine KPIs in the contract's order, and the response models derived from them."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from backend.app.analytics.clustering import PAIN_POINTS
from backend.app.analytics.declaration import Kpi
from backend.app.analytics.engagement import ENGAGEMENT, SEGMENTS_KPI
from backend.app.analytics.kpis import QUERY_CATEGORIES, SESSIONS, TOOL_USAGE, VOLUME
from backend.app.analytics.retention import RETENTION, RETURNING_USERS
from backend.app.models.responses import Filtered

# The overview's sections come in this order (the contract's).
KPIS: tuple[Kpi[Any], ...] = (
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


def _response_model(kpi: Kpi[Any]) -> type[Filtered]:
    """Return the body of a KPI's own endpoint: its fields after the filters echo."""
    name = "".join(word.title() for word in kpi.name.split("_")) + "Response"
    return create_model(
        name, __base__=(kpi.model, Filtered), __doc__=f"Body of /analytics{kpi.path}."
    )


RESPONSE_MODELS: dict[str, type[Filtered]] = {kpi.name: _response_model(kpi) for kpi in KPIS}

_SECTIONS: dict[str, Any] = {
    kpi.name: (kpi.model, Field(description=f"{kpi.summary}: as /analytics{kpi.path}."))
    for kpi in KPIS
}
OverviewResponse: type[Filtered] = create_model(
    "OverviewResponse",
    __base__=Filtered,
    __doc__="Body of /analytics/overview: every KPI for the same filters, each section equal to "
    "its endpoint's body without `filters`.",
    **_SECTIONS,
)
