"""Server-Timing on every analytics answer: how it was had, time in the database and classifying."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from backend.app import telemetry
from backend.app.telemetry import CLASSIFY, DB, RequestTelemetry
from tests.support.apps import FakeClock, cached_app
from tests.support.databases import table_locked
from tests.support.endpoints import SESSIONS
from tests.support.polling import until
from tests.support.windows import SETTLED, pool, pool_q

IDENTITY = {"Accept-Encoding": "identity"}


def timing(response: httpx.Response) -> dict[str, dict[str, str]]:
    """Return the response's Server-Timing entries by name, each with its parameters."""
    entries: dict[str, dict[str, str]] = {}
    for entry in response.headers["server-timing"].split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        entries[name] = dict(parameter.split("=", 1) for parameter in parameters)
    return entries


def milliseconds(entries: dict[str, dict[str, str]], name: str) -> float:
    """Return an entry's duration."""
    return float(entries[name]["dur"])


async def test_a_miss_then_a_hit_and_its_304_say_so(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (_, http):
        miss = await http.get(SESSIONS, params=pool(), headers=IDENTITY)
        hit = await http.get(SESSIONS, params=pool(), headers=IDENTITY)
        held = {**IDENTITY, "If-None-Match": hit.headers["etag"]}
        not_modified = await http.get(SESSIONS, params=pool(), headers=held)
    assert (miss.status_code, hit.status_code, not_modified.status_code) == (200, 200, 304)
    computed = timing(miss)
    assert list(computed) == ["cache", "db", "total"]
    assert computed["cache"] == {"desc": '"miss"'}
    assert 0 < milliseconds(computed, "db") <= milliseconds(computed, "total")
    # A reused answer says so, and carries no database time: it spent none.
    for reused in (hit, not_modified):
        assert list(timing(reused)) == ["cache", "total"]
        assert timing(reused)["cache"] == {"desc": '"hit"'}


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/analytics/volume", pool(format="csv"), IDENTITY),
        ("/analytics/overview", pool(), {"Accept-Encoding": "gzip"}),
        ("/analytics/pain-points", pool_q(), IDENTITY),
    ],
    ids=["csv", "gzip", "json"],
)
async def test_every_representation_carries_it(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200
    entries = timing(response)
    assert entries["cache"] == {"desc": '"miss"'}
    assert milliseconds(entries, "total") > 0
    if path != "/analytics/volume":
        # Pain points and the overview classify texts.
        assert milliseconds(entries, "classify") > 0
    if "gzip" in headers["Accept-Encoding"]:
        assert response.headers["content-encoding"] == "gzip"


async def test_an_identical_request_in_flight_is_shared(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, http):
        async with table_locked(database_url):
            first = asyncio.create_task(http.get(SESSIONS, params=pool()))
            await until(lambda: app.state.cache.waiters() == 1)
            second = asyncio.create_task(http.get(SESSIONS, params=pool()))
            await until(lambda: app.state.cache.waiters() == 2)
        computed, shared = timing(await first), timing(await second)
    assert computed["cache"] == {"desc": '"miss"'}
    assert "db" in computed
    # The request that joined ran no statement of its own.
    assert shared["cache"] == {"desc": '"shared"'}
    assert list(shared) == ["cache", "total"]


async def test_errors_and_other_routes_carry_none(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get(SESSIONS, params=pool(start_date="nope")),
        await client.get("/health"),
        await client.get("/meta/filter-options", params={"product_context": "pool"}),
    ):
        assert "server-timing" not in response.headers


class Ticks:
    """A clock the test sets by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_phases_count_wall_time_once_and_pause_the_enclosing_one() -> None:
    ticks = Ticks()
    measured = RequestTelemetry(clock=ticks)
    token = telemetry.begin(measured)
    try:
        with telemetry.phase(CLASSIFY):
            ticks.now = 1
            # Waiting on its texts, a classification is in the database, not classifying.
            with telemetry.phase(DB):
                ticks.now = 3
            ticks.now = 4
        assert measured.seconds(CLASSIFY, 4) == 2
        assert measured.seconds(DB, 4) == 2

        first_in, second_in, first_out = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def first() -> None:
            ticks.now = 10
            with telemetry.phase(DB):
                first_in.set()
                await second_in.wait()
                ticks.now = 14
            first_out.set()

        async def second() -> None:
            await first_in.wait()
            ticks.now = 12
            with telemetry.phase(DB):
                second_in.set()
                await first_out.wait()
                ticks.now = 16

        # Statements in flight together count once: 10 to 16, not 4 + 4.
        await asyncio.gather(first(), second())
        assert measured.seconds(DB, 16) == 2 + 6

        # A task started inside a phase did not enter it: its own phase pauses nothing.
        ticks.now = 20
        with telemetry.phase(CLASSIFY):

            async def read() -> None:
                with telemetry.phase(DB):
                    ticks.now = 21

            await asyncio.create_task(read())
            ticks.now = 23
        assert measured.seconds(CLASSIFY, 23) == 2 + 3
        assert measured.seconds(DB, 23) == 8 + 1
    finally:
        telemetry.end(token)
    assert measured.seconds("never", 23) is None
