"""Changes that tell signal from noise: each test's p-value and the discoveries among them.

Every p-value here is worked out by hand, with the formula in the comment: from the fixture rows
(tests/fixture_rows.py) or from rows the test inserts itself.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app.analytics.registry import KPIS
from backend.app.analytics.runner import statements
from backend.app.analytics.significance import (
    Sample,
    discoveries,
    poisson_p,
    two_proportions_p,
    welch_p,
)
from backend.app.analytics.window import Window
from backend.app.models.filters import AnalyticsFilters
from tests.fixture_rows import Row
from tests.support.apps import running_app
from tests.support.databases import insert_rows, scratch_database
from tests.support.endpoints import get_json
from tests.support.sql_log import DIALECT
from tests.support.windows import pool, pool_u

PREVIOUS = {"compare": "previous_period"}


def binomial(n: int, k: int, q: float) -> float:
    """Return P(X = k) for X ~ Binomial(n, q)."""
    return math.comb(n, k) * q**k * (1 - q) ** (n - k)


def verdict(entry: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Return what a change says of its test: which, its p-value, and whether significant."""
    return entry["test"], entry["p_value"], entry["significant"]


# The statistics alone, on numbers small enough to follow.


def test_poisson_is_the_exact_binomial_test_given_the_total() -> None:
    # 7 events against 1 over equal exposures: 7 ~ Binomial(8, 1/2). P(7) = 8/256; the outcomes
    # no more likely are 0, 1, 7 and 8: (1 + 8 + 8 + 1) / 256.
    assert poisson_p(7, 3600.0, 1, 3600.0) == pytest.approx(18 / 256, rel=1e-12)
    # Over exposures of 47 and 48 hours, 3 against 1: 3 ~ Binomial(4, 47/95). P(1) > P(3) there,
    # so only 0, 3 and 4 are as unlikely as 3.
    q = 47 / 95
    by_hand = binomial(4, 0, q) + binomial(4, 3, q) + binomial(4, 4, q)
    assert binomial(4, 1, q) > binomial(4, 3, q)
    assert poisson_p(3, 47.0, 1, 48.0) == pytest.approx(by_hand, rel=1e-12)
    # Over equal exposures P(1) = P(3), and 1 counts too: (1 + 4 + 4 + 1) / 16.
    assert poisson_p(3, 48.0, 1, 48.0) == pytest.approx(10 / 16, rel=1e-12)


def test_two_proportions_is_the_pooled_z_test() -> None:
    # 2 of 4 against 4 of 5: pooled p = 6/9, variance p (1 - p) (1/4 + 1/5) = 2/9 * 9/20 = 1/10,
    # z = (0.5 - 0.8) / sqrt(0.1), p-value erfc(|z| / sqrt 2).
    by_hand = math.erfc(0.3 / math.sqrt(0.1) / math.sqrt(2))
    assert two_proportions_p(2, 4, 4, 5) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.34278, abs=1e-5)


def test_welch_on_two_short_lists() -> None:
    # [1, 2, 3] against [4, 5, 6]: means 2 and 5, variances 1 and 1, standard error
    # sqrt(1/3 + 1/3), t = -3 / sqrt(2/3); degrees of freedom (2/3)^2 / ((1/3)^2/2 * 2) = 4, where
    # Student's CDF is F(t) = 1/2 + 3/8 x (1 - x^2 / 12) / ... with x = t / sqrt(1 + t^2/4):
    # F(t) = 1/2 + (3/8) (t / s) (1 - t^2 / (12 s^2)), s = sqrt(1 + t^2 / 4).
    t = -3 / math.sqrt(2 / 3)
    s = math.sqrt(1 + t * t / 4)
    cdf = 0.5 + 3 / 8 * (t / s) * (1 - t * t / (12 * s * s))
    assert welch_p(Sample(3, 2.0, 1.0), Sample(3, 5.0, 1.0)) == pytest.approx(2 * cdf, rel=1e-9)
    # [2, 3] against [3, 3, 3, 3]: t = -0.5 / sqrt(0.5/2) = -1 on 1 degree of freedom (all the
    # variance is the first list's), where Student's t is Cauchy: 2 (1/2 - atan(1)/pi) = 1/2.
    assert welch_p(Sample(2, 2.5, 0.5), Sample(4, 3.0, 0.0)) == pytest.approx(0.5, rel=1e-9)


def test_undefined_tests_give_none() -> None:
    assert poisson_p(0, 10.0, 0, 10.0) is None  # no events
    assert poisson_p(3, 0.0, 1, 10.0) is None  # a window that has not begun
    assert two_proportions_p(1, 0, 1, 2) is None  # a zero denominator
    assert two_proportions_p(0, 4, 0, 5) is None  # pooled 0
    assert two_proportions_p(4, 4, 5, 5) is None  # pooled 1
    assert welch_p(Sample(1, 2.0, None), Sample(4, 3.0, 1.0)) is None  # fewer than 2 units
    assert welch_p(Sample(0, None, None), Sample(4, 3.0, 1.0)) is None
    assert welch_p(Sample(3, 2.0, 0.0), Sample(2, 5.0, 0.0)) is None  # two constant samples


def test_benjamini_hochberg() -> None:
    # m = 4, thresholds 0.05 k / 4: 0.0125, 0.025, 0.0375, 0.05. Sorted: 0.01 passes its 0.0125,
    # 0.03 fails 0.025, 0.04 fails 0.0375, 0.2 fails 0.05: k = 1. 0.03 and 0.04 are under 0.05
    # alone, but not discoveries among four.
    assert discoveries([0.04, 0.01, 0.2, 0.03]) == [False, True, False, False]
    # Step-up: sorted 0.012, 0.03, 0.035, 0.05 against 0.0125, 0.025, 0.0375, 0.05. 0.03 fails its
    # own rank's threshold, but rank 4 passes (0.05 <= 0.05): k = 4, and every one is a discovery.
    assert discoveries([0.05, 0.03, 0.012, 0.035]) == [True] * 4
    # Ties: four times 0.03, rank 4 passes 0.05.
    assert discoveries([0.03] * 4) == [True] * 4
    assert discoveries([0.06]) == [False]
    assert discoveries([]) == []


# Through the endpoints, on the fixture rows.


async def test_session_counts_and_their_family(client: httpx.AsyncClient) -> None:
    # W = 06-01 .. 06-07 against 05-25 .. 05-31 (see test_compare): 7 sessions against 1, both
    # windows 7 whole days long: 18/256 (above). Feedback 2 against 0 each: 2 ~ Binomial(2, 1/2),
    # P(2) = 1/4 = P(0): 1/2.
    changes = (await get_json(client, "/analytics/sessions", **pool(**PREVIOUS)))["changes"]
    assert verdict(changes["total_sessions"])[:2] == ("poisson", pytest.approx(18 / 256))
    assert verdict(changes["negative_feedback_sessions"])[:2] == ("poisson", 0.5)
    assert verdict(changes["positive_feedback_sessions"])[:2] == ("poisson", 0.5)
    # The previous window has one session: a mean over fewer than 2 units has no test.
    assert verdict(changes["avg_session_duration_seconds"]) == ("welch", None, None)
    # Percentiles take no test.
    assert verdict(changes["median_session_duration_seconds"]) == (None, None, None)
    assert verdict(changes["p90_session_duration_seconds"]) == (None, None, None)
    # m = 3: 0.0703 fails 0.05/3, 0.5 fails 0.1/3 and 0.05: nothing is a discovery.
    assert [changes[name]["significant"] for name in list(changes)[:3]] == [False] * 3


async def test_retention_shares_and_returning_users(client: httpx.AsyncClient) -> None:
    # 08-10 .. 08-12 against 08-07 .. 08-09 (see test_compare): 4 users, 2 returning (m11a 2
    # sessions, m11b 3), 2 one-time; before, 5 users, 4 returning (3 sessions each), 1 one-time.
    params = pool_u(start_date="2025-08-10", end_date="2025-08-12", **PREVIOUS)
    retention = (await get_json(client, "/analytics/retention", **params))["changes"]
    pooled_z = math.erfc(0.3 / math.sqrt(0.1) / math.sqrt(2))
    # 2 of 4 against 4 of 5 (above); 2 of 4 against 1 of 5: pooled 1/3, the same variance 1/10
    # and the same |z| = 0.3 / sqrt(0.1).
    assert verdict(retention["returning_users_pct"])[:2] == (
        "two_proportions",
        pytest.approx(pooled_z),
    )
    assert verdict(retention["one_time_users_pct"])[:2] == (
        "two_proportions",
        pytest.approx(pooled_z),
    )
    # 4 against 5 users: 4 ~ Binomial(9, 1/2), whose P(4) = P(5) is the largest: every outcome
    # counts, 1. Returning 2 against 4: Binomial(6, 1/2), P(2) = 15/64; all but 3: 44/64.
    assert verdict(retention["unique_users"])[:2] == ("poisson", pytest.approx(1.0))
    assert verdict(retention["returning_users"])[:2] == ("poisson", pytest.approx(44 / 64))
    returning = (await get_json(client, "/analytics/returning-users", **params))["changes"]
    # Sessions of returning users [2, 3] against [3, 3, 3, 3], and their spans in days [1, 2]
    # (m11a 08-10 .. 08-11, m11b 08-10 .. 08-12) against [2, 2, 2, 2]: both t = -1 on 1 degree of
    # freedom, Cauchy: 1/2 (above).
    assert verdict(returning["avg_sessions_per_returning_user"])[:2] == (
        "welch",
        pytest.approx(0.5),
    )
    assert verdict(returning["avg_days_first_to_last_chat"])[:2] == ("welch", pytest.approx(0.5))


async def test_segments_are_compared_item_by_item(client: httpx.AsyncClient) -> None:
    # The same windows: power 0 against 0, regular (3-9) 1 (m11b) against 4, casual (2) 1 (m11a)
    # against 0, one-time 2 (p10, c02) against 1 (r03).
    params = pool_u(start_date="2025-08-10", end_date="2025-08-12", **PREVIOUS)
    body = await get_json(client, "/analytics/segments", **params)
    items = body["changes"]["segments"]
    # In the body's order, keyed by segment.
    assert [item["segment"] for item in items] == [s["segment"] for s in body["segments"]]
    by_key = {item["segment"]: item for item in items}
    # No user in either window: no test is defined.
    assert verdict(by_key["power"]["users"])[:2] == ("poisson", None)
    assert verdict(by_key["power"]["percent"]) == ("two_proportions", None, None)
    # Regular 1 against 4: Binomial(5, 1/2), P(1) = 5/32; 0, 1, 4, 5: 12/32. Its share, 1 of 4
    # against 4 of 5: pooled 5/9, variance 5/9 * 4/9 * 9/20 = 1/9, z = -0.55 * 3.
    assert verdict(by_key["regular"]["users"])[:2] == ("poisson", pytest.approx(12 / 32))
    share_z = math.erfc(0.55 * 3 / math.sqrt(2))
    assert verdict(by_key["regular"]["percent"])[:2] == (
        "two_proportions",
        pytest.approx(share_z),
    )
    assert by_key["regular"]["users"]["current"] == 1
    assert by_key["regular"]["users"]["delta"] == -3.0


async def test_a_dst_week_counts_its_hour(client: httpx.AsyncClient) -> None:
    # Chicago 03-08 .. 03-09 (47 hours: 03-08 has 23) against 03-06 .. 03-07 (48 hours), 3
    # sessions against 1 (see test_compare): 3 ~ Binomial(4, 47/95), as above; over equal
    # exposures it would be 10/16.
    params = {
        "start_date": "2026-03-08",
        "end_date": "2026-03-09",
        "product_context": "pool",
        "tz": "America/Chicago",
        **PREVIOUS,
    }
    changes = (await get_json(client, "/analytics/volume", **params))["changes"]
    q = 47 / 95
    by_hand = binomial(4, 0, q) + binomial(4, 3, q) + binomial(4, 4, q)
    assert verdict(changes["total_sessions"])[:2] == ("poisson", pytest.approx(by_hand))
    # The mean per day is a rate of the same sessions: the same test.
    assert verdict(changes["avg_sessions_per_day"])[:2] == ("poisson", pytest.approx(by_hand))
    assert verdict(changes["days"]) == (None, None, None)
    assert verdict(changes["elapsed_days"]) == (None, None, None)


async def test_empty_windows_give_null(client: httpx.AsyncClient) -> None:
    # 2025-12-01 .. 12-02 and the two days before hold no row: no count has an event.
    params = pool(start_date="2025-12-01", end_date="2025-12-02", **PREVIOUS)
    overview = await get_json(client, "/analytics/overview", **params)
    checked = 0
    for section, changes in overview["changes"].items():
        for entry in changes.values():
            # A list's items hold their key and a change per number.
            for change in entry if isinstance(entry, list) else [{"": entry}]:
                for value in change.values():
                    if isinstance(value, dict):
                        assert (value["p_value"], value["significant"]) == (None, None), section
                        checked += 1
    # 26 top-level numbers (sessions 6, pain points 2, volume 4, engagement 3, retention 5,
    # categories 1, tools 1, returning users 3, segments 1), and 2 per item of 5 clusters, 12
    # categories, 11 tools and 4 segments.
    assert checked == 26 + 2 * (5 + 12 + 11 + 4)


# Families where a change under 0.05 is, or is not, a discovery: rows of our own.

DAY = datetime(2025, 3, 10)


def _family_rows() -> list[Row]:
    """Return 13 one-row sessions on 03-10 and 4 on 03-09, in two environments.

    In `alone` no session has feedback; in `among`, two sessions of each day are negative.
    """
    rows = []
    for environment in ("alone", "among"):
        for day, sessions in ((DAY, 13), (DAY - timedelta(days=1), 4)):
            for n in range(sessions):
                feedback = "negative" if environment == "among" and n < 2 else None
                when = day + timedelta(hours=1, minutes=n)
                session = f"{environment}-{day.day}-{n}"
                rows.append(Row(when, f"user-{n}", session, feedback, environment))
    return rows


@pytest.fixture(scope="module")
async def family_client(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of the app on the family rows."""

    async def fill(connection: asyncpg.Connection) -> None:
        await insert_rows(connection, "interaction_log", _family_rows())

    async with (
        scratch_database(server_url, "families", fill) as url,
        running_app(url) as (_, client),
    ):
        yield client


def _sessions(environment: str) -> dict[str, str]:
    return {
        "start_date": "2025-03-10",
        "end_date": "2025-03-10",
        "product_context": "pool",
        "environment": environment,
        **PREVIOUS,
    }


# 13 sessions against 4 over two whole days: 13 ~ Binomial(17, 1/2); the outcomes no more likely
# than 13 are 0-4 and 13-17: 2 (C(17,13) + C(17,14) + C(17,15) + C(17,16) + 1) / 2^17
# = 2 * 3214 / 131072 = 0.0490.
THIRTEEN_AGAINST_FOUR = 2 * (2380 + 680 + 136 + 17 + 1) / 2**17


async def test_a_change_alone_under_005_is_a_discovery(family_client: httpx.AsyncClient) -> None:
    changes = (await get_json(family_client, "/analytics/sessions", **_sessions("alone")))[
        "changes"
    ]
    # No feedback in either window (no event), and every session lasts 0 s in both (two constant
    # samples): the family is the one p-value, and 0.049 <= 0.05 * 1 / 1.
    assert verdict(changes["total_sessions"]) == (
        "poisson",
        pytest.approx(THIRTEEN_AGAINST_FOUR),
        True,
    )
    assert verdict(changes["negative_feedback_sessions"]) == ("poisson", None, None)
    assert verdict(changes["avg_session_duration_seconds"]) == ("welch", None, None)


async def test_the_same_change_among_others_is_not(family_client: httpx.AsyncClient) -> None:
    changes = (await get_json(family_client, "/analytics/sessions", **_sessions("among")))[
        "changes"
    ]
    # The same 13 against 4, and negative feedback 2 against 2: Binomial(4, 1/2), P(2) the
    # largest, p = 1. m = 2: 0.049 fails 0.05 * 1 / 2, 1 fails 0.05: no discovery, though 0.049
    # is under 0.05 alone.
    assert verdict(changes["total_sessions"]) == (
        "poisson",
        pytest.approx(THIRTEEN_AGAINST_FOUR),
        False,
    )
    assert verdict(changes["negative_feedback_sessions"]) == ("poisson", pytest.approx(1.0), False)


# The SQL: the units behind the means ride on the statements that compute the means.


def _compiled(samples: bool) -> dict[str, str]:
    filters = AnalyticsFilters.model_validate(pool())
    built = statements(KPIS, Window(filters, datetime(2026, 1, 1, tzinfo=UTC)), samples=samples)
    return {
        grain.value: str(statement.select.compile(dialect=DIALECT))
        for grain, statement in built.items()
    }


def test_the_units_of_the_means_are_computed_only_under_compare() -> None:
    plain, compared = _compiled(samples=False), _compiled(samples=True)
    # One statement per grain either way.
    assert plain.keys() == compared.keys() == {"session", "user", "query_text"}
    assert not any("var_samp" in sql for sql in plain.values())
    # Session durations on the session grain; sessions per user, per returning user and spans
    # on the user grain; nothing on the streamed texts.
    assert compared["session"].count("var_samp(") == 1
    assert compared["user"].count("var_samp(") == 3
    assert compared["query_text"] == plain["query_text"]
    assert "sessions__avg_session_duration_seconds__variance" in compared["session"]
