"""A cached answer, its compact encoding, and the bounded in-process store."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from backend.app.cache.lru import BoundedLRU

# Seconds since the epoch: ages must compare across instances sharing Redis.
Clock = Callable[[], float]

# Stored answers are a small header (format, stored-at, TTL) then the zlib-compressed body.
_HEADER = struct.Struct("!Bdd")
_FORMAT = 1
# The largest body the service writes is about 0.5 MB (a 3,660-day overview under compare).
# A shared store holds what anyone could have written: a stored answer longer than this, or one
# that inflates to more, is not one the service wrote, and is not read.
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_STORED_BYTES = _HEADER.size + MAX_BODY_BYTES


# Slots: a kept answer costs no attribute dictionary (see ENTRY_OVERHEAD_BYTES).
@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A rendered body, when it was computed, how long it may be reused, and if this is a reuse."""

    body: bytes
    stored_at: float
    ttl: float
    # Set on an answer read back from a store; a fresh one has all of its TTL left.
    reused: bool = field(default=False, compare=False)

    def age(self, now: float) -> float:
        """Return the answer's age in seconds (never negative)."""
        return max(0.0, now - self.stored_at)

    def fresh(self, now: float) -> bool:
        """Return whether the answer may still be served."""
        return self.age(now) < self.ttl

    def max_age(self, now: float) -> int:
        """Return the whole seconds of reuse left, for Cache-Control's max-age.

        A fresh answer has its whole TTL (the time spent sending it is not counted against it);
        a reused one the TTL minus its age, rounded down, so that no client is promised more.
        """
        if not self.reused:
            return max(0, math.floor(self.ttl))
        return max(0, math.floor(self.ttl - self.age(now)))

    def encode(self) -> bytes:
        """Return the answer as compact bytes for a shared store."""
        return _HEADER.pack(_FORMAT, self.stored_at, self.ttl) + zlib.compress(self.body, 1)

    @classmethod
    def decode(cls, data: bytes) -> CachedAnswer | None:
        """Return the answer `encode` wrote, or None for any other bytes (a miss).

        Nothing is trusted: the format, finite times and a positive TTL, the size before
        inflating and, while inflating, the size after.
        """
        if not _HEADER.size <= len(data) <= MAX_STORED_BYTES:
            return None
        version, stored_at, ttl = _HEADER.unpack_from(data)
        if version != _FORMAT or not (math.isfinite(stored_at) and math.isfinite(ttl)):
            return None
        if stored_at < 0 or ttl <= 0:
            return None
        inflater = zlib.decompressobj()
        try:
            # At most MAX_BODY_BYTES come out, however much the input would inflate to.
            body = inflater.decompress(data[_HEADER.size :], MAX_BODY_BYTES)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data:
            return None
        return cls(body=body, stored_at=stored_at, ttl=ttl)


def reused(answer: CachedAnswer) -> CachedAnswer:
    """Return `answer` marked as read back from a store."""
    return replace(answer, reused=True)


class AnswerStore(Protocol):
    """Where answers are kept between requests."""

    # Whether what it returns is what this process put there (else anyone could have written it).
    trusted: bool
    # What traces call it.
    name: str

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer stored under `key`, or None."""
        ...

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` under `key` for its TTL."""
        ...

    async def close(self) -> None:
        """Release the store's connections."""
        ...


# What one kept answer costs beyond its body and its key's characters: the key's and the body's
# object headers, the CachedAnswer and its two times, and the LRU's bookkeeping (cachetools'
# entries for the value, its size and its place in the order, and the record of the size): 400
# to 450 bytes in CPython 3.11 (tracemalloc, from a thousand answers to fifty thousand), rounded up.
ENTRY_OVERHEAD_BYTES = 512


def entry_size(key: str, answer: CachedAnswer) -> int:
    """Return what keeping `answer` under `key` costs the in-process store, in bytes."""
    return len(answer.body) + len(key) + ENTRY_OVERHEAD_BYTES


class MemoryStore:
    """Answers in this process, within `max_entries` and `max_bytes`, least recently used out first.

    Like Redis, it returns what it holds: whether an answer is still fresh, ResultCache decides.
    An answer larger than `max_bytes` alone is not kept at all.
    """

    trusted = True
    name = "memory"

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self._items = BoundedLRU[CachedAnswer](
            max_bytes=max_bytes, max_entries=max_entries, size=entry_size
        )

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer under `key` and mark it recently used."""
        return self._items.get(key)

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer`, evicting the least recently used answers beyond the bounds."""
        self._items.put(key, answer)

    async def close(self) -> None:
        """Forget every answer."""
        self._items.clear()

    @property
    def size_bytes(self) -> int:
        """Return what the answers held cost, as `entry_size` counts it."""
        return self._items.size_bytes

    def __len__(self) -> int:
        return len(self._items)
