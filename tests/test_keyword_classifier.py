"""The local classifier on a labelled set of pool-supply queries written for this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.app.analytics.keyword_rules import KeywordClassifier, classify_text, part_numbers

LABELLED = Path(__file__).parent / "data" / "pain_point_queries.tsv"
ACCURACY_FLOOR = 0.90


def _labelled() -> list[tuple[int, str]]:
    rows = []
    for line in LABELLED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            cluster, text = line.split("\t", 1)
            rows.append((int(cluster), text))
    return rows


def test_labelled_set_is_big_enough() -> None:
    rows = _labelled()
    assert len(rows) >= 100
    for cluster in range(5):
        assert sum(1 for c, _ in rows if c == cluster) >= 20


async def test_accuracy_on_the_labelled_set(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _labelled()
    predicted = await KeywordClassifier().classify([text for _, text in rows])
    matrix = [[0] * 5 for _ in range(5)]
    for (truth, _), guess in zip(rows, predicted, strict=True):
        matrix[truth][guess] += 1
    accuracy = sum(matrix[i][i] for i in range(5)) / len(rows)
    with capsys.disabled():
        print(f"\nkeyword classifier: {accuracy:.1%} of {len(rows)} (rows: truth, cols: predicted)")
        for truth, counts in enumerate(matrix):
            print(f"  {truth}: " + " ".join(f"{n:3d}" for n in counts))
        for (truth, text), guess in zip(rows, predicted, strict=True):
            if truth != guess:
                print(f"  missed: {truth} -> {guess}  {text}")
    assert accuracy >= ACCURACY_FLOOR


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Do you have SP2610X15 in stock?", ["sp2610x15"]),
        ("price on EC-40 and R0357800", ["ec-40", "r0357800"]),
        ("is 355029 available", ["355029"]),
        ("is 39-0057 available", ["39-0057"]),
        ("status of order 4410982", []),
        ("nearest branch to 33410", []),
        ("best heat pump for a 15x30 pool, 1.5hp", []),
        ("how much shock for 20,000 gallons", []),
    ],
)
def test_part_number_shapes(text: str, parts: list[str]) -> None:
    assert part_numbers(text) == parts


def test_same_text_same_cluster() -> None:
    # Deterministic: the rules depend on the text alone.
    text = "Do you have SPX3200 in stock?"
    assert {classify_text(text) for _ in range(3)} == {3}
