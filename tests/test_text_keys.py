"""The compiled text keys (`_text_keys.c`): each normalised text's hash and length, as Python's.

`key_numbers(texts, by_sql)` must give exactly `text_hash(key)` and `len(key)` for each key of
`normalised_batch(texts, by_sql)`, the definition the exact path is checked against; pain points'
groups are these numbers.
"""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from backend.app.analytics.pain_points import _text_keys, text_keys
from backend.app.analytics.pain_points.text_keys import key_numbers, normalised_batch


def _expected(texts: list[str], by_sql: list[str | None]) -> tuple[list[int], list[int]]:
    """Return the hashes and lengths of the batch's keys, computed from the keys themselves."""
    keys = normalised_batch(texts, by_sql)
    return [text_keys.text_hash(key) for key in keys], [len(key) for key in keys]


def _numbers(texts: list[str], by_sql: list[str | None]) -> tuple[list[int], list[int]]:
    """Return key_numbers' hashes and lengths as lists."""
    hashes, lengths = key_numbers(texts, by_sql)
    return hashes.tolist(), lengths.tolist()


# Every kind of byte the normalisation treats apart: the six ASCII whitespace characters, other
# control characters (no whitespace to PostgreSQL's \s for ASCII), capitals either side of the
# alphabet's ends, digits, punctuation, DEL.
ALPHABET = " \t\n\x0b\x0c\rAZaz@[`{09-_.\x01\x08\x0e\x1c\x1f\x7f"


def test_every_ascii_text_of_one_or_two_characters() -> None:
    characters = [chr(code) for code in range(1, 128)]
    texts = ["", *characters, *(a + b for a in characters for b in characters)]
    by_sql: list[str | None] = [None] * len(texts)
    assert _numbers(texts, by_sql) == _expected(texts, by_sql)


def test_made_up_batches_of_runs_ends_and_capitals() -> None:
    # 3,000 batches of up to 40 texts of up to 16 characters, each drawn from ALPHABET: runs of
    # mixed whitespace at either end and inside, and texts of whitespace only.
    draw = random.Random(28)
    for _ in range(3000):
        texts = [
            "".join(draw.choice(ALPHABET) for _ in range(draw.randrange(17)))
            for _ in range(draw.randrange(1, 41))
        ]
        by_sql: list[str | None] = [None] * len(texts)
        assert _numbers(texts, by_sql) == _expected(texts, by_sql), texts


def test_a_key_from_sql_is_taken_as_it_is() -> None:
    # The statement's key stands for its row, whatever the raw text: here it differs on purpose.
    texts = ["Caf\u00e9  AU lait", "plain ASCII", "  \u00c9t\u00e9  "]
    by_sql: list[str | None] = ["caf\u00e9 au lait", None, "SQL said so"]
    # "café au lait" is 12 characters, "plain ascii" and "SQL said so" 11 each.
    assert _numbers(texts, by_sql) == (
        [hash("caf\u00e9 au lait"), hash("plain ascii"), hash("SQL said so")],
        [12, 11, 11],
    )


def test_a_text_beyond_ascii_with_no_sql_key_is_normalised_by_python() -> None:
    texts = [" CAF\u00c9  au\tlait ", "\u00c9t\u00c9\n"]
    by_sql: list[str | None] = [None, None]
    # Spaces folded and trimmed, capitals lowered, É too: "café au lait" (12), "été" (3).
    assert _numbers(texts, by_sql) == ([hash("caf\u00e9 au lait"), hash("\u00e9t\u00e9")], [12, 3])


def test_the_hash_is_text_hash_when_a_test_replaces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Replaced, text_hash is called with each key, which the C pass then builds as a str.
    monkeypatch.setattr(text_keys, "text_hash", lambda key: zlib.crc32(key.encode()) - 2**31)
    texts = ["  Hello\t\tWORLD ", "", "\u00c9t\u00e9", "x"]
    by_sql: list[str | None] = [None, None, None, "from sql"]
    hashes, lengths = _numbers(texts, by_sql)
    assert hashes == [
        zlib.crc32(key.encode()) - 2**31 for key in ("hello world", "", "\u00e9t\u00e9", "from sql")
    ]
    assert (hashes, lengths) == _expected(texts, by_sql)


def test_a_text_of_megabytes() -> None:
    text = ("Pump  " * 400_000) + "\t"
    assert _numbers([text, "a"], [None, None]) == _expected([text, "a"], [None, None])


def test_the_callers_lists_changed_by_a_callback_are_not_what_is_read() -> None:
    texts = ["\u00c9t\u00e9", "Second  Text", "third"]
    by_sql: list[str | None] = [None, None, None]
    expected = _expected(list(texts), list(by_sql))

    def normalise(text: str) -> str:
        # Run at the first text: empties both lists the caller passed, and the texts read after
        # it are still the ones passed.
        texts.clear()
        by_sql.clear()
        return text.lower()

    hashes, lengths = _text_keys.numbers(texts, by_sql, normalise, None)
    assert np.frombuffer(hashes, np.int64).tolist() == expected[0]
    assert np.frombuffer(lengths, np.int32).tolist() == expected[1]


@pytest.mark.parametrize(
    ("texts", "by_sql", "normalise", "text_hash", "error", "match"),
    [
        (["a", "b"], [None], str.lower, None, ValueError, "differ in length"),
        ([b"bytes"], [None], str.lower, None, TypeError, "texts must be str"),
        (["a"], [b"bytes"], str.lower, None, TypeError, "must be str"),
        (["\u00e9"], [None], lambda text: 1, None, TypeError, "must be str"),
        (["a"], [None], str.lower, lambda key: "no int", TypeError, "integer"),
        (["a"], [None], None, None, TypeError, "callable"),
        # No PostgreSQL text holds one, and normalised_batch joins a batch's texts by it.
        (["a\x00b"], [None], str.lower, None, ValueError, "NUL"),
    ],
)
def test_what_it_refuses(
    texts: list[object],
    by_sql: list[object],
    normalise: object,
    text_hash: object,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        _text_keys.numbers(texts, by_sql, normalise, text_hash)  # type: ignore[arg-type]
