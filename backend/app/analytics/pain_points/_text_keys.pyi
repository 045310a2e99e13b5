"""Types of the compiled text keys (`_text_keys.c`)."""

from collections.abc import Callable, Sequence

def numbers(
    texts: Sequence[str],
    by_sql: Sequence[str | None],
    normalise: Callable[[str], str],
    text_hash: Callable[[str], int] | None,
    /,
) -> tuple[bytes, bytes]:
    """Return each normalised text's hash (native int64s) and length (native int32s)."""
