"""The gateway's response store: in Redis when the config names one (shared by every worker, like the limits),
else in this process, bounded (:class:`modelmux._responses.store.MemoryResponseStore`)."""

from __future__ import annotations

from ..._responses.store import MemoryResponseStore, ResponseStore
from ..config import GatewayConfig

__all__ = ["aclose_store", "make_store"]


def make_store(config: GatewayConfig) -> ResponseStore:
    if config.redis_url:
        from ..._responses.store_redis import RedisResponseStore

        return RedisResponseStore(config.redis_url, prefix=config.redis_prefix)
    return MemoryResponseStore()


async def aclose_store(store: ResponseStore) -> None:
    close = getattr(store, "aclose", None)  # a store in memory holds nothing to close
    if close is not None:
        await close()
