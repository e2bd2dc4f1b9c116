"""Responses kept in Redis (the optional ``redis`` extra), shared by every worker and replica using the server.

One key per response, ``{prefix}:responses:{id}``, holding its JSON, set with the store's TTL so Redis drops old ones
itself (bound the total with the server's ``maxmemory``); one response larger than ``max_entry_bytes`` is not kept.
With ``max_entries_per_owner`` (the gateway sets it), each owner's ids are also kept in a sorted set by time,
``{prefix}:responses:owner:{owner}``: a put beyond the owner's share pops that owner's own oldest ids from it (one
script: atomic across workers) and deletes their responses, so one key cannot fill the server's memory and make
Redis evict the others'.
Async only: the gateway and ``aresponses()`` use it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .store import StoredResponse, adecode

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisResponseStore"]

_log = logging.getLogger("modelmux")

#: Seconds to connect and to wait for a reply (the limiter's values: a hung Redis fails a request quickly).
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 2.0


#: KEYS: the owner's index. ARGV: the TTL (ms), the owner's share, the id. Indexes the id by the server's time, drops
#: ids past the TTL, and pops (returns) the owner's oldest ids beyond its share, whose responses the caller deletes.
#: One key per script, and each response deleted by its own command: every key may live in its own cluster slot.
_INDEX = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
local evicted = {}
if over > 0 then
  evicted = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return evicted
"""


class RedisResponseStore:
    """Args:
    url: a ``redis://`` URL (the store owns and closes that client) or a ``redis.asyncio.Redis`` client.
    prefix: namespace of the keys.
    ttl: seconds a response is kept.
    max_entry_bytes: a larger response is not kept (with a warning).
    max_entries_per_owner: responses one owner keeps at most, its own oldest deleted beyond (None: no bound).
    """

    def __init__(
        self,
        url: str | Redis,
        *,
        prefix: str = "modelmux",
        ttl: float = 24 * 3600,
        max_entry_bytes: int = 16 << 20,
        max_entries_per_owner: int | None = None,
    ) -> None:
        try:
            import redis.asyncio
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError(
                "RedisResponseStore needs the redis package (the modelmux 'redis' extra): pip install redis"
            ) from None
        if isinstance(url, str):
            self._client: Any = redis.asyncio.from_url(
                url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=READ_TIMEOUT
            )
            self._owns = True
        else:
            self._client = url
            self._owns = False
        self._prefix = prefix
        self.ttl = ttl
        self.max_entry_bytes = max_entry_bytes
        self.max_entries_per_owner = max_entries_per_owner
        self._index_script: Any = None  # registered on first use

    def _key(self, response_id: str) -> str:
        return f"{self._prefix}:responses:{response_id}"

    def _index(self, owner: str | None) -> str:
        return f"{self._prefix}:responses:owner:{'' if owner is None else owner}"

    async def held_by(self, owner: str | None) -> int:
        """Responses ``owner`` holds (by its index; 0 without ``max_entries_per_owner``)."""
        return int(await self._client.zcard(self._index(owner)))

    async def aget(self, response_id: str) -> StoredResponse | None:
        data = await self._client.get(self._key(response_id))
        return None if data is None else await adecode(data)

    async def aput(self, entry: StoredResponse) -> None:
        data = entry.to_json()
        if len(data) > self.max_entry_bytes:
            _log.warning("response %s not stored: %d bytes is over max_entry_bytes", entry.id, len(data))
            return
        ttl_ms = max(1, int(self.ttl * 1000))
        await self._client.set(self._key(entry.id), data, px=ttl_ms)
        if self.max_entries_per_owner is None:
            return
        if self._index_script is None:
            self._index_script = self._client.register_script(_INDEX)
        args = [ttl_ms, self.max_entries_per_owner, entry.id]
        evicted = await self._index_script(keys=[self._index(entry.owner)], args=args)
        if evicted:  # the owner's own oldest, beyond its share (the index no longer counts them)
            async with self._client.pipeline(transaction=False) as pipe:
                for rid in evicted:
                    pipe.delete(self._key(rid.decode() if isinstance(rid, bytes) else str(rid)))
                await pipe.execute()

    async def adelete(self, response_id: str, owner: str | None = None) -> bool:
        if self.max_entries_per_owner is None:
            return bool(await self._client.delete(self._key(response_id)))
        async with self._client.pipeline(transaction=False) as pipe:  # its place in the owner's share is free again
            pipe.delete(self._key(response_id))
            pipe.zrem(self._index(owner), response_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    def get(self, response_id: str) -> StoredResponse | None:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    def put(self, entry: StoredResponse) -> None:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    def delete(self, response_id: str, owner: str | None = None) -> bool:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    async def aclose(self) -> None:
        if self._owns:
            await self._client.aclose()
