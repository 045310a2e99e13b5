"""/analytics/pain-points with the local classifier, on window Q of tests/fixture_rows.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.app.analytics.pain_points.keyword_rules import classify_text
from backend.app.models.filters import ProductContext
from backend.app.models.pain_points import CLUSTER_DESCRIPTIONS, PAIN_POINT_CLUSTERS
from tests.support.endpoints import get_json
from tests.support.windows import pool_q

PATH = "/analytics/pain-points"
Q = pool_q()


def summary(body: dict[str, Any]) -> list[tuple[int, int, float | None, list[str]]]:
    """Return (cluster_id, count, percent, examples) per cluster."""
    return [(c["cluster_id"], c["count"], c["percent"], c["examples"]) for c in body["clusters"]]


async def test_every_query_lands_in_one_cluster(client: httpx.AsyncClient) -> None:
    # 13 queries: the three blank inputs are not queries; the session-less EC-40 row is one.
    # Cluster 0: hours 3 + "Hi" 1 + order 1 = 5 (38.46%); 1: pump 2 (15.38%); 2: cartridge 1
    # (7.69%); 3: SPX3200 2 + R0357800 1 + EC-40 1 = 4 (30.77%); 4: DE grids 1 (7.69%).
    # Examples most frequent first, ties by normalised text ("hi" < "where is my order?").
    body = await get_json(client, PATH, **Q)
    assert body["total_queries"] == 13
    assert body["classifier"] == "keyword"
    assert body["distinct_queries"] == 9
    assert body["texts_by_classifier"] == {"keyword": 9}
    assert body["fallback_reason"] is None
    assert summary(body) == [
        (0, 5, 38.46, ["What are your hours on Saturday?", "Hi", "Where is my order?"]),
        (1, 2, 15.38, ["Which pump would you recommend for a 20,000 gallon pool?"]),
        (2, 1, 7.69, ["I need a replacement cartridge for a Pentair CCP520"]),
        (
            3,
            4,
            30.77,
            [
                "Do you have SPX3200 in stock?",
                "Do you have EC-40 in stock?",
                "Is R0357800 available?",
            ],
        ),
        (4, 1, 7.69, ["How do I reassemble the DE filter grids?"]),
    ]
    assert [c["label"] for c in body["clusters"]] == [
        "General branch hours / orders / pool questions",
        "Pump recommendations \u2013 product discovery",
        "Replacement filter parts \u2013 maintenance needs",
        "Stock availability by part number \u2013 inventory checks",
        "DE filter assembly \u2013 technical support",
    ]
    assert sum(c["count"] for c in body["clusters"]) == body["total_queries"]


async def test_filters_apply(client: httpx.AsyncClient) -> None:
    # Only "Hi" is staging.
    body = await get_json(client, PATH, **Q, environment="staging")
    assert body["total_queries"] == 1
    assert summary(body)[0] == (0, 1, 100.0, ["Hi"])
    assert [c["count"] for c in body["clusters"][1:]] == [0, 0, 0, 0]


async def test_examples_come_from_the_window(client: httpx.AsyncClient) -> None:
    # 09-01 .. 09-06 holds the hours rows, the order, "Hi" and one pump row.
    body = await get_json(client, PATH, **{**Q, "end_date": "2025-09-06"})
    assert body["total_queries"] == 6
    assert summary(body)[0][3] == ["What are your hours on Saturday?", "Hi", "Where is my order?"]
    assert summary(body)[1][1:] == (
        1,
        16.67,
        ["Which pump would you recommend for a 20,000 gallon pool?"],
    )
    assert [c["examples"] for c in body["clusters"][2:]] == [[], [], []]


async def test_empty_window(client: httpx.AsyncClient) -> None:
    body = await get_json(
        client, PATH, **{**Q, "start_date": "2025-07-01", "end_date": "2025-07-03"}
    )
    assert body["total_queries"] == 0
    assert body["distinct_queries"] == 0
    assert summary(body) == [(i, 0, None, []) for i in range(5)]


async def test_each_cluster_says_what_it_holds_for_the_product(client: httpx.AsyncClient) -> None:
    pool = await get_json(client, "/analytics/pain-points", **pool_q())
    landscape = await get_json(
        client, "/analytics/pain-points", **pool_q(product_context="landscape")
    )
    pool_texts = [cluster["description"] for cluster in pool["clusters"]]
    landscape_texts = [cluster["description"] for cluster in landscape["clusters"]]
    assert pool_texts == list(CLUSTER_DESCRIPTIONS[ProductContext.POOL])
    assert landscape_texts == list(CLUSTER_DESCRIPTIONS[ProductContext.LANDSCAPE])
    # Each product has its own words, and the label stays the agreed one.
    assert all(a != b for a, b in zip(pool_texts, landscape_texts, strict=True))
    assert [c["label"] for c in landscape["clusters"]] == list(PAIN_POINT_CLUSTERS)


@pytest.mark.parametrize(
    ("cluster", "word", "question"),
    [
        (0, "pavers", "do you have pavers at the north branch"),
        (0, "grass seed", "what grass seed grows in shade"),
        (1, "rotors", "which rotors should I buy for a big lawn"),
        (1, "controllers", "best smart irrigation controllers"),
        (2, "diaphragms", "replacement diaphragm for my hunter valve"),
        (3, "part or model number", "is PGP-ADJ in stock"),
    ],
)
def test_the_landscape_descriptions_say_where_questions_go(
    cluster: int, word: str, question: str
) -> None:
    # What a description promises a landscape reader is where the classifier puts such a question.
    words = CLUSTER_DESCRIPTIONS[ProductContext.LANDSCAPE][cluster].replace(
        "diaphragms", "diaphragm"
    )
    assert word.rstrip("s") in words
    assert classify_text(question) == cluster
