"""The cue bits and clusters of many texts at once: a compiled scanner reads every ASCII text.

`_cue_scan.Scanner` (C, built by `make install`) reads each ASCII text as `text_cues.cue_bits`
does, at under a microsecond a text where the Python reading costs several: the lexicon's
entries leftmost-longest over whole tokens, as its automaton finds them; each token with a digit
or a dash by its shape and neighbours, as `text_cues._code_bits` reads it; Spanish "DE" by the
text's capitals. What only Python decides stays in Python: a code's shape (`text_cues._shape`,
asked once per shape), a near word's cues (`text_tolerance`, asked once per unknown word), a cue
set's cluster (asked once per set), and texts beyond ASCII, read by `cue_bits` itself. The tests
hold the two readings to the same bits.

A scanner reads one batch at a time: a second call while one runs (from a callback, or from
another thread while a callback holds the GIL) raises RuntimeError. Labelling runs on the event
loop's thread and in the label workers' processes, each with a scanner of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from backend.app.analytics.pain_points._cue_scan import Scanner
from backend.app.analytics.pain_points.text_cues import (
    _ASCII_SPACED,
    _BARE_NUMBER,
    _CARTRIDGE,
    _CODE_CONTEXT,
    _DE,
    _DE_WORD,
    _NOT_A_PART,
    _NUMBER,
    _PART_NUMBER,
    _SPANISH,
    _UNITS,
    _shape,
    cue_bits,
    lexicon,
)
from backend.app.analytics.pain_points.text_tolerance import MIN_TOKEN_LENGTH, tolerance

_ZEROED_TEXT = str.maketrans("0123456789", "0" * 10)
# What the scanner gives a text beyond ASCII: no cue set is negative, no cluster is 255.
_NOT_ASCII, _NOT_ASCII_CLUSTER = -1, 255
# Code tokens whose shape the scanner remembers, by their digits' places: models and part
# numbers recur, order numbers with letters in them do not (it is emptied when full).
SHAPES_REMEMBERED = 1 << 16


@cache
def scanner() -> Scanner:
    """Return the scanner, built from the lexicon once."""
    return build_scanner()


def build_scanner(shapes_remembered: int = SHAPES_REMEMBERED) -> Scanner:
    """Build a scanner from the lexicon, with the readers it defers to."""
    words, tolerant = lexicon().words, tolerance()
    return Scanner(
        spacing=_ASCII_SPACED,
        entries=lexicon().cues,
        units=_UNITS,
        # The words and units with digits, digits as 0: which digits a token like them holds
        # matters ("w3sp" is a part marker, "w4sp" is not).
        zeroed_words=frozenset(
            word.translate(_ZEROED_TEXT)
            for word in (*words, *_UNITS)
            if any(ch in "0123456789" for ch in word)
        ),
        shape=_shape,
        tolerated=tolerant.remembered,
        tolerate=tolerant.bits,
        min_tolerated=MIN_TOKEN_LENGTH,
        part_number=_PART_NUMBER,
        bare_number=_BARE_NUMBER,
        cartridge=_CARTRIDGE,
        not_a_part=_NOT_A_PART,
        code_context=_CODE_CONTEXT,
        number=_NUMBER,
        shapes_remembered=shapes_remembered,
        de_word=_DE_WORD,
        spanish=_SPANISH,
        de=_DE,
    )


def cue_bits_batch(texts: Sequence[str]) -> list[int]:
    """Return `[cue_bits(text) for text in texts]`, the ASCII texts read by the scanner."""
    result: list[int] = np.frombuffer(scanner().scan(texts), dtype=np.int64).tolist()
    if _NOT_ASCII in result:
        for i, bits in enumerate(result):
            if bits == _NOT_ASCII:
                result[i] = cue_bits(texts[i])
    return result


def clusters_batch(texts: Sequence[str], decide: Callable[[int], int]) -> bytes:
    """Return `bytes(decide(cue_bits(text)) for text in texts)`, each cue set decided once."""
    clusters = scanner().clusters(texts, decide)
    if _NOT_ASCII_CLUSTER in clusters:
        for i, cluster in enumerate(clusters):
            if cluster == _NOT_ASCII_CLUSTER:
                clusters[i] = decide(cue_bits(texts[i]))
    return bytes(clusters)
