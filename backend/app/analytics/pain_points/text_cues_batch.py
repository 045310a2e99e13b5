"""The cue bits of many texts at once: one automaton pass and a few array operations per batch.

The ASCII texts of a batch become one haystack: each text after a newline, its tokens joined by
two spaces as `text_cues.cue_bits` joins them, with two spaces on each side instead of one. No
vocabulary entry holds a newline, so no match crosses one; every entry starts with a space then
a token and ends with a token then a space, so the spaces added on each side start or end no
match. The automaton thus finds, text by text, the very entries `cue_bits` finds in each text
alone, in the same order. Texts beyond ASCII, and small batches, are read one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

import numpy as np
import numpy.typing as npt
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from backend.app.analytics.pain_points.text_cues import (
    _ASCII_SPACED,
    _CAPITAL_DE,
    _CARTRIDGE,
    _CODE_CONTEXT,
    _DE,
    _DE_WORD,
    _NOT_A_PART,
    _NUMBER,
    _PART_NUMBER,
    _SPANISH,
    _UNITS,
    _number_cue,
    _shape,
    cue_bits,
    lexicon,
)
from backend.app.analytics.pain_points.text_tolerance import MIN_TOKEN_LENGTH, tolerance

Bits = npt.NDArray[np.int64]
Positions = npt.NDArray[np.intp]
Chars = npt.NDArray[np.uint8]

_SPACE, _NEWLINE, _ZERO, _DASH = ord(" "), ord("\n"), ord("0"), ord("-")
# The haystack's letters (lower-case: `_BATCH_SPACED` folds capitals), and what lies between its
# tokens.
_LOWER_A, _LETTER_COUNT = ord("a"), 26
_BETWEEN = np.zeros(256, dtype=bool)
_BETWEEN[[_SPACE, _NEWLINE]] = True
# `cue_bits`'s ASCII table, with 0x80, a byte no ASCII text holds, as the newline between texts.
_BATCH_SPACED = _ASCII_SPACED[:0x80] + b"\n" + _ASCII_SPACED[0x81:]
# Between two texts: the spaces keep the newline off their tokens.
_TEXT_BREAK = " \x80 "
# Above every cue bit: the automaton's match of a newline, where the next text starts.
_NEXT_TEXT = 1 << 62
_CUE_MASK = _NEXT_TEXT - 1
# Whitespace no haystack token holds. The newline's matches say where each text starts; the
# four together leave the automaton no few first bytes to skip to, and its scan is faster so.
_GUARDS = ("\n", "\t", "\x0b", "\x0c")
# Fewer texts are read one by one: the array operations would cost more than they save.
_SMALL_BATCH = 24
# A token with a digit or a dash reads by itself and the tokens beside it, and by where its
# digits are, not which they are: "order  00000000  thanks" is read once for every order number.
# The context with its digits as 0 is the key, then, with the reading or `_DIGITS_MATTER`.
# (Bounded: cleared when full, as phone numbers and the like make it grow.)
_READINGS: dict[str, int] = {}
_READINGS_REMEMBERED = 1 << 16
_UNREAD, _DIGITS_MATTER = -1, -2
# The contexts where which digits matter (a token of them, digits as 0, is a vocabulary word or a
# unit with digits: "5000" is one, so any "0000" may be), by the context as it is.
_EXACT_READINGS: dict[str, int] = {}
_ZEROED = bytes(ord("0") if chr(i) in "0123456789" else i for i in range(256))
_ZEROED_TEXT = str.maketrans("0123456789", "0" * 10)


@cache
def _zeroed_words() -> frozenset[str]:
    """Return the vocabulary words and units that hold a digit, with their digits as 0."""
    return frozenset(
        word.translate(_ZEROED_TEXT)
        for word in (*lexicon().words, *_UNITS)
        if any(ch in "0123456789" for ch in word)
    )


@dataclass(frozen=True)
class BatchLexicon:
    """The lexicon's automaton with the guards, and each entry's cue bits as 8 bytes."""

    automaton: AhoCorasick
    packed: dict[str, bytes]


@cache
def batch_lexicon() -> BatchLexicon:
    """Build the batch automaton from the lexicon once."""
    cues = lexicon().cues
    if any(guard in entry for entry in cues for guard in _GUARDS):
        raise ValueError("a vocabulary entry holds a newline or a tab")
    automaton = AhoCorasick(
        [*cues, *_GUARDS],
        matchkind=MatchKind.LeftmostLongest,
        implementation=Implementation.ContiguousNFA,
        store_patterns=True,
    )
    packed = {entry: bits.to_bytes(8, "little") for entry, bits in cues.items()}
    packed["\n"] = _NEXT_TEXT.to_bytes(8, "little")
    return BatchLexicon(automaton, packed)


def cue_bits_batch(texts: Sequence[str]) -> list[int]:
    """Return `[cue_bits(text) for text in texts]`, reading the ASCII texts in one pass."""
    if all(map(str.isascii, texts)):
        return _ascii_bits(texts)
    read = iter(_ascii_bits([text for text in texts if text.isascii()]))
    return [next(read) if text.isascii() else cue_bits(text) for text in texts]


def haystack_bytes(texts: Sequence[str]) -> bytes:
    """Return ASCII `texts` as the automaton reads them: each after a newline, two spaces around."""
    spaced = np.frombuffer(
        ("\x80  " + _TEXT_BREAK.join(texts) + "  ").encode("latin-1").translate(_BATCH_SPACED),
        dtype=np.uint8,
    )
    # Each run of spaces as two spaces: between two tokens, and on each side of a newline.
    space = spaced == _SPACE
    first = space.copy()
    first[1:] &= ~space[:-1]
    return np.repeat(spaced, (~space).view(np.uint8) + 2 * first.view(np.uint8)).tobytes()


def _ascii_bits(texts: Sequence[str]) -> list[int]:
    """Return the cue bits of ASCII `texts`."""
    if len(texts) < _SMALL_BATCH or not texts:
        return list(map(cue_bits, texts))
    hay_bytes = haystack_bytes(texts)
    haystack = hay_bytes.decode("ascii")
    batch = batch_lexicon()
    # The haystack starts with a newline: each match of one opens the matches of the next text.
    matches = batch.automaton.find_matches_as_strings(haystack)
    packed = itemgetter(*matches)(batch.packed) if len(matches) > 1 else (batch.packed["\n"],)
    cues = np.frombuffer(b"".join(packed), dtype=np.int64)
    bits: Bits = np.bitwise_or.reduceat(cues & _CUE_MASK, np.flatnonzero(cues == _NEXT_TEXT))
    if len(bits) != len(texts):
        raise RuntimeError("the automaton missed the newline before a text")
    chars = np.frombuffer(hay_bytes, dtype=np.uint8)
    zeroed_bytes = hay_bytes.translate(_ZEROED)
    zeroed_chars = np.frombuffer(zeroed_bytes, dtype=np.uint8)
    # The digits and dashes: the tokens `cue_bits` reads for codes.
    marks = np.flatnonzero((zeroed_chars == _ZERO) | (zeroed_chars == _DASH))
    # Where each text starts: which text a position found below lies in.
    newlines = np.flatnonzero(chars == _NEWLINE)
    if len(marks):
        zeroed = zeroed_bytes.decode("ascii")
        starts, readings = _code_bits(haystack, zeroed, chars, marks)
        np.bitwise_or.at(bits, np.searchsorted(newlines, starts) - 1, readings)
    _tolerated(haystack, chars, newlines, bits)
    de_word = (bits & _DE_WORD) != 0
    spanish = (bits & _SPANISH) != 0
    bits[de_word & ~spanish] |= _DE
    for i in np.flatnonzero(de_word & spanish).tolist():
        # As `cue_bits`: Spanish "de" is DE only in capitals in a text not all capitals.
        if _CAPITAL_DE.search(texts[i]) and not texts[i].isupper():
            bits[i] |= _DE
    result: list[int] = bits.tolist()
    return result


def _tolerated(haystack: str, chars: Chars, newlines: Positions, bits: Bits) -> None:
    """Add to `bits` the cues of the words the vocabulary does not list exactly, as `cue_bits`.

    Only whole tokens of `MIN_TOKEN_LENGTH` letters or more can show such cues, so only those
    are cut out of the haystack (found by array operations, not by splitting every token); each
    distinct one is looked up once, and those that show a cue are marked in every text that
    holds them (`newlines`: where each text of the haystack starts).
    """
    lex, tolerant = lexicon(), tolerance()
    # Every run of letters, as its start and end: the haystack starts with a newline and ends
    # with spaces, so each run starts and ends inside it. A token is a whole run between two
    # spaces (or a newline). (Comparisons, not a table lookup: ten times faster.)
    letters = (chars - np.uint8(_LOWER_A)) < _LETTER_COUNT
    edges = np.flatnonzero(letters[1:] != letters[:-1]) + 1
    starts, ends = edges[::2], edges[1::2]
    long = np.flatnonzero(ends - starts >= MIN_TOKEN_LENGTH)
    starts, ends = starts[long], ends[long]
    whole = np.flatnonzero(_BETWEEN[chars[starts - 1]] & _BETWEEN[chars[ends]])
    starts, ends = starts[whole], ends[whole]
    tokens = list(map(haystack.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    found = tolerant.shown(set(tokens).difference(lex.words))
    if not found:
        return
    held = np.fromiter(map(found.__contains__, tokens), dtype=bool, count=len(tokens))
    at = np.flatnonzero(held)
    texts = np.searchsorted(newlines, starts[at]) - 1
    cues = np.fromiter((found[tokens[i]] for i in at.tolist()), dtype=np.int64, count=len(at))
    np.bitwise_or.at(bits, texts, cues)


def _code_bits(
    haystack: str, zeroed: str, chars: Chars, marks: Positions
) -> tuple[Positions, Bits]:
    """Return where in `haystack` tokens show cues by their shape, and the cues they show.

    `zeroed` is `haystack` with its digits as 0, `chars` is `haystack` as bytes, `marks` where
    its digits and dashes are. A token reads as `text_cues._code_bits` reads it in its own text,
    with the token before and after it there, if any.
    """
    # The spaces and newlines, and one past the end: the token holding a mark ends at one of
    # them, the token before it starts after the third one back, the one after it ends at the
    # second one on. Beyond a newline, the slices are empty: no token, as at a text's ends.
    bounds = np.append(np.flatnonzero((chars == _SPACE) | (chars == _NEWLINE)), len(chars))
    # A digit or a dash right after another is in the same token: one search per run of them.
    ends = np.searchsorted(bounds, marks[np.diff(marks, prepend=-2) != 1])
    ends = ends[np.flatnonzero(np.diff(ends, prepend=-1))]
    starts = bounds[ends - 3] + 1
    if len(_READINGS) + len(_EXACT_READINGS) > _READINGS_REMEMBERED:
        _READINGS.clear()
        _EXACT_READINGS.clear()
    spans = list(zip(starts.tolist(), bounds[ends + 2].tolist(), strict=True))
    remembered = _READINGS.get
    readings = np.array(
        [remembered(zeroed[start:stop], _UNREAD) for start, stop in spans], dtype=np.int64
    )
    for i in np.flatnonzero(readings < 0).tolist():
        start, stop = spans[i]
        readings[i] = _read(haystack[start:stop], zeroed[start:stop])
    return starts, readings


def _read(context: str, zeroed: str) -> int:
    """Return and remember what the middle token of `context` shows (`zeroed`: digits as 0)."""
    if _READINGS.get(zeroed) == _DIGITS_MATTER:
        bits = _EXACT_READINGS.get(context)
        if bits is None:
            bits = _EXACT_READINGS[context] = _token_bits(*context.split("  "))
        return bits
    tokens = zeroed.split("  ")
    if any(token in _zeroed_words() for token in tokens if "0" in token):
        _READINGS[zeroed] = _DIGITS_MATTER
        bits = _EXACT_READINGS[context] = _token_bits(*context.split("  "))
        return bits
    # Which digits the tokens hold changes nothing: read with them as 0, the token's shape is
    # most often remembered already (an order number's is, whatever its digits).
    bits = _READINGS[zeroed] = _token_bits(*tokens)
    return bits


def _token_bits(before: str, token: str, after: str) -> int:
    """Return what `token` shows between `before` and `after`, as `text_cues._code_bits` reads."""
    shape = _NUMBER if token.isdecimal() else _shape(token)
    if shape == _CARTRIDGE or not shape:
        return shape
    known = lexicon().words.get(before, 0)
    if known & _NOT_A_PART:
        # An order, invoice or phone number, a zip code, an amount: no part.
        return 0
    if shape > 0:
        return shape
    if known & _CODE_CONTEXT:
        return _PART_NUMBER
    return _number_cue(len(token), before, after) if shape == _NUMBER else 0
