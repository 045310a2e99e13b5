"""/analytics/sessions against the fixture rows (see tests/fixture_rows.py for the table)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.endpoints import get_json
from tests.support.windows import WINDOW, pool

PATH = "/analytics/sessions"


def metrics(body: dict[str, Any]) -> tuple[Any, ...]:
    """Return the four metrics of a sessions body in documented order."""
    return (
        body["total_sessions"],
        body["negative_feedback_sessions"],
        body["positive_feedback_sessions"],
        body["avg_session_duration_seconds"],
    )


async def test_window_w(client: httpx.AsyncClient) -> None:
    # Sessions with a row in W: sA sB sC sD sE sF sG = 7 (the NULL- and ''-session rows count for
    # none; sD with a NULL user and sE with an empty user still count).
    # Negative: sB 'NEGATIVE', sC 'negative' = 2 (negative rows without a session count for none).
    # Positive: sA 'Positive ', sD 'positive' = 2 (sG's positive row is on 06-08, outside W;
    # sE's 'neutral' is neither).
    # Durations in W: 600 + 95 + 300 + 0 + 20 + 600 (sF from 00:10) + 0 (sG) = 1615; /7 = 230.714...
    body = await get_json(client, PATH, **pool())
    assert metrics(body) == (7, 2, 2, 230.71)
    assert body["filters"] == {
        "tz": "UTC",
        "start_date": "2025-06-01T00:00:00Z",
        "end_date": "2025-06-07T23:59:59.999999Z",
        "product_context": "pool",
        "environment": None,
        "user_id": None,
        "compare": "none",
    }


async def test_datetime_end_excludes_the_rest_of_that_day(client: httpx.AsyncClient) -> None:
    # end 06-07T00:00:00 drops sG's 23:59:59 row: 6 sessions, durations still 1615; /6 = 269.17.
    body = await get_json(client, PATH, **pool(end_date="2025-06-07T00:00:00"))
    assert metrics(body) == (6, 2, 2, 269.17)


async def test_wider_window_takes_whole_straddling_sessions(client: httpx.AsyncClient) -> None:
    # 05-31 .. 06-08: sF spans 23:50 -> 00:20 = 1800 s, sG 23:59:59 -> 00:00:30 = 31 s and is now
    # positive. Positive: sA sD sG = 3. Durations 600+95+300+0+20+1800+31 = 2846; /7 = 406.571...
    body = await get_json(client, PATH, **pool(start_date="2025-05-31", end_date="2025-06-08"))
    assert metrics(body) == (7, 2, 3, 406.57)


async def test_environment_filter(client: httpx.AsyncClient) -> None:
    # Only sC is staging: 1 session, negative, 300 s.
    body = await get_json(client, PATH, **pool(environment="staging"))
    assert metrics(body) == (1, 1, 0, 300.0)
    assert body["filters"]["environment"] == "staging"


async def test_user_filter(client: httpx.AsyncClient) -> None:
    # u1 has sA (600 s, positive) and sB (95 s, negative): mean 347.5.
    body = await get_json(client, PATH, **pool(user_id="u1"))
    assert metrics(body) == (2, 1, 1, 347.5)


async def test_user_and_environment_combined(client: httpx.AsyncClient) -> None:
    # u2 has sC (staging) and sG (production); in production only sG's single row in W: 0 s.
    body = await get_json(client, PATH, **pool(user_id="u2", environment="production"))
    assert metrics(body) == (1, 0, 0, 0.0)


async def test_aware_datetimes_are_converted_to_utc(client: httpx.AsyncClient) -> None:
    # 02:00+02:00 is 00:00Z and 06-02 01:00+02:00 is 06-01 23:00Z: rows of sA and sF's 00:10 and
    # 00:20. sA 600 s positive, sF 600 s: 2 sessions, mean 600.
    params = pool(start_date="2025-06-01T02:00:00+02:00", end_date="2025-06-02T01:00:00+02:00")
    body = await get_json(client, PATH, **params)
    assert metrics(body) == (2, 0, 1, 600.0)
    assert body["filters"]["start_date"] == "2025-06-01T00:00:00Z"
    assert body["filters"]["end_date"] == "2025-06-01T23:00:00Z"


async def test_session_crossing_midnight_counts_its_rows_in_the_window(
    client: httpx.AsyncClient,
) -> None:
    # 06-02 22:00-02:00 = 06-03 00:00Z, to the end of 06-03: sC's 00:03 row (negative, alone: 0 s)
    # and sD (positive, 0 s).
    params = pool(start_date="2025-06-02T22:00:00-02:00", end_date="2025-06-03")
    body = await get_json(client, PATH, **params)
    assert metrics(body) == (2, 1, 1, 0.0)


async def test_empty_window(client: httpx.AsyncClient) -> None:
    body = await get_json(client, PATH, **pool(start_date="2025-07-01", end_date="2025-07-03"))
    assert metrics(body) == (0, 0, 0, None)


async def test_landscape_reads_its_own_table(client: httpx.AsyncClient) -> None:
    # sL1 (120 s, 'Negative'), sL2 (0 s), sL3 (0 s, 'POSITIVE'): 3 sessions, mean 40.
    body = await get_json(client, PATH, **WINDOW, product_context="landscape")
    assert metrics(body) == (3, 1, 1, 40.0)


async def test_empty_filter_values_mean_no_filter(client: httpx.AsyncClient) -> None:
    body = await get_json(client, PATH, **pool(environment="", user_id=""))
    assert metrics(body) == (7, 2, 2, 230.71)
    assert body["filters"]["environment"] is None
    assert body["filters"]["user_id"] is None


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        (pool(start_date="2025-06-08"), "end_date"),
        (pool(product_context="garden"), "product_context"),
        (pool(start_date="June 1st"), "start_date"),
        (pool(end_date="2025-02-30"), "end_date"),
        (pool(start_date="1717200000"), "start_date"),
        (pool(user_id="x" * 51), "user_id"),
        (pool(environment="prod\x00"), "environment"),
        (pool(user_id="u1\x00"), "user_id"),
        (pool(start_date="2025-06-01'; DROP TABLE interaction_log; --"), "start_date"),
        (pool(colour="blue"), "colour"),
        ({"end_date": "2025-06-07", "product_context": "pool"}, "start_date"),
        (pool(start_date="0001-01-01", end_date="9999-12-31"), "end_date"),
        (pool(start_date="2015-05-31"), "end_date"),
        (pool(start_date="9999-12-31T23:00:00-05:00"), "start_date"),
        (pool(user_id="x" * 10_000), "user_id"),
    ],
)
async def test_bad_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str
) -> None:
    response = await client.get(PATH, params=params)
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"].startswith(f"{parameter}: ")
    assert [e["parameter"] for e in body["errors"]] == [parameter]


async def test_repeated_parameter_is_422(client: httpx.AsyncClient) -> None:
    # start_date=2025-06-01&start_date=2025-06-03: which one was meant? Refuse, naming it.
    query = "start_date=2025-06-01&start_date=2025-06-03&end_date=2025-06-07&product_context=pool"
    response = await client.get(f"{PATH}?{query}")
    assert response.status_code == 422
    assert response.json()["detail"] == "start_date: given more than once"


@pytest.mark.parametrize(
    ("path", "given", "meant"),
    [
        (PATH, "enviroment", "environment"),
        (PATH, "start", "start_date"),
        (PATH, "Product_Context", "product_context"),
        (PATH, "fromat", "format"),
        ("/analytics/overview", "comapre", "compare"),
        ("/meta/filter-options", "product", "product_context"),
    ],
)
async def test_a_misspelt_parameter_is_a_422_saying_what_was_meant(
    client: httpx.AsyncClient, path: str, given: str, meant: str
) -> None:
    response = await client.get(path, params=pool(**{given: "x"}))
    assert response.status_code == 422
    [error] = [e for e in response.json()["errors"] if e["parameter"] == given]
    assert error["message"] == f"not a parameter of this endpoint; did you mean `{meant}`?"


async def test_an_unknown_parameter_like_none_is_a_422_listing_those_taken(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(PATH, params=pool(colour="blue"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "colour: not a parameter of this endpoint, which takes `tz`, `start_date`, `end_date`, "
        "`product_context`, `environment`, `user_id`, `compare`, `format`"
    )


async def test_longest_window_is_accepted(client: httpx.AsyncClient) -> None:
    # 2015-06-01 .. 2025-06-07 is 3,659 days apart: 3,660 calendar days, the most allowed (a day
    # earlier is refused above). It holds W, so the 7 sessions of W and nothing else.
    body = await get_json(client, PATH, **pool(start_date="2015-06-01"))
    assert body["total_sessions"] == 7


async def test_a_one_microsecond_window(client: httpx.AsyncClient) -> None:
    # sA's first row is at exactly 10:00:00.000000; a window of that instant holds it alone.
    instant = "2025-06-01T10:00:00"
    body = await get_json(client, PATH, **pool(start_date=instant, end_date=instant))
    assert metrics(body) == (1, 0, 0, 0.0)


@pytest.mark.parametrize(
    ("end_date", "echoed"),
    [
        # RFC 3339 allows a leap second: it is the last instant of its minute.
        ("2025-06-07T23:59:60Z", "2025-06-07T23:59:59.999999Z"),
        # And any number of fraction digits: past microseconds they are dropped.
        ("2025-06-07T23:59:59.123456789Z", "2025-06-07T23:59:59.123456Z"),
        ("2025-06-07t23:59:59z", "2025-06-07T23:59:59Z"),
    ],
)
async def test_every_rfc_3339_date_time_is_read(
    client: httpx.AsyncClient, end_date: str, echoed: str
) -> None:
    body = await get_json(client, PATH, **pool(end_date=end_date))
    assert body["filters"]["end_date"] == echoed


async def test_hostile_and_unusual_text_is_just_a_value(client: httpx.AsyncClient) -> None:
    # Matched exactly, so none of these finds a row; none is an error either.
    for value in ("u1' OR '1'='1", "é😀", "x" * 50, "%_", "\\"):
        for parameter in ("user_id", "environment"):
            body = await get_json(client, PATH, **pool(**{parameter: value}))
            assert metrics(body) == (0, 0, 0, None)
    body = await get_json(client, PATH, **pool(environment="production' --" + "y" * 5000))
    assert metrics(body) == (0, 0, 0, None)


def percentiles(body: dict[str, Any]) -> tuple[Any, Any]:
    """Return the median and 90th percentile of session durations of a sessions body."""
    return body["median_session_duration_seconds"], body["p90_session_duration_seconds"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # W, 7 sessions (odd): durations sorted 0 (sD), 0 (sG), 20 (sE), 95 (sB), 300 (sC),
        # 600 (sA), 600 (sF). Median at rank (7 - 1) * 0.5 = 3: 95. p90 at rank 5.4: between
        # 600 and 600, so 600.
        (pool(), (95.0, 600.0)),
        # 06-02 .. 06-04, 4 sessions (even): sD 0, sE 20, sB 95, sC 300. Median at rank 1.5:
        # 20 + 0.5 * (95 - 20) = 57.5. p90 at rank 2.7: 95 + 0.7 * (300 - 95) = 238.5.
        (pool(start_date="2025-06-02", end_date="2025-06-04"), (57.5, 238.5)),
        # One session: u2's sC (23:58 to 00:03, 300 s) in 06-02 .. 06-03.
        (pool(start_date="2025-06-02", end_date="2025-06-03", user_id="u2"), (300.0, 300.0)),
        # No session at all: null, like the mean.
        (pool(start_date="2025-07-01", end_date="2025-07-03"), (None, None)),
    ],
)
async def test_duration_percentiles(
    client: httpx.AsyncClient, params: dict[str, str], expected: tuple[Any, Any]
) -> None:
    body = await get_json(client, PATH, **params)
    assert percentiles(body) == expected
