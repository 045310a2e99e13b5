"""/health, /health/ready, /meta/filter-options, error bodies, and the docs pages."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from backend.app.main import create_app
from tests.support.apps import make_settings
from tests.support.databases import table_locked
from tests.support.endpoints import ANALYTICS_PATHS, get_json
from tests.support.windows import pool


async def test_the_root_names_the_documents_and_the_probe(client: httpx.AsyncClient) -> None:
    index = await get_json(client, "/")
    assert index == {
        "docs": "/docs",
        "redoc": "/redoc",
        "openapi": "/openapi.json",
        "health": "/health",
    }
    # Every path it names answers.
    for path in index.values():
        assert (await client.get(path)).status_code == 200, path


async def test_health(client: httpx.AsyncClient) -> None:
    assert await get_json(client, "/health") == {"status": "ok"}


async def test_ready_when_both_tables_are_complete(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/health/ready")
    assert body["status"] == "ready"
    assert body["missing"] == []


async def test_ready_warns_about_missing_window_indexes(
    client: httpx.AsyncClient, database_url: str
) -> None:
    # The fixture schema has no index on time_stamp: ready, with one warning per table.
    body = await get_json(client, "/health/ready")
    assert [w.split()[0] for w in body["warnings"]] == [
        "interaction_log",
        "landscape_interaction_log",
    ]
    # With the recommended index on the pool table, only the landscape warning is left.
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(
            "CREATE INDEX pool_window ON interaction_log (time_stamp) INCLUDE (session_id)"
        )
        body = await get_json(client, "/health/ready")
        assert [w.split()[0] for w in body["warnings"]] == ["landscape_interaction_log"]
    finally:
        await admin.execute("DROP INDEX IF EXISTS pool_window")
        await admin.close()


async def test_filter_options_pool(client: httpx.AsyncClient) -> None:
    # Pool environments: production, staging and the local-day rows' tz; rows span
    # 2025-05-31 23:50 (sF) to 2026-11-02 05:30 (f2 of TZ_ROWS).
    body = await get_json(client, "/meta/filter-options", product_context="pool")
    assert body == {
        "product_context": "pool",
        "environments": ["production", "staging", "tz"],
        "first_interaction": "2025-05-31T23:50:00Z",
        "last_interaction": "2026-11-02T05:30:00Z",
    }


async def test_filter_options_landscape(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/meta/filter-options", product_context="landscape")
    assert body["environments"] == ["production", "staging"]
    assert body["first_interaction"] == "2025-06-03T14:00:00Z"
    assert body["last_interaction"] == "2025-08-04T10:00:00Z"


async def test_filter_options_needs_a_valid_product(client: httpx.AsyncClient) -> None:
    response = await client.get("/meta/filter-options", params={"product_context": "both"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("product_context: ")


async def _client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_unreachable_database_is_503_without_internals(tmp_path: object) -> None:
    url = f"postgresql://analyst:s3cret-pw@/analytics?host={tmp_path}/no-such-socket"
    app = create_app(make_settings(url, db_connect_timeout_seconds=2))
    async with app.router.lifespan_context(app), await _client_for(app) as http:
        response = await http.get("/analytics/sessions", params=pool())
        assert response.status_code == 503
        assert "cannot be reached" in response.json()["detail"]
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert (await http.get("/health")).status_code == 200
        for body in (response.text, ready.text):
            assert "s3cret-pw" not in body
            assert "no-such-socket" not in body
            assert "Traceback" not in body


async def test_statement_timeout_is_504_and_the_connection_recovers(database_url: str) -> None:
    # A lock held on the table keeps the statement waiting past the 100 ms timeout, however fast
    # the machine. Once it is released, the one pooled connection serves readiness again.
    settings = make_settings(
        database_url, db_statement_timeout_ms=100, db_pool_size=1, db_max_overflow=0
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), await _client_for(app) as http:
        async with table_locked(database_url):
            response = await http.get("/analytics/pain-points", params=pool())
        assert response.status_code == 504
        assert "statement timeout" in response.json()["detail"]
        assert (await http.get("/health/ready")).status_code == 200


async def test_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    bundle = await client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    redoc = await client.get("/redoc")
    assert "/static-offline-docs/redoc.standalone.js" in redoc.text


async def test_openapi_lists_every_endpoint_with_filters_and_examples(
    client: httpx.AsyncClient,
) -> None:
    spec = await get_json(client, "/openapi.json")
    paths = spec["paths"]
    analytics = [path for path in paths if path.startswith("/analytics/")]
    assert sorted(analytics) == sorted([*ANALYTICS_PATHS, "/analytics/overview"])
    for path in analytics:
        operation = paths[path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        filters = {"tz", "start_date", "end_date", "product_context", "environment", "user_id"}
        # Every endpoint but the overview also answers CSV.
        exports = {"format"} if path != "/analytics/overview" else set()
        assert set(params) == filters | {"compare"} | exports
        assert params["start_date"]["required"]
        assert params["end_date"]["required"]
        assert [branch["format"] for branch in params["start_date"]["schema"]["anyOf"]] == [
            "date",
            "date-time",
        ]
        assert params["product_context"]["schema"]["$ref"].endswith("/ProductContext")
        assert params["start_date"]["schema"]["examples"]
        assert params["tz"]["schema"]["examples"] == ["America/Chicago"]
        assert not params["tz"]["required"]
        assert operation["description"]
        assert "200" in operation["responses"]
    for path in ("/health", "/health/ready", "/meta/filter-options"):
        assert path in paths
    schemas = spec["components"]["schemas"]
    assert schemas["ProductContext"]["enum"] == ["pool", "landscape"]
    assert (
        "Distinct non-empty session_id"
        in schemas["SessionsResponse"]["properties"]["total_sessions"]["description"]
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("product_context=pool&bogus=1", "bogus"),
        ("product_context=pool&product_context=landscape", "product_context"),
        ("product_context=garden", "product_context"),
        ("", "product_context"),
    ],
)
async def test_filter_options_validates_like_analytics(
    client: httpx.AsyncClient, query: str, parameter: str
) -> None:
    response = await client.get(f"/meta/filter-options?{query}")
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == [parameter]


async def test_a_trailing_slash_is_a_404_never_a_redirect_to_the_host_header(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/health/", "/analytics/sessions/"):
        response = await client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 404
        assert "location" not in response.headers
