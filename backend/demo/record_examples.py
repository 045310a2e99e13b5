"""Record the OpenAPI document's response examples: real bodies of every endpoint on demo data.

    make examples

The demo data are `make run`'s pool rows, pinned to end at DATA_END, in a database of their own
on the embedded server: recorded again on the same code, the examples are the same bytes, which a
test holds (tests/test_example_replay.py). Each analytics endpoint is asked for the seven local
days in America/Chicago before DATA_END's day on the pool table, compared with the seven before,
so that the examples show local offsets, whole days and `previous`/`changes`; the bodies are
written to backend/app/examples/<name>.json.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from backend.app.analytics.registry import KPIS
from backend.app.main import create_app
from backend.app.settings import Settings
from backend.demo.embedded import (
    DEMO_DAYS,
    DEMO_ROWS_PER_PRODUCT,
    DEMO_SEEDS,
    apply_recommended_indexes,
    apply_schema,
    fill,
    start_server,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "app" / "examples"
ZONE = "America/Chicago"
# When the examples' demo data end: the examples were first recorded on the day after.
DATA_END = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
EXAMPLES_DATABASE = "heritage_examples"


def window() -> dict[str, str]:
    """Return the filters of the recorded answers: the 7 local days before DATA_END's, compared."""
    yesterday = DATA_END.astimezone(ZoneInfo(ZONE)).date() - timedelta(days=1)
    return {
        "start_date": (yesterday - timedelta(days=6)).isoformat(),
        "end_date": yesterday.isoformat(),
        "product_context": "pool",
        "tz": ZONE,
        "compare": "previous_period",
    }


async def fill_examples_data(connection: asyncpg.Connection) -> None:
    """Fill a database holding the schema with the examples' demo data and `make run`'s indexes."""
    await fill(
        connection,
        "pool",
        rows=DEMO_ROWS_PER_PRODUCT,
        days=DEMO_DAYS,
        end=DATA_END,
        seed=DEMO_SEEDS["pool"],
    )
    await apply_recommended_indexes(connection)


async def record(url: str) -> dict[str, bytes]:
    """Return every recorded body by name, as the service on `url` sent it, asked in the process."""
    settings = Settings.model_validate(
        {
            "database_url": url,
            "cache_settled_ttl_seconds": 0,
            "cache_recent_ttl_seconds": 0,
            # The local rules, whatever the environment says: an LLM's labels are not the same
            # bytes twice.
            "anthropic_api_key": None,
        }
    )
    app = create_app(settings)
    params = window()
    asked = {f"/analytics{kpi.path}": kpi.name for kpi in KPIS} | {
        "/analytics/overview": "overview"
    }
    bodies: dict[str, bytes] = {}
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


async def _get(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> bytes:
    response = await client.get(path, params=params)
    response.raise_for_status()
    return response.content


def written(body: bytes) -> str:
    """Return the text of an example file for a body the service sent: its JSON, indented."""
    # Parsed and written again in the same key order: the same text, the same body sent.
    document: Any = json.loads(body)
    return json.dumps(document, indent=1) + "\n"


async def _record_on(admin_url: str, url: str) -> dict[str, bytes]:
    """Record the examples on a new database at `url` holding the examples' demo data."""
    name = EXAMPLES_DATABASE
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        connection = await asyncpg.connect(url)
        try:
            await apply_schema(connection)
            await fill_examples_data(connection)
        finally:
            await connection.close()
        return await record(url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    """Record the examples on the embedded server, in a database of their own."""
    server = start_server(Settings().embedded_data_dir)
    try:
        bodies = asyncio.run(
            _record_on(server.get_uri("postgres"), server.get_uri(EXAMPLES_DATABASE))
        )
    finally:
        server.cleanup()
    for name, body in bodies.items():
        (EXAMPLES / f"{name}.json").write_text(written(body))
        print(f"wrote {EXAMPLES / name}.json")


if __name__ == "__main__":
    main()
