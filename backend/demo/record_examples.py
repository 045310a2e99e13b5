"""Record the OpenAPI document's response examples: real bodies of every endpoint on demo data.

    make examples          # the embedded demo database (.pgdata), as `make run` starts it
    DATABASE_URL=... make examples

Each analytics endpoint is asked for the seven local days in America/Chicago up to yesterday on
the pool table, compared with the seven before, so that the examples show local offsets, whole
days and `previous`/`changes`; the bodies are written to backend/app/examples/<name>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from backend.app.analytics.registry import KPIS
from backend.app.main import create_app
from backend.app.settings import Settings
from backend.demo.embedded import start_demo_database

EXAMPLES = Path(__file__).resolve().parents[1] / "app" / "examples"
ZONE = "America/Chicago"


def window(today: datetime) -> dict[str, str]:
    """Return the filters of the recorded answers: the 7 local days up to yesterday, compared."""
    yesterday = today.astimezone(ZoneInfo(ZONE)).date() - timedelta(days=1)
    return {
        "start_date": (yesterday - timedelta(days=6)).isoformat(),
        "end_date": yesterday.isoformat(),
        "product_context": "pool",
        "tz": ZONE,
        "compare": "previous_period",
    }


async def record(url: str) -> dict[str, Any]:
    """Return every recorded body by name, asked of the service on `url` in the process."""
    settings = Settings.model_validate(
        {"database_url": url, "cache_settled_ttl_seconds": 0, "cache_recent_ttl_seconds": 0}
    )
    app = create_app(settings)
    params = window(datetime.now(UTC))
    asked = {f"/analytics{kpi.path}": kpi.name for kpi in KPIS} | {
        "/analytics/overview": "overview"
    }
    bodies: dict[str, Any] = {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://examples") as client,
    ):
        for path, name in asked.items():
            bodies[name] = await _get(client, path, params)
        bodies["filter_options"] = await _get(
            client, "/meta/filter-options", {"product_context": "pool"}
        )
        bodies["health"] = await _get(client, "/health", {})
        bodies["ready"] = await _get(client, "/health/ready", {})
    return bodies


async def _get(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> Any:
    response = await client.get(path, params=params)
    response.raise_for_status()
    return response.json()


def main() -> None:
    """Record the examples on DATABASE_URL, or on the embedded demo database."""
    url = os.environ.get("DATABASE_URL")
    demo = None
    if url is None:
        demo = start_demo_database(Settings().embedded_data_dir)
        url = demo.url
    try:
        bodies = asyncio.run(record(url))
    finally:
        if demo is not None:
            demo.stop()
    for name, body in bodies.items():
        (EXAMPLES / f"{name}.json").write_text(json.dumps(body, indent=1) + "\n")
        print(f"wrote {EXAMPLES / name}.json")


if __name__ == "__main__":
    main()
