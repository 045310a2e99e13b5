"""No request a client can send gets a 500: a property test over the calendar's corners.

Hypothesis draws windows whose bounds are bare dates, naive datetimes or datetimes with an offset
(Z, and up to ±23:59), near year 1, near 9999, around Samoa's skipped 2011-12-30 and the DST
changes of 2026, in zones from UTC-12 to UTC+14 (half- and quarter-hour ones included), with and
without `compare`, on every analytics endpoint, as JSON and as CSV. Every answer must be a 200
with a body in its media type, or a 422 whose `errors` name only parameters the request gave. The
fixed examples are the cases that once gave a 500.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.endpoints import ANALYTICS_PATHS

PATHS = [*ANALYTICS_PATHS, "/analytics/overview"]
ZONES = [
    "UTC",
    "Pacific/Apia",  # skipped 2011-12-30
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",  # UTC-12
    "Etc/GMT-14",
    "America/St_Johns",  # -3:30 / -2:30
    "Asia/Tehran",  # +3:30
    "Australia/Lord_Howe",  # a half-hour DST change
    "Asia/Kathmandu",  # +5:45
    "America/Chicago",
    "America/Santiago",  # midnight skipped
    "Asia/Tokyo",
]
# Where the calendar has corners.
DATES = st.one_of(
    st.dates(date(1, 1, 1), date(1, 1, 4)),
    st.dates(date(9999, 12, 27), date(9999, 12, 31)),
    st.dates(date(2011, 12, 27), date(2012, 1, 2)),
    st.dates(date(2026, 3, 6), date(2026, 3, 10)),
    st.dates(date(2026, 10, 31), date(2026, 11, 3)),
    st.dates(),
)
TIMES = st.one_of(
    st.sampled_from([time.min, time.max, time(0, 30), time(1, 30), time(2, 30), time(23, 59)]),
    st.times(),
)
OFFSETS = st.one_of(
    st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", "+23:59", "-23:59", "+05:45"]),
    st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
)


@st.composite
def bound(draw: st.DrawFn, day: date) -> str:
    """Return `day` as a bare date, a naive datetime or a datetime with an offset."""
    kind = draw(st.sampled_from(["date", "naive", "aware"]))
    if kind == "date":
        return day.isoformat()
    moment = datetime.combine(day, draw(TIMES)).isoformat()
    return moment if kind == "naive" else moment + draw(OFFSETS)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str], dict[str, str]]:
    """Return a path, query parameters and headers for one request."""
    start = draw(DATES)
    # Mostly a short window after the start (as a console asks), sometimes any end at all.
    try:
        end = start + timedelta(days=draw(st.integers(-1, 40)))
    except OverflowError:
        end = start
    if draw(st.integers(0, 4)) == 0:
        end = draw(DATES)
    params = {
        "start_date": draw(bound(start)),
        "end_date": draw(bound(end)),
        "product_context": draw(st.sampled_from(["pool", "landscape"])),
    }
    zone = draw(st.sampled_from([None, *ZONES]))
    if zone is not None:
        params["tz"] = zone
    compare = draw(st.sampled_from([None, "none", "previous_period"]))
    if compare is not None:
        params["compare"] = compare
    path = draw(st.sampled_from(PATHS))
    headers: dict[str, str] = {}
    representation = draw(st.sampled_from(["default", "json", "csv", "accept"]))
    if representation in ("json", "csv"):
        params["format"] = representation
    elif representation == "accept":
        headers["Accept"] = "text/csv"
    return path, params, headers


def check(response: httpx.Response, params: dict[str, str]) -> None:
    """Assert that `response` is a well-formed 200 or a 422 naming given parameters."""
    assert response.status_code in (200, 422), (response.status_code, params, response.text)
    if response.status_code == 422:
        assert response.headers["content-type"] == "application/json"
        named = {error["parameter"] for error in response.json()["errors"]}
        assert named, response.text
        assert named <= params.keys(), (params, response.text)
        return
    if response.headers["content-type"].startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert len(rows) >= 2, response.text
    else:
        assert response.json()["filters"]["product_context"] == params["product_context"]


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests())
@example(("/analytics/volume", {"start_date": "9999-12-31", "end_date": "9999-12-31"}, {}))
@example(("/analytics/overview", {"start_date": "9999-12-31", "end_date": "9999-12-31"}, {}))
@example(
    (
        "/analytics/sessions",
        {"start_date": "9999-12-31", "end_date": "9999-12-31", "format": "csv"},
        {},
    )
)
@example(
    (
        "/analytics/volume",
        {"start_date": "0001-01-01T02:00:00Z", "end_date": "0001-01-02", "tz": "America/Chicago"},
        {},
    )
)
@example(
    (
        "/analytics/volume",
        {"start_date": "9999-12-31T09:00:00Z", "end_date": "9999-12-31", "tz": "Etc/GMT-14"},
        {},
    )
)
@example(
    (
        "/analytics/volume",
        {"start_date": "2011-12-30", "end_date": "2011-12-30", "tz": "Pacific/Apia"},
        {},
    )
)
async def test_no_request_gets_a_500(
    client: httpx.AsyncClient, request: tuple[str, dict[str, str], dict[str, str]]
) -> None:
    path, params, headers = request
    params = {"product_context": "pool", **params}
    response = await client.get(path, params=params, headers=headers)
    check(response, params)
