"""The memory cache's bounds: TTL (a fake clock), entries and bytes, least recently used first out."""

from __future__ import annotations

import pytest
from cache_fakes import Clock

from modelmux.cache.memory import MemoryStore


def store(clock: Clock, **bounds: int) -> MemoryStore:
    return MemoryStore(
        max_entries=bounds.get("max_entries", 100), max_bytes=bounds.get("max_bytes", 10_000), clock=clock
    )


def test_ttl_expires_entries_on_the_clock() -> None:
    clock = Clock()
    s = store(clock)
    s.set("a", b"1", ttl=10)
    s.set("b", b"2", ttl=None)
    clock.now += 9.999
    assert s.get("a") == b"1"
    clock.now += 0.001
    assert s.get("a") is None and len(s) == 1
    clock.now += 10**9
    assert s.get("b") == b"2"


def test_entry_bound_evicts_the_least_recently_used() -> None:
    s = store(Clock(), max_entries=3)
    for name in "abc":
        s.set(name, b"x", ttl=None)
    assert s.get("a") == b"x"  # a is now the most recently used
    s.set("d", b"x", ttl=None)
    assert s.get("b") is None
    assert [s.get(n) for n in "acd"] == [b"x"] * 3 and len(s) == 3


def test_byte_bound_counts_keys_and_values_and_evicts_until_it_fits() -> None:
    s = store(Clock(), max_bytes=100)
    s.set("a", b"x" * 39, ttl=None)  # 40 bytes
    s.set("b", b"x" * 39, ttl=None)  # 80
    assert s.size_bytes == 80
    s.set("c", b"x" * 60, ttl=None)  # 61: both older ones must go for it to fit within 100
    assert s.get("a") is None and s.get("b") is None and s.get("c") is not None
    assert s.size_bytes == 61


def test_an_entry_larger_than_the_whole_cache_is_not_stored_and_evicts_nothing() -> None:
    s = store(Clock(), max_bytes=100)
    s.set("a", b"x", ttl=None)
    assert s.set("big", b"x" * 200, ttl=None) is False
    assert s.get("a") == b"x" and s.get("big") is None


def test_replacing_an_entry_keeps_the_byte_count_right() -> None:
    s = store(Clock())
    s.set("a", b"x" * 10, ttl=None)
    s.set("a", b"x" * 20, ttl=None)
    assert s.size_bytes == 21 and len(s) == 1
    s.delete("a")
    assert s.size_bytes == 0


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryStore(max_entries=0, max_bytes=1, clock=Clock())
