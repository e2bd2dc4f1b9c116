"""Where responses are kept for ``previous_response_id``, ``GET`` and ``DELETE``: the store interface, and a bounded
in-memory store (the default; :mod:`.store_redis` shares one across processes).

An entry is one response: the Response object, this request's input items, the id of the response it continued,
who created it (the gateway key; ``None`` in the library) and whether OpenAI made it natively (then OpenAI knows its
id too). A conversation is the chain of entries through ``previous`` (:func:`conversation`), so each turn stores
only its own items: linear in the conversation, not quadratic.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import BadRequestError
from .errors import ResponseNotFoundError

__all__ = [
    "MAX_CHAIN",
    "MAX_CONVERSATION_BYTES",
    "MemoryResponseStore",
    "ResponseStore",
    "StoredResponse",
    "aconversation",
    "conversation",
    "readable",
]

_log = logging.getLogger("modelmux")

#: The longest conversation followed through ``previous_response_id`` (each turn is one entry), and the most items
#: it may hold together (the gateway's bound on messages per request is 10,000).
MAX_CHAIN = 1_000
MAX_ITEMS = 100_000
#: The most JSON bytes a conversation's stored responses may hold together: a chain of large entries (Redis keeps
#: up to 16 MiB each) is refused once this much was read, before the rest is loaded.
MAX_CONVERSATION_BYTES = 64 << 20

#: A stored entry from this size on is parsed in a worker thread by the async reads.
OFFLOAD_BYTES = 256 * 1024

_FIELDS = ("response", "input_items", "previous", "owner", "native", "extra")


@dataclass(slots=True)
class StoredResponse:
    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    previous: str | None = None
    owner: str | None = None
    native: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    size: int = field(default=0, compare=False, repr=False)  # bytes of its JSON, when read from a store

    @property
    def id(self) -> str:
        return str(self.response["id"])

    def to_json(self) -> bytes:
        data = {name: getattr(self, name) for name in _FIELDS}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> StoredResponse:
        raw = json.loads(data)
        return cls(**{k: raw[k] for k in _FIELDS if k in raw}, size=len(data))


async def adecode(data: bytes | str) -> StoredResponse:
    """``StoredResponse.from_json(data)``, in a worker thread when it is large: a conversation is read entry by
    entry, so the event loop waits for one entry's parse at most, never for the whole chain's."""
    if len(data) < OFFLOAD_BYTES:
        return StoredResponse.from_json(data)
    return await asyncio.to_thread(StoredResponse.from_json, data)


class ResponseStore(Protocol):
    """Async methods for the gateway and ``aresponses()``; the sync ones for ``responses()``. ``owner`` on a delete:
    who created the response, when the caller knows it (a store keeping a per-owner index uses it)."""

    async def aget(self, response_id: str) -> StoredResponse | None: ...
    async def aput(self, entry: StoredResponse) -> None: ...
    async def adelete(self, response_id: str, owner: str | None = None) -> bool: ...
    def get(self, response_id: str) -> StoredResponse | None: ...
    def put(self, entry: StoredResponse) -> None: ...
    def delete(self, response_id: str, owner: str | None = None) -> bool: ...


class MemoryResponseStore:
    """Responses in this process, bounded by count, total bytes and age; the oldest go first.

    Shared by several owners (the gateway's keys), no owner can push the others out: an owner over its own share
    (``max_entries_per_owner`` / ``max_bytes_per_owner``) loses its own oldest responses first, and when the whole
    store is full the owner holding the most (entries for the count bound, bytes for the size bound) gives way, so an
    owner's responses are only evicted for another's while it holds at least as much as that other.

    Args:
        max_entries: responses kept at most.
        max_bytes: their JSON size together at most; a single response larger than a tenth of it is not kept
            (with a warning), so one huge answer cannot flush the rest.
        ttl: seconds a response is kept.
        clock: seconds, monotonic (tests pass their own).
        max_entries_per_owner: responses one owner keeps at most (None: only the store's bound).
        max_bytes_per_owner: their JSON size together at most (None: only the store's bound).
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        max_bytes: int = 256 * 1024 * 1024,
        ttl: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
        max_entries_per_owner: int | None = None,
        max_bytes_per_owner: int | None = None,
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes, str | None]] = OrderedDict()
        self._owners: dict[str | None, OrderedDict[str, int]] = {}  # owner → its ids, oldest first → bytes
        self._owner_bytes: dict[str | None, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.max_entries_per_owner = max_entries if max_entries_per_owner is None else max_entries_per_owner
        self.max_bytes_per_owner = max_bytes if max_bytes_per_owner is None else max_bytes_per_owner
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def held_by(self, owner: str | None) -> int:
        """Responses ``owner`` holds."""
        with self._lock:
            return len(self._owners.get(owner) or ())

    def get(self, response_id: str) -> StoredResponse | None:
        data = self._data(response_id)
        return None if data is None else StoredResponse.from_json(data)

    def _data(self, response_id: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(response_id)
            if found is None:
                return None
            if found[0] <= self._clock():
                self._remove(response_id)
                return None
        return found[1]

    def put(self, entry: StoredResponse) -> None:
        data = entry.to_json()
        if len(data) > self.max_bytes // 10 or len(data) > self.max_bytes_per_owner:
            _log.warning(
                "response %s not stored: %d bytes is over a tenth of the store or its share", entry.id, len(data)
            )
            return
        owner = entry.owner
        with self._lock:
            self._remove(entry.id)
            self._entries[entry.id] = (self._clock() + self.ttl, data, owner)
            self._owners.setdefault(owner, OrderedDict())[entry.id] = len(data)
            self._owner_bytes[owner] = self._owner_bytes.get(owner, 0) + len(data)
            self._bytes += len(data)
            self._evict(owner)

    def delete(self, response_id: str, owner: str | None = None) -> bool:
        with self._lock:
            return self._remove(response_id)

    async def aget(self, response_id: str) -> StoredResponse | None:
        data = self._data(response_id)
        return None if data is None else await adecode(data)

    async def aput(self, entry: StoredResponse) -> None:
        self.put(entry)

    async def adelete(self, response_id: str, owner: str | None = None) -> bool:
        return self.delete(response_id)

    def _remove(self, response_id: str) -> bool:
        found = self._entries.pop(response_id, None)
        if found is None:
            return False
        size, owner = len(found[1]), found[2]
        self._bytes -= size
        own = self._owners[owner]
        del own[response_id]
        if own:
            self._owner_bytes[owner] -= size
        else:
            del self._owners[owner], self._owner_bytes[owner]
        return True

    def _evict(self, owner: str | None) -> None:
        # The owner that just stored: over its own share, its own oldest go.
        own = self._owners[owner]
        while len(own) > self.max_entries_per_owner or self._owner_bytes[owner] > self.max_bytes_per_owner:
            self._remove(next(iter(own)))
            if not own:  # ``_remove`` dropped its emptied table
                break
        # The whole store over a bound: the owner holding the most gives its oldest (a scan of the owners, few).
        owners, held = self._owners, self._owner_bytes
        while len(self._entries) > self.max_entries:
            largest = max(owners, key=lambda o: len(owners[o]))
            self._remove(next(iter(owners[largest])))
        while self._bytes > self.max_bytes:
            largest = max(held, key=held.__getitem__)
            self._remove(next(iter(owners[largest])))
        # Expired entries at the old end go too (insertion order is expiry order: one TTL for all).
        entries, now = self._entries, self._clock()
        while entries:
            first = next(iter(entries))
            if entries[first][0] > now:
                break
            self._remove(first)


def readable(entry: StoredResponse | None, owner: str | None) -> bool:
    """Whether ``owner`` may read ``entry`` (the gateway key that created it; the library reads its own)."""
    return entry is not None and entry.owner == owner


def _items(entries: list[StoredResponse], more: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for entry in reversed(entries):
        items.extend(entry.input_items)
        items.extend(entry.response.get("output") or ())
    if more or len(items) > MAX_ITEMS:
        size = sum(entry.size for entry in entries)
        raise BadRequestError(
            f"The conversation before this response is too long to continue ({len(entries)} responses, "
            f"{len(items)} items, {size} bytes; at most {MAX_CHAIN}, {MAX_ITEMS} and {MAX_CONVERSATION_BYTES}): "
            "start a new one with its items as input.",
            param="previous_response_id",
            code="conversation_too_long",
            status_code=400,
        )
    return items


def conversation(
    store: ResponseStore, response_id: str, owner: str | None
) -> tuple[StoredResponse, list[dict[str, Any]]]:
    """The entry of ``response_id`` and every item of the conversation up to it, oldest first.

    Raises:
        ResponseNotFoundError: it, or a response before it, is not (or no longer) stored for ``owner``.
    """
    entries: list[StoredResponse] = []
    wanted: str | None = response_id
    size = 0
    while wanted is not None and len(entries) < MAX_CHAIN:
        entry = store.get(wanted)
        if entry is None or not readable(entry, owner):
            raise ResponseNotFoundError(wanted, param="previous_response_id")
        entries.append(entry)
        wanted = entry.previous
        size += entry.size
        if size > MAX_CONVERSATION_BYTES:
            break
    return entries[0], _items(entries, wanted is not None)


async def aconversation(
    store: ResponseStore, response_id: str, owner: str | None
) -> tuple[StoredResponse, list[dict[str, Any]]]:
    """The async twin of :func:`conversation`."""
    entries: list[StoredResponse] = []
    wanted: str | None = response_id
    size = 0
    while wanted is not None and len(entries) < MAX_CHAIN:
        get: Callable[[str], Awaitable[StoredResponse | None]] = store.aget
        entry = await get(wanted)
        if entry is None or not readable(entry, owner):
            raise ResponseNotFoundError(wanted, param="previous_response_id")
        entries.append(entry)
        wanted = entry.previous
        size += entry.size
        if size > MAX_CONVERSATION_BYTES:
            break
    return entries[0], _items(entries, wanted is not None)
