"""The one bounded map of the process's caches: cachetools' LRUCache, bounded in bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Kept(Generic[V]):
    """A value and what it costs, as the map's `size` counted it when it was put."""

    value: V
    size: int


class BoundedLRU(Generic[V]):
    """Values by key, within `max_bytes` and `max_entries`; least recently used evicted first.

    `size` says what keeping a value under a key costs, in bytes, as its owner counts it. A
    value costing more than `max_bytes` alone is not kept.
    """

    def __init__(
        self, *, max_bytes: int, size: Callable[[str, V], int], max_entries: int | None = None
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._size = size
        # cachetools keeps the order and the byte bound; the count bound is kept in `put`.
        self._items: LRUCache[str, _Kept[V]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda kept: kept.size
        )

    def get(self, key: str) -> V | None:
        """Return the value under `key` and mark it recently used, or None."""
        kept = self._items.get(key)
        return kept.value if kept is not None else None

    def put(self, key: str, value: V) -> None:
        """Keep `value` under `key`, evicting the least recently used beyond the bounds."""
        # The old value goes first, whether or not the new one is kept.
        self._items.pop(key, None)
        size = self._size(key, value)
        if size > self.max_bytes or self.max_entries == 0:
            return
        while self.max_entries is not None and len(self._items) >= self.max_entries:
            self._items.popitem()
        # cachetools evicts the least recently used until the bytes fit.
        self._items[key] = _Kept(value, size)

    def clear(self) -> None:
        """Forget every value."""
        self._items.clear()

    @property
    def size_bytes(self) -> int:
        """Return what the values held cost, as `size` counted each."""
        return int(self._items.currsize)

    def __len__(self) -> int:
        return len(self._items)
