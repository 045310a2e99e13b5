"""libpq's `options` as the server reads it: words split as pg_split_opts does, then its switches.

The server splits `options` at unescaped white space, a backslash making the next character
literal, and reads the words as the command-line switches of a backend (postgres.c's getopt
string). Checked here as the server will read them, a `\\-c` or a bundled `-ec` is no way past.
"""

from __future__ import annotations

from collections.abc import Iterator

# C's isspace in the server's "C" locale.
_SPACE = frozenset(" \t\n\v\f\r")
# The backend's switches that take a value (postgres.c's getopt string is
# "B:bC:c:D:d:EeFf:h:ijk:lN:nOPp:r:S:sTt:v:W:-:").
_TAKES_VALUE = frozenset("BCcDdfhkNprStvW-")
# The switches that set a setting by its own letter: -S is work_mem.
_SETTING_OF = {"S": "work_mem"}


def split_options(value: str) -> list[str]:
    """Return the words of `value` as the server splits them (pg_split_opts)."""
    words: list[str] = []
    word: list[str] = []
    escaped = started = False
    for character in value:
        if character in _SPACE and not escaped:
            if started:
                words.append("".join(word))
            word, started = [], False
            continue
        started = True
        if character == "\\" and not escaped:
            escaped = True
            continue
        escaped = False
        word.append(character)
    if started:
        words.append("".join(word))
    return words


def settings_named(value: str) -> Iterator[str]:
    """Yield the name of each setting `value` sets, as the server reads it (lower case, `_`)."""
    words = iter(split_options(value))
    for word in words:
        if not word.startswith("-") or word == "-":
            continue  # not a switch: the server refuses it, and the start check says so
        for index in range(1, len(word)):
            switch = word[index]
            if switch not in _TAKES_VALUE:
                continue
            # The value follows the switch in the same word, or is the next word.
            argument = word[index + 1 :] or next(words, "")
            if switch in ("c", "-"):
                # ParseLongOption: the name before "=", its dashes read as underscores.
                yield argument.partition("=")[0].replace("-", "_").lower()
            elif switch in _SETTING_OF:
                yield _SETTING_OF[switch]
            break
