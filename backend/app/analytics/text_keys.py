"""Each raw query as three numbers: its normalised text's hash and length, and its label.

This is the per-row work of pain points' fast path, done in the request's process and in worker
processes alike: the same seed gives the same hash in every process. Each process remembers the
keys of the raw texts it saw last, as templated logs repeat a few thousand texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import xxhash

from backend.app.analytics.keyword_rules import classify_text

# The SQL definition's whitespace for ASCII text: a run of two or more, or one that is no space.
_WHITESPACE_RUN = re.compile(r"[ \t\n\v\f\r]{2,}|[\t\n\v\f\r]")
# Raw texts remembered with their key; emptied when full (free text repeats almost nothing).
MEMO_ENTRIES = 50_000
# The label of a blank input, which is no query.
BLANK = -1


def text_hash(text: str, seed: int) -> int:
    """Return the 64-bit hash of a normalised text, keyed by `seed` (a test replaces it)."""
    return xxhash.xxh3_64_intdigest(text.encode(), seed)


def normalised(text: str, by_sql: str | None) -> str:
    """Return a raw input normalised as the SQL definition does (`by_sql` where only SQL can)."""
    if by_sql is not None:
        return by_sql
    # ASCII only here (the statement normalises the rest): Python's lower() and this whitespace
    # are PostgreSQL's for ASCII.
    if "  " in text or not text.isprintable():
        text = _WHITESPACE_RUN.sub(" ", text)
    return text.strip(" ").lower()


class Keys(NamedTuple):
    """A batch's rows as numbers, in row order; a blank row has label BLANK."""

    hashes: npt.NDArray[np.uint64]
    lengths: npt.NDArray[np.int32]
    labels: npt.NDArray[np.int8]


_memo: dict[str, tuple[int, int, int]] = {}
_memo_seed: list[int] = [0]


def keys_of(texts: Sequence[str], by_sql: Sequence[str | None], seed: int) -> Keys:
    """Return the key of each raw text: hash and length of its normalised form, and its label.

    A row's label is its own spelling's: spellings of one text differ only in case and spaces,
    and where that changes a label, grouping notices and labels the text from its spelling.
    """
    memo = _memo
    if len(memo) > MEMO_ENTRIES or _memo_seed[0] != seed:
        memo.clear()
        _memo_seed[0] = seed
    hashes: list[int] = []
    lengths: list[int] = []
    labels: list[int] = []
    for text, sql in zip(texts, by_sql, strict=True):
        known = memo.get(text)
        if known is None:
            key = normalised(text, sql)
            known = (text_hash(key, seed), len(key), classify_text(text)) if key else (0, 0, BLANK)
            memo[text] = known
        hashes.append(known[0])
        lengths.append(known[1])
        labels.append(known[2])
    return Keys(
        np.array(hashes, dtype=np.uint64),
        np.array(lengths, dtype=np.int32),
        np.array(labels, dtype=np.int8),
    )
