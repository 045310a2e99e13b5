"""A cached answer, its compact encoding, and the bounded in-process store."""

from __future__ import annotations

import math
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# Seconds since the epoch: ages must compare across instances sharing Redis.
Clock = Callable[[], float]

# Stored answers are a small header (format, stored-at, TTL) then the zlib-compressed body.
_HEADER = struct.Struct("!Bdd")
_FORMAT = 1


@dataclass(frozen=True)
class CachedAnswer:
    """A rendered body, when it was computed, and how long it may be reused."""

    body: bytes
    stored_at: float
    ttl: float

    def age(self, now: float) -> float:
        """Return the answer's age in seconds (never negative)."""
        return max(0.0, now - self.stored_at)

    def fresh(self, now: float) -> bool:
        """Return whether the answer may still be served."""
        return self.age(now) < self.ttl

    def max_age(self, now: float) -> int:
        """Return the whole seconds of reuse left, for Cache-Control's max-age."""
        return max(0, math.floor(self.ttl - self.age(now)))

    def encode(self) -> bytes:
        """Return the answer as compact bytes for a shared store."""
        return _HEADER.pack(_FORMAT, self.stored_at, self.ttl) + zlib.compress(self.body, 1)

    @classmethod
    def decode(cls, data: bytes) -> CachedAnswer | None:
        """Return the answer `encode` wrote, or None for bytes in any other format."""
        if len(data) < _HEADER.size:
            return None
        version, stored_at, ttl = _HEADER.unpack_from(data)
        if version != _FORMAT:
            return None
        try:
            body = zlib.decompress(data[_HEADER.size :])
        except zlib.error:
            return None
        return cls(body=body, stored_at=stored_at, ttl=ttl)


class AnswerStore(Protocol):
    """Where answers are kept between requests."""

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer stored under `key`, or None."""
        ...

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` under `key` for its TTL."""
        ...

    async def close(self) -> None:
        """Release the store's connections."""
        ...


class MemoryStore:
    """Answers in this process, at most `max_entries`, the least recently used evicted first.

    Like Redis, it returns what it holds: whether an answer is still fresh, ResultCache decides.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[str, CachedAnswer] = OrderedDict()

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer under `key` and mark it recently used."""
        answer = self._items.get(key)
        if answer is not None:
            self._items.move_to_end(key)
        return answer

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer`, evicting the least recently used answers beyond the bound."""
        self._items[key] = answer
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    async def close(self) -> None:
        """Forget every answer."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
