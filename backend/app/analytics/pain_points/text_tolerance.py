"""Words the vocabulary does not list exactly: one edit off a long word, or two words run together.

The lexicon (`text_cues.py`) already lists each word's common misspellings. A token it does not
know is looked up here: a symmetric-delete index finds the long vocabulary words one deletion
away from it or from one of its deletions, rapidfuzz confirms that one edit (a letter added,
dropped, changed, or two swapped) separates them, and a token that is two known words run
together ("pumpseal") shows both words' cues. A token close to words of different cues shows
none: it is no evidence for either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from rapidfuzz.distance import OSA

from backend.app.analytics.pain_points.trade_vocabulary import VOCABULARY, entries

# Vocabulary words this long or longer tolerate one edit; shorter ones lie one edit from too
# many other words ("seal", "heal", "real").
MIN_TOLERANT_LENGTH = 8
# Each part of a run-together token is a vocabulary word of at least this many letters.
MIN_PART_LENGTH = 3
# Unknown tokens shorter than this are left alone: one edit from a tolerant word is at least
# this long, and shorter run-together words are listed in the vocabulary where they occur.
MIN_TOKEN_LENGTH = MIN_TOLERANT_LENGTH - 1
# Unknown tokens remembered with their cues: typos repeat, names and places too.
MEMO_ENTRIES = 100_000


def _deletions(word: str) -> Iterator[str]:
    """Yield `word` with one letter removed, at each position."""
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def _agreed(bits: Iterable[int]) -> int:
    """Return the cue bits every candidate shows alike, or 0 when they differ."""
    found = set(bits)
    return found.pop() if len(found) == 1 else 0


class Tolerance:
    """Cue bits for tokens the lexicon does not know, from the vocabulary's plain words."""

    def __init__(self, words: dict[str, int]) -> None:
        self._words = words
        self._near: dict[str, list[str]] = {}
        for word in words:
            if len(word) >= MIN_TOLERANT_LENGTH:
                for key in {word, *_deletions(word)}:
                    self._near.setdefault(key, []).append(word)
        self._memo: dict[str, int] = {}
        # The remembered tokens that show a cue: a batch finds its own by one set intersection.
        self._showing: dict[str, int] = {}
        # No token longer than these can be one edit off a word or two words run together: such
        # a token (a pasted 200 KB string of letters, say) is not looked at, which also keeps
        # its deletions, as many as its letters and each as long, from ever being made.
        longest = max(map(len, words), default=0)
        self._longest_near = longest + 1
        self._longest_run = 2 * longest

    @property
    def remembered(self) -> dict[str, int]:
        """Return the memo of tokens looked at, with their cues (emptied, never replaced)."""
        return self._memo

    def bits(self, token: str) -> int:
        """Return the cues of an unknown lower-case token: a near word's, or its parts'."""
        if len(token) > self._longest_run:
            # Neither near a word nor two of them; not remembered either (it could be long).
            return 0
        known = self._memo.get(token)
        if known is not None:
            return known
        if len(self._memo) > MEMO_ENTRIES:
            self._memo.clear()
            self._showing.clear()
        found = self._one_edit_off(token) or self._run_together(token)
        self._memo[token] = found
        if found:
            self._showing[token] = found
        return found

    def shown(self, tokens: set[str]) -> dict[str, int]:
        """Return those of `tokens` (unknown, long, lower-case letters) that show a cue, with it.

        The tokens remembered are found by set operations, however many a batch holds; only
        the others are looked at one by one.
        """
        showing = self._showing
        # Taken before any token is looked at: looking may empty the memo.
        found = {token: showing[token] for token in tokens.intersection(showing)}
        for token in tokens.difference(self._memo):
            if bits := self.bits(token):
                found[token] = bits
        return found

    def unknown(self, tokens: Iterable[str], known: dict[str, int]) -> int:
        """Return the cues of those of `tokens` the lexicon (`known`) does not list."""
        bits = 0
        for token in tokens:
            if len(token) >= MIN_TOKEN_LENGTH and token not in known and token.isalpha():
                bits |= self.bits(token)
        return bits

    def _one_edit_off(self, token: str) -> int:
        if not MIN_TOKEN_LENGTH <= len(token) <= self._longest_near or not token.isalpha():
            return 0
        candidates = {
            word for key in (token, *_deletions(token)) for word in self._near.get(key, ())
        }
        return _agreed(
            self._words[word]
            for word in candidates
            # A word with a letter more, less or other at its end is another form of it
            # ("changed", "drives", "replaced" for "replaces"), which the vocabulary lists where
            # it means the same.
            if not (token.startswith(word) or word.startswith(token))
            and token[:-1] != word[:-1]
            and not (token.endswith(word) or word.endswith(token))
            and OSA.distance(token, word, score_cutoff=1) <= 1
        )

    def _run_together(self, token: str) -> int:
        if not MIN_TOKEN_LENGTH <= len(token) <= self._longest_run or not token.isalpha():
            return 0
        words = self._words
        return _agreed(
            words[token[:i]] | words[token[i:]]
            for i in range(MIN_PART_LENGTH, len(token) - MIN_PART_LENGTH + 1)
            if token[:i] in words and token[i:] in words
        )


@cache
def tolerance() -> Tolerance:
    """Build the tolerance from the vocabulary's single lower-case words once."""
    words: dict[str, int] = {}
    for cue, listed in VOCABULARY.items():
        for entry in entries(listed):
            if entry.isalpha() and entry.isascii():
                words[entry] = words.get(entry, 0) | int(cue)
    return Tolerance(words)
