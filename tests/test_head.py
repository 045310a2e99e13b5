"""HEAD on every GET route: the GET's status and headers, no body (RFC 9110, 9.3.2), and the GET's
answer from the cache, never a computation of its own."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount, Route

from tests.support.apps import FakeClock, cached_app
from tests.support.databases import table_locked
from tests.support.endpoints import ANALYTICS_PATHS, SESSIONS
from tests.support.sql_log import recording
from tests.support.windows import SETTLED, pool, pool_q

OVERVIEW = "/analytics/overview"
STATIC = "/static-offline-docs/swagger-ui.css"


def _untimed(response: httpx.Response) -> list[tuple[str, str]]:
    """Return a response's headers but Server-Timing, whose durations are each request's own."""
    return [
        (name, value) for name, value in response.headers.multi_items() if name != "server-timing"
    ]


def _params(path: str) -> dict[str, str]:
    """Return parameters that make `path` answer 200."""
    if path == "/analytics/pain-points":
        return pool_q()
    if path.startswith("/analytics/"):
        return pool()
    if path == "/meta/filter-options":
        return {"product_context": "pool"}
    return {}


def get_paths(app: FastAPI) -> list[str]:
    """Return the path of every GET route: the documented operations, the docs' own pages and a
    file of their static mount."""
    paths = [path for path, item in app.openapi()["paths"].items() if "get" in item]
    for route in app.routes:
        if isinstance(route, Route) and "GET" in (route.methods or ()):
            paths.append(route.path)
        elif isinstance(route, Mount):
            paths.append(f"{route.path}/swagger-ui.css")
    return list(dict.fromkeys(paths))


def test_every_get_route_is_listed(app: FastAPI) -> None:
    paths = set(get_paths(app))
    assert {*ANALYTICS_PATHS, OVERVIEW, "/health", "/health/ready", "/meta/filter-options"} <= paths
    assert {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", STATIC} <= paths


async def test_head_is_the_get_without_its_body_on_every_route(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Plain bodies, to compare their length (gzip: test_head_has_the_headers_of_each_...).
    identity = {"Accept-Encoding": "identity"}
    for path in get_paths(app):
        get = await client.get(path, params=_params(path), headers=identity)
        head = await client.head(path, params=_params(path), headers=identity)
        assert get.status_code == 200, path
        assert (head.status_code, head.content) == (200, b""), path
        # Every header of the GET, its Content-Length (of the body a GET gets) included.
        assert _untimed(head) == _untimed(get), path
        assert int(head.headers["content-length"]) == len(get.content), path


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        # CSV: its type and file name.
        ("/analytics/volume", pool(format="csv"), {}),
        ("/analytics/volume", pool(), {"Accept": "text/csv"}),
        # The gzip body: its encoding, its own ETag and its length.
        (OVERVIEW, pool(), {"Accept-Encoding": "gzip"}),
        (OVERVIEW, pool(), {"Accept-Encoding": "identity"}),
        # Errors: the same status, detail length and no-store.
        (SESSIONS, pool(tz="Nowhere"), {}),
        ("/nowhere", {}, {}),
        ("/health/", {}, {}),
    ],
)
async def test_head_has_the_headers_of_each_representation_and_error(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    get = await client.get(path, params=params, headers=headers)
    head = await client.head(path, params=params, headers=headers)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert _untimed(head) == _untimed(get)


async def test_head_revalidates_as_get_does(client: httpx.AsyncClient) -> None:
    for accept in ("gzip", "identity"):
        first = await client.head(OVERVIEW, params=pool(), headers={"Accept-Encoding": accept})
        again = await client.head(
            OVERVIEW,
            params=pool(),
            headers={"Accept-Encoding": accept, "If-None-Match": first.headers["etag"]},
        )
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == first.headers["etag"]


async def test_other_methods_are_a_405_allowing_get_and_head(client: httpx.AsyncClient) -> None:
    for path in ("/health", SESSIONS, "/docs", "/openapi.json"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = await client.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == "GET, HEAD"
            assert response.headers["cache-control"] == "no-store"


async def test_head_is_logged_as_head(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.app.requests")
    await client.head("/health")
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.app.requests"]
    assert lines == ["HEAD /health 200"]


async def test_head_and_get_share_one_answer_and_one_computation(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        # A HEAD computes and keeps the answer a GET then reuses, and the other way round.
        with recording(app) as head_first:
            head = await client.head(SESSIONS, params=pool())
        with recording(app) as get_after:
            get = await client.get(SESSIONS, params=pool())
        assert (len(head_first.statements), len(get_after.statements)) == (1, 0)
        assert head.headers["etag"] == get.headers["etag"]
        with recording(app) as get_first:
            await client.get(OVERVIEW, params=pool())
        with recording(app) as head_after:
            await client.head(OVERVIEW, params=pool())
        assert len(get_first.statements) > 0
        assert len(head_after.statements) == 0
        # Arriving together, GETs and HEADs wait on one computation.
        with recording(app) as together:
            async with table_locked(database_url):
                requests = [
                    asyncio.create_task(
                        client.request(method, SESSIONS, params=pool(tz="America/Chicago"))
                    )
                    for method in ("HEAD", "GET", "HEAD", "GET")
                ]
                for _ in range(1000):
                    if app.state.cache.waiters() == 4:
                        break
                    await asyncio.sleep(0.01)
                else:
                    pytest.fail(f"{app.state.cache.waiters()} requests wait, not 4")
            responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.headers["etag"] for r in responses}) == 1
    assert [r.content == b"" for r in responses] == [True, False, True, False]
    assert len(together.statements) == 1


def test_head_over_http_sends_no_body(live_server: str) -> None:
    # On the wire, as uvicorn sends it: the headers and nothing after them, and the connection
    # goes on to the next request.
    address = urlsplit(live_server)
    assert address.hostname is not None
    assert address.port is not None
    request = (
        f"HEAD {OVERVIEW}?{urlencode(pool())} HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == b""
    lines = {line.split(b":")[0].lower(): line for line in head.split(b"\r\n")[1:]}
    assert b"etag" in lines
    assert b"content-encoding" in lines
    # One connection, kept alive: each HEAD leaves nothing behind that the next answer would
    # be read from.
    with httpx.Client(base_url=live_server) as http:
        for path in ("/health", "/docs", OVERVIEW, "/analytics/volume"):
            head_answer = http.head(path, params=_params(path))
            get_answer = http.get(path, params=_params(path))
            assert (head_answer.status_code, get_answer.status_code) == (200, 200), path
            assert head_answer.headers["content-type"] == get_answer.headers["content-type"]
            assert head_answer.headers.get("etag") == get_answer.headers.get("etag")
