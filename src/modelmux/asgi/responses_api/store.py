"""The gateway's response store: in Redis when the config names one (shared by every worker, like the limits),
else in this process, bounded (:class:`modelmux._responses.store.MemoryResponseStore`); either way with a share per
client key, so one key cannot evict the others' responses."""

from __future__ import annotations

from ..._responses.store import MemoryResponseStore, ResponseStore
from ..config import GatewayConfig

__all__ = ["aclose_store", "make_store"]


def make_store(config: GatewayConfig) -> ResponseStore:
    """The store, each key keeping at most ``[limits] max_stored_responses_per_key`` responses (and, in memory, that
    share of the store's bytes): beyond it, the key's own oldest go, never another key's."""
    share = config.stored_responses_per_key
    if config.redis_url:
        from ..._responses.store_redis import RedisResponseStore

        return RedisResponseStore(config.redis_url, prefix=config.redis_prefix, max_entries_per_owner=share)
    store = MemoryResponseStore()
    store.max_entries_per_owner = min(share, store.max_entries)
    store.max_bytes_per_owner = store.max_bytes * store.max_entries_per_owner // store.max_entries
    return store


async def aclose_store(store: ResponseStore) -> None:
    close = getattr(store, "aclose", None)  # a store in memory holds nothing to close
    if close is not None:
        await close()
