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
from functools import cache

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from backend.app.analytics.trade_vocabulary import UNITS, VOCABULARY, Cue, entries

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
    " token  token ", so matches never overlap and a phrase stands for its tokens. `cues[i]`
    are the cue bits of the automaton's entry i.
    """

    words: dict[str, int]
    automaton: AhoCorasick
    cues: list[int]


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
    automaton = AhoCorasick(
        [_padded(tokens) for tokens in automaton_entries],
        matchkind=MatchKind.LeftmostLongest,
        # A DFA: more memory at start (a few MB), the fastest search per text.
        implementation=Implementation.DFA,
    )
    return Lexicon(words, automaton, list(automaton_entries.values()))


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


def _number_cues(token: str, before: int, after: str | None, *, thousands: bool) -> int:
    """Return what a token holding a digit shows: a part number, a code, a measure or nothing.

    `before` is the cue bits of the token before it; `after` is the next token; `thousands` says
    whether it follows a number of up to three digits (the "000" of "20,000").
    """
    if _CARTRIDGE_CODE.fullmatch(token):
        return _CARTRIDGE
    if before & _NOT_A_PART:
        # An order, invoice or phone number, a zip code, an amount: no part.
        return 0
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
    if before & _CODE_CONTEXT:
        # "sp 1600", "ec 40", "part # 550031", "item 62312".
        return _PART_NUMBER
    if after in _UNITS or not token.isdigit() or thousands:
        return 0
    # A bare number is a SKU when long; shorter, it may still be a code asked about by number.
    if 6 <= len(token) <= 9:
        return _PART_NUMBER
    return _BARE_NUMBER if 3 <= len(token) <= 5 else 0


def _is_code_segment(segment: str) -> bool:
    """Return whether a piece of a hyphenated token is a letter code: 2-4 letters, no vowel."""
    return 2 <= len(segment) <= 4 and not any(ch in "aeiouy" for ch in segment)


def cue_bits(text: str) -> int:
    """Return the cue bits of `text`: one pass of the automaton, then the tokens with digits.

    A phrase stands for its tokens: "sand filter" is equipment, not sand, and "heat pump" is
    no pump.
    """
    lex = lexicon()
    tokens = tokenized(text)
    cues = lex.cues
    bits = 0
    for entry, _, _ in lex.automaton.find_matches_as_indexes(_padded(tokens)):
        bits |= cues[entry]
    if _CODE_HINT.search(text):
        bits |= _code_bits(tokens, lex.words)
    if bits & _DE_WORD and (
        not bits & _SPANISH or (_CAPITAL_DE.search(text) and not text.isupper())
    ):
        # "de" alone is DE in English; in Spanish it means "of" ("filtro de arena"), unless it
        # is written in capitals in a text that is not all capitals ("filtro DE").
        bits |= _DE
    return bits


def _code_bits(tokens: Sequence[str], words: dict[str, int]) -> int:
    """Return what the tokens holding a digit show: part numbers, codes, horsepower."""
    bits = 0
    for i, token in enumerate(tokens):
        if token.isalpha():
            continue
        known = words.get(token, 0)
        # Known words such as "o-ring" or "2-speed" are no codes; EC-40 still is one.
        if known and not (token[0].isdigit() or token[-1].isdigit()):
            continue
        before = words.get(tokens[i - 1], 0) if i else 0
        thousands = (
            i > 0 and len(token) == 3 and tokens[i - 1].isdigit() and len(tokens[i - 1]) <= 3
        )
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        bits |= _number_cues(token, before, after, thousands=thousands)
    return bits


_DE_WORD, _SPANISH, _DE = int(Cue.DE_WORD), int(Cue.SPANISH), int(Cue.DE)


def cues_of(text: str) -> Cue:
    """Return the cues `text` shows."""
    return Cue(cue_bits(text))
