"""Types of the compiled scanner (`_cue_scan.c`)."""

from collections.abc import Callable, Collection, Sequence

class Scanner:
    """Find the cue bits of ASCII texts with a lexicon's entries."""

    def __init__(
        self,
        *,
        spacing: bytes,
        entries: dict[str, int],
        units: Collection[str],
        zeroed_words: Collection[str],
        shape: Callable[[str], int],
        tolerated: dict[str, int],
        tolerate: Callable[[str], int],
        min_tolerated: int,
        part_number: int,
        bare_number: int,
        cartridge: int,
        not_a_part: int,
        code_context: int,
        number: int,
        shapes_remembered: int,
        de_word: int,
        spanish: int,
        de: int,
    ) -> None: ...
    def scan(self, texts: Sequence[str]) -> bytearray:
        """Return the cue bits of each text as native int64s, -1 for a text beyond ASCII."""
    def clusters(self, texts: Sequence[str], decide: Callable[[int], int]) -> bytearray:
        """Return each text's cluster, decided by decide(cue bits) once per cue set; 255 for a
        text beyond ASCII."""
