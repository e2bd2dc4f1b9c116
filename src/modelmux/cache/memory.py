"""Cache entries in this process: least recently used first out, bounded in entries and in bytes, with a TTL."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["MemoryStore"]


class MemoryStore:
    """At most ``max_entries`` entries and ``max_bytes`` bytes (keys and values; an entry larger than ``max_bytes``
    is not stored). Thread-safe; every operation is O(1) amortised (an expired entry is dropped when read, or
    evicted in its turn)."""

    def __init__(self, *, max_entries: int, max_bytes: int, clock: Callable[[], float]) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("max_entries and max_bytes must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()  # key -> (value, expires at)
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def max_entry_bytes(self) -> int:
        """The largest value that can be stored (with its key)."""
        return self.max_bytes

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires = entry
            if expires is not None and self._clock() >= expires:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: float | None) -> bool:
        """Store ``value`` for ``ttl`` seconds (None: until evicted); whether it was stored."""
        size = len(key) + len(value)
        if size > self.max_bytes or (ttl is not None and ttl <= 0):
            return False
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            if key in self._entries:
                self._drop(key)
            while self._entries and (len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes):
                self._drop(next(iter(self._entries)))
            self._entries[key] = (value, expires)
            self._bytes += size
        return True

    def delete(self, key: str) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        value, _ = self._entries.pop(key)
        self._bytes -= len(key) + len(value)
