"""Each owner's share of a response store: one gateway key storing many responses evicts its own oldest, never
the other keys' (in memory and in a real Redis)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelmux._responses.store import MemoryResponseStore, StoredResponse
from modelmux._responses.store_redis import RedisResponseStore

sys.path.insert(0, str(Path(__file__).parent.parent / "asgi"))
from limits.conftest import _redis_server_binary, _start, _stop


def entry(rid: str, owner: str | None, text: str = "x") -> StoredResponse:
    return StoredResponse(
        {"id": rid, "object": "response", "output": [{"type": "text", "text": text}]}, [], None, owner
    )


def kept(store: MemoryResponseStore, ids: list[str]) -> list[str]:
    return [rid for rid in ids if store.get(rid) is not None]


def test_an_owner_over_its_share_loses_its_own_oldest_first() -> None:
    store = MemoryResponseStore(max_entries=100, max_entries_per_owner=5)
    store.put(entry("bob-1", "bob"))
    store.put(entry("bob-2", "bob"))
    flood = [f"eve-{i}" for i in range(50)]
    for rid in flood:
        store.put(entry(rid, "eve"))
    assert kept(store, ["bob-1", "bob-2"]) == ["bob-1", "bob-2"]
    assert kept(store, flood) == flood[-5:]  # eve's newest five
    assert store.held_by("eve") == 5 and store.held_by("bob") == 2 and len(store) == 7


def test_a_full_store_makes_the_owner_holding_the_most_give_way() -> None:
    store = MemoryResponseStore(max_entries=10)  # no fixed share: the whole store is one owner's while alone
    flood = [f"eve-{i}" for i in range(10)]
    for rid in flood:
        store.put(entry(rid, "eve"))
    assert len(store) == 10
    for i in range(4):
        store.put(entry(f"bob-{i}", "bob"))
    assert kept(store, [f"bob-{i}" for i in range(4)]) == [f"bob-{i}" for i in range(4)]
    assert kept(store, flood) == flood[4:]  # eve, the largest, paid for each of bob's
    for i in range(20):  # bob now floods too: the two end up sharing the store evenly
        store.put(entry(f"bob-more-{i}", "bob"))
    assert store.held_by("bob") == 5 and store.held_by("eve") == 5


def test_the_byte_bound_also_takes_from_the_largest_holder() -> None:
    size = len(entry("eve-00", "eve").to_json())
    store = MemoryResponseStore(max_bytes=size * 20)
    for i in range(20):
        store.put(entry(f"eve-{i:02}", "eve"))
    store.put(entry("bob-00", "bob"))
    assert store.get("bob-00") is not None and store.get("eve-00") is None and store.size <= size * 20


def test_a_share_in_bytes_is_kept_too() -> None:
    size = len(entry("eve-00", "eve").to_json())
    store = MemoryResponseStore(max_bytes_per_owner=size * 3)
    store.put(entry("bob-00", "bob"))
    for i in range(10):
        store.put(entry(f"eve-{i:02}", "eve"))
    assert store.held_by("eve") == 3 and store.get("bob-00") is not None
    store.put(entry("eve-big", "eve", text="y" * size * 4))  # alone over the share: not kept
    assert store.get("eve-big") is None and store.held_by("eve") == 3


def test_deletes_and_expiry_keep_the_counts_right() -> None:
    now = [0.0]
    store = MemoryResponseStore(max_entries_per_owner=2, ttl=10, clock=lambda: now[0])
    store.put(entry("a", "k"))
    store.put(entry("b", "k"))
    assert store.delete("a") and store.held_by("k") == 1
    store.put(entry("c", "k"))
    assert kept(store, ["b", "c"]) == ["b", "c"]
    now[0] = 11
    assert store.get("b") is None and store.get("c") is None
    assert store.held_by("k") == 0 and store.size == 0


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server, port = _start(_redis_server_binary(), tmp_path)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(server)


def test_redis_an_owner_over_its_share_loses_its_own_oldest(redis_url: str) -> None:
    async def run() -> None:
        store = RedisResponseStore(redis_url, prefix="share", ttl=60, max_entries_per_owner=3)
        other = RedisResponseStore(redis_url, prefix="share", ttl=60, max_entries_per_owner=3)  # a second worker
        try:
            await store.aput(entry("bob-1", "bob"))
            for i in range(10):
                await (store if i % 2 else other).aput(entry(f"eve-{i}", "eve"))
            found: dict[str, Any] = {f"eve-{i}": await store.aget(f"eve-{i}") for i in range(10)}
            assert [rid for rid, got in found.items() if got is not None] == ["eve-7", "eve-8", "eve-9"]
            assert await store.aget("bob-1") is not None
            assert await store.held_by("eve") == 3 and await store.held_by("bob") == 1
            assert await store.adelete("eve-9", owner="eve") and await store.held_by("eve") == 2
            await store.aput(entry("eve-10", "eve"))  # the freed slot is used: nothing else goes
            assert await store.aget("eve-8") is not None and await store.held_by("eve") == 3
            assert not await store.adelete("eve-9", owner="eve")
        finally:
            await store.aclose()
            await other.aclose()

    asyncio.run(run())
