"""What a query shows: its tokens and phrases read as cues in one pass, and its part numbers.

Every entry of the vocabulary (`trade_vocabulary.py`), with its unaccented and misspelled forms,
goes into one Aho-Corasick automaton, so a text is searched once for all of them; only tokens
that hold a digit, or letters joined by a dash, are then looked at one by one, for part numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from backend.app.analytics.pain_points.text_tolerance import tolerance
from backend.app.analytics.pain_points.trade_vocabulary import UNITS, VOCABULARY, Cue, entries

# Punctuation separates tokens, but for the dash of codes (EC-40, o-ring) and the apostrophe of
# words (won't). A comma is a separator too: "20,000" becomes "20 000", read as one measure.
_SEPARATOR = re.compile(r"[!\"#$%&()*+,./:;<=>?@\[\\\]^_`{|}~¿¡“”«»…\u2013\u2014·\u2018\u2019]")
# Units and ordinals that make a number a measure, not a part: 1.5hp, 20k, 3200ppm, 2nd, 10am.
_UNITS = frozenset(entries(UNITS))
_MEASURE = re.compile(r"\d+(?:[.,/]\d+)*(?:x\d+(?:\.\d+)?)*([a-z]*)")
# Cartridge cross-reference codes (Unicel C-4950, Pleatco PA50 / PRB50-IN, Filbur FC-1225,
# Magnum 7CH-975, PLF40, Pentair R173573 style codes are caught as part numbers).
_CARTRIDGE_CODE = re.compile(
    r"c-?\d{4}(?:-?[a-z]{1,3})?|p[a-z]{1,3}\d{2,3}[a-z-]*|fc-?\d{4}|\dch-?\d{3}"
)
# Words of four letters or more get their common misspellings as entries of their own.
_MIN_TYPO_LENGTH = 4
_VOWELS = "aeiou"
# A digit or a dash: the texts that may hold a code (a plain character class: fast to search).
_CODE_HINT = re.compile(r"[0-9-]")
_CAPITAL_DE = re.compile(r"\bDE\b")


def _strip_accents(word: str) -> str:
    """Return `word` without combining accents, as customers often type Spanish."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _misspellings(word: str) -> Iterator[str]:
    """Yield the common misspellings of `word` that rarely make another word of its length.

    A doubled letter at any length; a swapped pair from five letters; a dropped letter or a
    wrong vowel only from seven (six for the vowel), where fewer real words lie one edit away.
    """
    for i, letter in enumerate(word):
        yield word[:i] + letter + word[i:]
        if len(word) >= 5 and i + 1 < len(word):
            yield word[:i] + word[i + 1] + letter + word[i + 2 :]
        if len(word) >= 7:
            yield word[:i] + word[i + 1 :]
        if len(word) >= 6 and letter in _VOWELS:
            for vowel in _VOWELS.replace(letter, ""):
                yield word[:i] + vowel + word[i + 1 :]


@dataclass(frozen=True)
class Lexicon:
    """Tokens and phrases to cue bits: exact entries, then misspellings of long words.

    `automaton` finds every entry in a text in one pass (Aho-Corasick), longest first, in a text
    whose tokens are joined by two spaces and padded with one: an entry is " token " or
    " token  token ", so matches never overlap and a phrase stands for its tokens. `cues` maps
    each entry, as the automaton returns it, to its cue bits.
    """

    words: dict[str, int]
    automaton: AhoCorasick
    cues: dict[str, int]


@cache
def lexicon() -> Lexicon:
    """Build the lexicon from the vocabulary once."""
    words: dict[str, int] = {}
    phrases: dict[tuple[str, ...], int] = {}
    for cue, listed in VOCABULARY.items():
        bit = int(cue)
        for entry in entries(listed):
            for spelling in {entry, _strip_accents(entry)}:
                tokens = tuple(tokenized(spelling))
                if not tokens:
                    continue
                if len(tokens) == 1:
                    words[tokens[0]] = words.get(tokens[0], 0) | bit
                else:
                    phrases[tokens] = phrases.get(tokens, 0) | bit
    typos: dict[str, int | None] = {}
    for word, bits in words.items():
        if len(word) < _MIN_TYPO_LENGTH or not word.isalpha():
            continue
        for typo in _misspellings(word):
            if typo not in words:
                # A misspelling of two different words is no evidence for either.
                typos[typo] = bits if typos.get(typo, bits) == bits else None
    words = {typo: bits for typo, bits in typos.items() if bits is not None} | words
    automaton_entries = {(word,): bits for word, bits in words.items()} | phrases
    cues = {_padded(tokens): bits for tokens, bits in automaton_entries.items()}
    automaton = AhoCorasick(
        cues,
        matchkind=MatchKind.LeftmostLongest,
        # A contiguous NFA: as fast as a DFA here (within 5 %), in a fifth of the memory (10 MB
        # for both automata against 49 MB), in the service and in each worker.
        implementation=Implementation.ContiguousNFA,
        # Matches come back as the stored entries themselves: no tuples, no offsets to compute.
        store_patterns=True,
    )
    return Lexicon(words, automaton, cues)


def tokenized(text: str) -> list[str]:
    """Return the tokens of `text`, lower-cased: words, numbers, codes and "#"."""
    return _SEPARATOR.sub(" ", text.lower()).split()


def _padded(tokens: Sequence[str]) -> str:
    """Return tokens as the automaton reads them: joined by two spaces, one around."""
    return " " + "  ".join(tokens) + " "


# The cue bits the hot path tests, as plain ints: IntFlag arithmetic costs microseconds.
_PART_NUMBER, _BARE_NUMBER = int(Cue.PART_NUMBER), int(Cue.BARE_NUMBER)
_CARTRIDGE, _PUMP = int(Cue.CARTRIDGE_CODE), int(Cue.PUMP)
_CODE_CONTEXT = int(Cue.PART_PREFIX | Cue.PART_MARKER)
_NOT_A_PART = int(Cue.NUMBER_CONTEXT)
_DE_WORD, _SPANISH, _DE = int(Cue.DE_WORD), int(Cue.SPANISH), int(Cue.DE)
# Shapes whose cue depends on the tokens around them (`_shape`); any other shape is its cue.
_NUMBER, _NUMBER_WITH_X = -1, -2
# Distinct tokens with a digit or a dash whose shape is remembered: models and part numbers
# recur, order and phone numbers do not (plain digits skip the memo altogether).
_SHAPES_REMEMBERED = 8192
# An ASCII text in one C call: lower case, and a space for every separator and whitespace.
_ASCII_SPACED = bytes(
    32 if _SEPARATOR.match(chr(i)) or chr(i).isspace() else ord(chr(i).lower()) if i < 128 else i
    for i in range(256)
)
# Every digit and dash as "#", which is a separator, so found by one `find` (a memchr).
_MARK = ord("#")
_CODE_MARKS = bytes(_MARK if chr(i) in "0123456789-" else i for i in range(256))


def cue_bits(text: str) -> int:
    """Return the cue bits of `text`: one pass of the automaton, then the tokens with digits.

    A phrase stands for its tokens: "sand filter" is equipment, not sand, and "heat pump" is
    no pump.
    """
    lex = lexicon()
    if text.isascii():
        # `_padded(tokenized(text))` in bytes, a few C calls instead of a regex and a list.
        joined = b"  ".join(text.encode().translate(_ASCII_SPACED).split())
        padded = f" {joined.decode()} "
        marks = joined.translate(_CODE_MARKS)
    else:
        padded = _padded(tokenized(text))
        # Only a text with a digit 0-9 or a dash has its tokens read for codes, then also
        # those with other digits (superscripts, Arabic-Indic), which `_shape` reads as before.
        marks = (
            bytes(_MARK if ch == "-" or ch.isdigit() else 0 for ch in padded[1:])
            if _CODE_HINT.search(padded)
            else b""
        )
    hint = marks.find(_MARK) + 1
    bits = _code_bits(padded, marks, hint, lex.words) if hint else 0
    cues = lex.cues
    for entry in lex.automaton.find_matches_as_strings(padded):
        bits |= cues[entry]
    # Words the vocabulary does not list exactly: one edit off a long word, or run together.
    bits |= tolerance().unknown(padded.split(), lex.words)
    if bits & _DE_WORD and (
        not bits & _SPANISH or (_CAPITAL_DE.search(text) and not text.isupper())
    ):
        # "de" alone is DE in English; in Spanish it means "of" ("filtro de arena"), unless it
        # is written in capitals in a text that is not all capitals ("filtro DE").
        bits |= _DE
    return bits


def _code_bits(padded: str, marks: bytes, hint: int, words: dict[str, int]) -> int:
    """Return what the tokens holding a digit or a dash show: part numbers, codes, horsepower.

    `marks` is `padded` less its first space, with "#" for each digit and dash; `hint` is where
    the first of them is in `padded`. No other token shows a cue by its shape.
    """
    bits = 0
    while hint:
        start = padded.rfind(" ", 0, hint) + 1
        end = padded.find(" ", hint)
        token = padded[start:end]
        hint = marks.find(_MARK, end) + 1
        # Digits alone are a measure with no unit (`_MEASURE`'s \d is isdecimal): no lookup.
        shape = _NUMBER if token.isdecimal() else _shape(token)
        if shape == _CARTRIDGE:
            bits |= _CARTRIDGE
            continue
        if not shape:
            continue
        before = padded[padded.rfind(" ", 0, start - 2) + 1 : start - 2] if start > 1 else ""
        known = words.get(before, 0)
        if known & _NOT_A_PART:
            # An order, invoice or phone number, a zip code, an amount: no part.
            continue
        if shape > 0:
            bits |= shape
        elif known & _CODE_CONTEXT:
            # "sp 1600", "ec 40", "part # 550031", "item 62312".
            bits |= _PART_NUMBER
        elif shape == _NUMBER:
            bits |= _number_cue(len(token), before, padded[end + 2 : padded.find(" ", end + 2)])
    return bits


def _number_cue(length: int, before: str, after: str) -> int:
    """Return the cue of a number of `length` digits between the tokens `before` and `after`."""
    if after in _UNITS:
        return 0
    if length == 3 and before.isdigit() and len(before) <= 3:
        # The "000" of "20,000".
        return 0
    # A bare number is a SKU when long; shorter, it may still be a code asked about by number.
    if 6 <= length <= 9:
        return _PART_NUMBER
    return _BARE_NUMBER if 3 <= length <= 5 else 0


@lru_cache(maxsize=_SHAPES_REMEMBERED)
def _shape(token: str) -> int:
    """Return what a token shows by its shape alone: a cue, 0, `_NUMBER` or `_NUMBER_WITH_X`.

    A cartridge code is one whatever surrounds it; any other cue holds unless the token before
    says an order or a zip code follows; a number's cue depends on its neighbours.
    """
    known = lexicon().words.get(token, 0)
    # Known words such as "o-ring" or "2-speed" are no codes; EC-40 still is one.
    if known and not (token[0].isdigit() or token[-1].isdigit()):
        return 0
    if _CARTRIDGE_CODE.fullmatch(token):
        return _CARTRIDGE
    measure = _MEASURE.fullmatch(token)
    if measure is None:
        # Letters and digits mixed (SP2610X15, EC-40, PO-1LED), dashed numbers (39-0057), or
        # letter codes (GLX-PCB-RITE, PGP-ADJ).
        digits = sum(ch.isdigit() for ch in token)
        if len(token) >= 4 and (digits >= 2 or (digits and "-" in token)):
            return _PART_NUMBER
        if "-" in token and any(map(_is_code_segment, token.split("-"))):
            return _PART_NUMBER
        return 0
    unit = measure.group(1)
    if unit == "hp":
        return _PUMP
    if unit:
        # 5004PC, 15736BKT: digits then letters that are no unit.
        return 0 if unit in _UNITS or len(token) < 3 else _PART_NUMBER
    # A number, or sizes such as 15x30: a part only after "sp", "ec", "part #".
    return _NUMBER if token.isdigit() else _NUMBER_WITH_X


def _is_code_segment(segment: str) -> bool:
    """Return whether a piece of a hyphenated token is a letter code: 2-4 letters, no vowel."""
    return 2 <= len(segment) <= 4 and not any(ch in "aeiouy" for ch in segment)


def cues_of(text: str) -> Cue:
    """Return the cues `text` shows."""
    return Cue(cue_bits(text))
