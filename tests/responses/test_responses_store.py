"""The response stores: bounds (count, bytes, age), conversations through ``previous``, who may read, Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from modelmux._responses.errors import ResponseNotFoundError
from modelmux._responses.store import MemoryResponseStore, StoredResponse, aconversation, conversation
from modelmux._responses.store_redis import RedisResponseStore


def entry(rid: str, previous: str | None = None, owner: str | None = None, text: str = "x") -> StoredResponse:
    message = {
        "id": f"msg_{rid}",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }
    user = {"id": f"in_{rid}", "type": "message", "role": "user", "content": [{"type": "input_text", "text": rid}]}
    return StoredResponse({"id": rid, "object": "response", "output": [message]}, [user], previous, owner)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_and_delete() -> None:
    store = MemoryResponseStore()
    store.put(entry("a", owner="k"))
    got = store.get("a")
    assert got is not None and got.owner == "k" and got.response["id"] == "a"
    assert store.delete("a") and not store.delete("a")
    assert store.get("a") is None and store.size == 0


def test_bounded_by_count_oldest_first() -> None:
    store = MemoryResponseStore(max_entries=3)
    for rid in "abcde":
        store.put(entry(rid))
    assert len(store) == 3
    assert [store.get(r) is not None for r in "abcde"] == [False, False, True, True, True]


def test_bounded_by_bytes_and_a_huge_entry_is_not_kept() -> None:
    size = len(entry("a").to_json())
    store = MemoryResponseStore(max_bytes=size * 12)
    for rid in "abcdefghijklmnop":
        store.put(entry(rid))
    assert store.size <= size * 12
    assert store.get("p") is not None and store.get("a") is None
    store.put(entry("huge", text="y" * size * 2))  # over a tenth of the store
    assert store.get("huge") is None


def test_entries_expire() -> None:
    clock = Clock()
    store = MemoryResponseStore(ttl=10, clock=clock)
    store.put(entry("a"))
    clock.now = 5
    store.put(entry("b"))
    clock.now = 11
    assert store.get("a") is None and store.get("b") is not None
    clock.now = 16
    store.put(entry("c"))  # expired ones at the old end are dropped on the way
    assert len(store) == 1


def test_a_conversation_is_the_chain_oldest_first() -> None:
    store = MemoryResponseStore()
    store.put(entry("a"))
    store.put(entry("b", previous="a"))
    store.put(entry("c", previous="b"))
    last, items = conversation(store, "c", None)
    assert last.id == "c"
    assert [i["id"] for i in items] == ["in_a", "msg_a", "in_b", "msg_b", "in_c", "msg_c"]
    assert asyncio.run(aconversation(store, "c", None))[1] == items


def test_a_broken_chain_or_another_owner_is_not_found() -> None:
    store = MemoryResponseStore()
    store.put(entry("b", previous="gone", owner="alice"))
    with pytest.raises(ResponseNotFoundError) as info:
        conversation(store, "b", "alice")
    assert info.value.status_code == 404 and "gone" in info.value.message
    with pytest.raises(ResponseNotFoundError):
        conversation(store, "b", "bob")


class FakeRedis:
    """The three commands the store uses, with expiry in milliseconds recorded."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.px: dict[str, int] = {}

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes, px: int) -> None:
        self.data[key] = value
        self.px[key] = px

    async def delete(self, key: str) -> int:
        return 1 if self.data.pop(key, None) is not None else 0


def test_redis_store() -> None:
    client: Any = FakeRedis()
    store = RedisResponseStore(client, prefix="gw", ttl=60, max_entry_bytes=2000)

    async def run() -> None:
        await store.aput(entry("a", owner="k"))
        assert list(client.data) == ["gw:responses:a"] and client.px["gw:responses:a"] == 60_000
        got = await store.aget("a")
        assert got is not None and got.owner == "k"
        await store.aput(entry("big", text="z" * 3000))
        assert await store.aget("big") is None
        assert await store.adelete("a") and not await store.adelete("a")
        await store.aclose()  # a client it was given is the caller's to close

    asyncio.run(run())
    with pytest.raises(TypeError):
        store.get("a")
