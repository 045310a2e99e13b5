"""The service's analytics paths, and reading an answer's JSON body."""

from __future__ import annotations

from typing import Any

import httpx

from backend.app.analytics.registry import KPIS

# Every analytics endpoint except the overview, from the KPI declarations.
ANALYTICS_PATHS = [f"/analytics{kpi.path}" for kpi in KPIS]
SESSIONS = "/analytics/sessions"


async def get_json(client: httpx.AsyncClient, path: str, **params: str) -> Any:
    """GET `path` with `params`, assert a 200, and return the JSON body."""
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def without_filters(body: dict[str, Any]) -> dict[str, Any]:
    """Return a response body as an overview section: without `filters`, `previous`, `changes`."""
    return {
        key: value for key, value in body.items() if key not in ("filters", "previous", "changes")
    }
