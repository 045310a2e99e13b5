"""A batch of raw queries as numbers: each normalised text's hash and length, and each label.

`normalised_batch` defines a batch's normalised texts (the SQL definition's, for ASCII text in
Python); `key_numbers` gives their hashes and lengths in one C pass (`_text_keys.c`) without
building them, in the request's process, which alone hashes: Python's string hash is keyed at
random per process. Labelling, the costly part, can run anywhere (worker processes among them):
it needs only the texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from backend.app.analytics.pain_points import _text_keys
from backend.app.analytics.pain_points.keyword_rules import cluster_bytes

# The SQL definition's whitespace for ASCII text: a run of two or more, or one that is no space,
# becomes one space. The batch's texts are joined by NUL (no PostgreSQL text holds one), so that
# str methods, which run in C, treat them all at once.
_SPACES = str.maketrans("\t\n\v\f\r", "     ")
# The same for ASCII bytes, capitals lower-cased too.
_ASCII_FOLD = bytes.maketrans(
    b"\t\n\v\f\rABCDEFGHIJKLMNOPQRSTUVWXYZ", b"     abcdefghijklmnopqrstuvwxyz"
)
_SPACE, _NUL = ord(" "), 0
_SPACE_RUN = re.compile("  +")
SEPARATOR = "\x00"
# Raw texts whose labels are remembered across batches.
MEMO_ENTRIES = 50_000
# Below this share of a batch's texts labelled already (in the batch or before it), the memo
# costs more than it saves: it is given up for the rest of the stream.
MEMO_MIN_REPEATS = 0.05
# A text's hash: Python's string hash, 64 bits keyed at random per process (a test replaces it).
text_hash: Callable[[str], int] = hash


def normalised_batch(texts: Sequence[str], by_sql: Sequence[str | None]) -> list[str]:
    """Return each raw input normalised as the SQL definition does (`by_sql` where only SQL can).

    ASCII texts are worked on here, as one joined string: Python's lower() and the six ASCII
    whitespace characters are PostgreSQL's for them. The statement normalises the rest.
    """
    if not texts:
        return []
    some_by_sql = by_sql.count(None) != len(by_sql)
    if some_by_sql:
        # Only ASCII texts are worked on here: the others' place is kept by an empty one.
        texts = [text if sql is None else "" for text, sql in zip(texts, by_sql, strict=True)]
    joined = SEPARATOR.join(texts)
    keys = _ascii_keys(joined) if joined.isascii() else _keys(joined)
    if some_by_sql:
        for i, sql in enumerate(by_sql):
            if sql is not None:
                keys[i] = sql
    return keys


def key_numbers(
    texts: Sequence[str], by_sql: Sequence[str | None]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Return `text_hash(key)` and `len(key)` of each key of `normalised_batch(texts, by_sql)`."""
    hashes, lengths = _text_keys.numbers(
        texts,
        by_sql,
        _normalised_one,
        # None: Python's own string hash, which the C pass computes without building the key.
        None if text_hash is hash else text_hash,
    )
    return np.frombuffer(hashes, dtype=np.int64), np.frombuffer(lengths, dtype=np.int32)


def _normalised_one(text: str) -> str:
    """Return one text beyond ASCII, which the statement left alone, normalised in Python."""
    [key] = normalised_batch([text], [None])
    return key


def _check_hashes() -> None:
    """Refuse to load where the C pass hashes a text otherwise than Python's str hash does."""
    # It hashes the bytes as CPython hashes a str of one byte per character: an interpreter that
    # hashed them otherwise would group texts apart that are one.
    hashes, _ = _text_keys.numbers([" Pump  SEAL ", ""], [None, None], _normalised_one, None)
    if np.frombuffer(hashes, dtype=np.int64).tolist() != [hash("pump seal"), hash("")]:
        raise ImportError("_text_keys hashes texts otherwise than this interpreter's str hash")


_check_hashes()


def _ascii_keys(joined: str) -> list[str]:
    """Return the normalised texts of ASCII texts joined by SEPARATOR, by array operations."""
    if not joined:
        return [""]
    # Every whitespace character a space and every capital lower-case, in one pass.
    chars = np.frombuffer(joined.encode("ascii").translate(_ASCII_FOLD), dtype=np.uint8)
    space = chars == _SPACE
    # Each run of spaces, by where it starts and ends: only its first space can stay, and only
    # where the run lies inside a text (neither a separator nor the batch's end on either side).
    edges = np.flatnonzero(space[1:] != space[:-1]) + 1
    if space[0]:
        edges = np.insert(edges, 0, 0)
    if space[-1]:
        edges = np.append(edges, len(chars))
    starts, ends = edges[::2], edges[1::2]
    inside = (starts > 0) & (ends < len(chars))
    inside[inside] = (chars[starts[inside] - 1] != _NUL) & (chars[ends[inside]] != _NUL)
    keep = ~space
    keep[starts[inside]] = True
    normalised: bytes = chars[keep].tobytes()
    return normalised.decode("ascii").split(SEPARATOR)


def _keys(joined: str) -> list[str]:
    """Return the normalised texts of any texts joined by SEPARATOR, by str methods."""
    # Every whitespace character a space and every letter lower-case, then every run of spaces
    # one space, each in one pass over the whole batch; then the space (at most one, now) on
    # either side of each text's end goes.
    joined = joined.translate(_SPACES).lower()
    if "  " in joined:
        joined = _SPACE_RUN.sub(" ", joined)
    joined = joined.replace(" " + SEPARATOR, SEPARATOR).replace(SEPARATOR + " ", SEPARATOR)
    return joined.strip(" ").split(SEPARATOR)


class Keys(NamedTuple):
    """A batch's queries as numbers, in row order (blank rows left out), with their times."""

    hashes: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int32]
    labels: npt.NDArray[np.int8]
    times: npt.NDArray[np.int64]


def label_joined(joined: str) -> bytes:
    """Return `cluster_bytes` of the texts joined by SEPARATOR: one string is cheap to send."""
    return cluster_bytes(joined.split(SEPARATOR))


class Labelled(NamedTuple):
    """A batch keyed but for the labels of its texts not seen before, which are on their way."""

    texts: Sequence[str]
    times: Sequence[int]
    # Each row's normalised text's hash and length.
    hashes: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int32]
    # Labels of the batch's texts seen in earlier batches, and the texts still to label.
    known: dict[str, int]
    fresh: list[str]


class BatchKeys:
    """Turns batches of RawTextRow-shaped rows into Keys, remembering recent texts' labels.

    Templated logs repeat a few thousand texts, so each distinct raw text of a batch is labelled
    once, and those of recent batches not again; free text repeats almost nothing, so the memo is
    emptied when full rather than kept in order, and given up once a batch shows it does not pay.
    """

    def __init__(self) -> None:
        self._memo: dict[str, int] = {}
        # Whether the memo still pays: off for good once a batch finds few of its texts in it.
        self.remembering = True

    def prepare(self, rows: Sequence[Sequence[Any]]) -> Labelled:
        """Normalise a batch and list its texts that still need a label."""
        # Column by column: zip(*rows) over asyncpg records costs ten times as much.
        texts: list[str] = [row[0] for row in rows]
        times: list[int] = [row[1] for row in rows]
        by_sql: list[str | None] = [row[2] for row in rows]
        hashes, lengths = key_numbers(texts, by_sql)
        if not self.remembering:
            # Every text is labelled, a repeated one again: cheaper than looking each one up.
            return Labelled(texts, times, hashes, lengths, {}, texts)
        memo = self._memo
        known: dict[str, int] = {}
        fresh: list[str] = []
        for text in dict.fromkeys(texts):
            label = memo.get(text)
            if label is None:
                fresh.append(text)
            else:
                known[text] = label
        # Free text: hardly a text of the batch repeats another, in it or in earlier batches.
        self.remembering = len(fresh) <= len(texts) * (1 - MEMO_MIN_REPEATS)
        return Labelled(texts, times, hashes, lengths, known, fresh)

    def keys(self, batch: Labelled, labels: bytes) -> Keys:
        """Return the batch's Keys, its new texts labelled with `labels` (in `fresh` order)."""
        # Labelled without the memo, every text is in `fresh`, in row order.
        row_labels = labels if batch.fresh is batch.texts else self._remembered(batch, labels)
        queries = batch.lengths > 0  # a blank input is no query
        return Keys(
            batch.hashes[queries],
            batch.lengths[queries],
            np.frombuffer(row_labels, dtype=np.int8)[queries],
            np.array(batch.times, dtype=np.int64)[queries],
        )

    def _remembered(self, batch: Labelled, labels: bytes) -> bytes:
        """Remember the batch's new labels; return every row's label, in row order."""
        fresh = dict(zip(batch.fresh, labels, strict=True))
        memo = self._memo
        if len(memo) + len(fresh) > MEMO_ENTRIES:
            memo.clear()
        memo.update(fresh)
        if len(fresh) == len(batch.texts):
            # Every text new and none twice: the labels are in row order already.
            return labels
        fresh.update(batch.known)
        return bytes(map(fresh.__getitem__, batch.texts))
