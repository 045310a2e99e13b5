"""Compressed answers: gzip for bodies over 1 KB that a client accepts, compressed once each."""

from __future__ import annotations

import gzip

from backend.app.cache.lru import BoundedLRU

# "Larger than 1 KB": smaller bodies gain little, and gzip's own header and trailer are 18 bytes.
GZIP_MIN_BYTES = 1024
# zlib's default level: a 57 KB overview becomes about 5 KB in about a millisecond, once.
_LEVEL = 6
# The compressed bodies kept in the process, in bytes (about a tenth of what they stand for).
GZIP_MEMO_BYTES = 16 * 1024 * 1024
# What keeping one body costs beyond its own bytes: its key, the bytes object's header and the
# LRU's bookkeeping, about 350 bytes (tracemalloc, CPython 3.11), rounded up. Counted, so that
# many small bodies cannot hold twice the bound.
_ENTRY_BYTES = 400


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Return whether an Accept-Encoding header allows a gzip body (RFC 9110, 12.5.3)."""
    if not accept_encoding:
        return False
    named: float | None = None
    anything: float | None = None
    for part in accept_encoding.split(","):
        coding, *parameters = part.split(";")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        coding = coding.strip().lower()
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            anything = quality
    # gzip named with q=0 refuses it even where `*` would allow it.
    if named is not None:
        return named > 0
    return anything is not None and anything > 0


class GzipBodies:
    """Gzip bodies of answers, by the ETag of the uncompressed body, bounded in bytes (LRU).

    A reused answer is compressed once, not on every request that accepts gzip. The output is
    the same bytes for the same input (no time stamp in the gzip header), so that the ETag of
    a compressed answer, a digest of what is sent, names the same bytes every time.
    """

    def __init__(self, max_bytes: int = GZIP_MEMO_BYTES) -> None:
        self._bodies = BoundedLRU[bytes](max_bytes=max_bytes, size=_body_size)

    def compress(self, body: bytes, *, key: str) -> bytes:
        """Return `body` gzipped, from what is kept under `key` (its ETag) when it is there."""
        kept = self._bodies.get(key)
        if kept is not None:
            return kept
        compressed = gzip.compress(body, compresslevel=_LEVEL, mtime=0)
        self._bodies.put(key, compressed)
        return compressed

    def __len__(self) -> int:
        return len(self._bodies)


def _body_size(key: str, compressed: bytes) -> int:
    return _ENTRY_BYTES + len(compressed)
