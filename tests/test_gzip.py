"""Compressed answers: gzip over 1 KB when Accept-Encoding allows it, with an ETag of its own.

Window W's overview (tests/test_overview.py) is several KB of JSON; its /analytics/sessions body
is under 1 KB, so it is never compressed.
"""

from __future__ import annotations

import gzip
from typing import NamedTuple

import httpx
import pytest

from backend.app.cache.encoding import GzipBodies, accepts_gzip
from tests.support.apps import REUSE, FakeClock, running_app
from tests.support.sql_log import recording
from tests.support.windows import SETTLED, pool

OVERVIEW = "/analytics/overview"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


class Sent(NamedTuple):
    """A response as sent: status, headers and the body's bytes, not decoded."""

    status_code: int
    headers: httpx.Headers
    content: bytes


async def raw(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
) -> Sent:
    """GET `path` (on window W unless `params` say otherwise) and return what was sent."""
    request = client.build_request("GET", path, params=params or pool(), headers=headers)
    response = await client.send(request, stream=True)
    sent = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return Sent(response.status_code, response.headers, sent)


async def test_a_large_body_is_gzipped_with_its_own_etag(client: httpx.AsyncClient) -> None:
    plain = await raw(client, OVERVIEW, IDENTITY)
    packed = await raw(client, OVERVIEW, GZIP)
    assert (plain.status_code, packed.status_code) == (200, 200)
    assert len(plain.content) > 1024
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    # The same answer: the gzip body inflates to the plain one, and is smaller.
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert int(packed.headers["content-length"]) == len(packed.content)
    # Each validator names the bytes sent.
    assert packed.headers["etag"] != plain.headers["etag"]
    for response in (plain, packed):
        assert response.headers["vary"] == "Accept-Encoding"
    # The same bytes every time: the gzip header carries no time stamp.
    again = await raw(client, OVERVIEW, GZIP)
    assert (again.content, again.headers["etag"]) == (packed.content, packed.headers["etag"])


async def test_a_small_body_is_never_compressed(client: httpx.AsyncClient) -> None:
    plain = await raw(client, "/analytics/sessions", IDENTITY)
    asked = await raw(client, "/analytics/sessions", GZIP)
    assert len(plain.content) <= 1024
    assert "content-encoding" not in asked.headers
    assert (asked.content, asked.headers["etag"]) == (plain.content, plain.headers["etag"])


async def test_if_none_match_works_with_the_etag_of_what_is_sent(database_url: str) -> None:
    # With reuse on, as the console's browsers meet it: a 304 runs no SQL.
    async with running_app(database_url, clock=FakeClock(SETTLED), **REUSE) as (app, client):
        plain = await raw(client, OVERVIEW, IDENTITY)
        packed = await raw(client, OVERVIEW, GZIP)
        outcomes = {}
        with recording(app) as log:
            for accept in ("gzip", "identity"):
                for name, held in (("plain", plain), ("packed", packed)):
                    response = await raw(
                        client,
                        OVERVIEW,
                        {"Accept-Encoding": accept, "If-None-Match": held.headers["etag"]},
                    )
                    outcomes[accept, name] = response
            stale = await raw(client, OVERVIEW, {**GZIP, "If-None-Match": '"elsewhere"'})
    assert log.statements == []
    # Not modified, with no body and the validator the client holds: the tag of the body it
    # would get, and the plain body's tag on a request that gets gzip (identity is always
    # acceptable, and the client holds the same content).
    for accept, name in (("gzip", "packed"), ("gzip", "plain"), ("identity", "plain")):
        held = plain if name == "plain" else packed
        response = outcomes[accept, name]
        assert (response.status_code, response.content) == (304, b""), name
        assert response.headers["etag"] == held.headers["etag"]
        assert "content-encoding" not in response.headers
        assert response.headers["cache-control"] == packed.headers["cache-control"]
    # The gzip tag on a request that refuses gzip names bytes the client did not ask for: the
    # plain body, with its own tag (test_the_gzip_etag_without_gzip_is_the_plain_body).
    refused = outcomes["identity", "packed"]
    assert (refused.status_code, refused.content) == (200, plain.content)
    assert refused.headers["etag"] == plain.headers["etag"]
    assert (stale.status_code, stale.content) == (200, packed.content)
    assert stale.headers["etag"] == packed.headers["etag"]


@pytest.mark.parametrize(
    "accept_encoding",
    [
        "identity",
        None,
        "",
        "gzip;q=0",
        "gzip;q=0, identity",
        "br",
        "deflate, *;q=0",
        "*;q=0, identity",
        "gzip;q=0, *",
    ],
)
async def test_the_gzip_etag_without_gzip_is_the_plain_body(
    client: httpx.AsyncClient, accept_encoding: str | None
) -> None:
    plain = await raw(client, OVERVIEW, IDENTITY)
    packed = await raw(client, OVERVIEW, GZIP)
    assert packed.headers["etag"] != plain.headers["etag"]
    for held in (
        packed.headers["etag"],
        f"W/{packed.headers['etag']}",
        f'"x", {packed.headers["etag"]}',
    ):
        request = client.build_request(
            "GET", OVERVIEW, params=pool(), headers={"If-None-Match": held}
        )
        if accept_encoding is None:
            del request.headers["accept-encoding"]
        else:
            request.headers["accept-encoding"] = accept_encoding
        response = await client.send(request, stream=True)
        sent = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        assert (response.status_code, sent) == (200, plain.content), held
        assert response.headers["etag"] == plain.headers["etag"]
        assert "content-encoding" not in response.headers
        assert response.headers["vary"] == "Accept-Encoding"
    # Both tags held: the plain one matches, a 304 naming it.
    both = await raw(
        client,
        OVERVIEW,
        {**IDENTITY, "If-None-Match": f"{packed.headers['etag']}, {plain.headers['etag']}"},
    )
    assert (both.status_code, both.headers["etag"]) == (304, plain.headers["etag"])


async def test_the_csv_answer_is_compressed_too(client: httpx.AsyncClient) -> None:
    # W's volume CSV is 7 short rows, under 1 KB; two months of days are over it.
    params = pool(start_date="2025-05-01", end_date="2025-06-30", format="csv")
    response = await raw(client, "/analytics/volume", GZIP, params)
    assert response.headers["content-encoding"] == "gzip"
    # After the UTF-8 byte-order mark every CSV answer starts with.
    inflated = gzip.decompress(response.content)
    assert inflated.startswith(b"\xef\xbb\xbfdate,sessions,hours,complete\r\n")
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0.0, identity", False),
        ("identity", False),
        ("br, deflate", False),
        ("*;q=0", False),
        ("", False),
        (None, False),
        ("gzip;q=bogus", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: str | None, allowed: bool) -> None:
    assert accepts_gzip(header) is allowed


def test_the_kept_gzip_bodies_are_bounded_in_bytes() -> None:
    # Each kept body costs 400 bytes besides its own: two fit in 1,000 bytes, three do not.
    bodies = GzipBodies(max_bytes=1000)
    first = bodies.compress(b"a" * 5000, key="a")
    assert len(first) < 100
    assert bodies.compress(b"ignored: kept under its key", key="a") is first
    # Incompressible bodies of 40 bytes gzip to about 60: a (400 + <100) and b (400 + ~60) fit,
    # and c makes three, so the least recently used, a, goes.
    bodies.compress(bytes(range(40)), key="b")
    assert len(bodies) == 2
    bodies.compress(bytes(range(40, 80)), key="c")
    assert len(bodies) == 2
    assert bodies.compress(b"a" * 5000, key="a") is not first
    assert gzip.decompress(bodies.compress(bytes(range(40, 80)), key="c")) == bytes(range(40, 80))
