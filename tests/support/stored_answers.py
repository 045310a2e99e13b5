"""Values written straight into the answers' store, in its format, for the cache's trust tests."""

from __future__ import annotations

import struct
import zlib

FORGED_BODY = b'{"forged": true}'


def stored_answer(stored_at: float, ttl: float, body: bytes = FORGED_BODY) -> bytes:
    """Return a value in the stored answers' format (header, then the zlib-compressed body)."""
    return struct.pack("!Bdd", 1, stored_at, ttl) + zlib.compress(body)
