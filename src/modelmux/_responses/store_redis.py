"""Responses kept in Redis (the optional ``redis`` extra), shared by every worker and replica using the server.

One key per response, ``{prefix}:responses:{id}``, holding its JSON, set with the store's TTL so Redis drops old ones
itself (bound the total with the server's ``maxmemory``); one response larger than ``max_entry_bytes`` is not kept.
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


class RedisResponseStore:
    """Args:
    url: a ``redis://`` URL (the store owns and closes that client) or a ``redis.asyncio.Redis`` client.
    prefix: namespace of the keys.
    ttl: seconds a response is kept.
    max_entry_bytes: a larger response is not kept (with a warning).
    """

    def __init__(
        self, url: str | Redis, *, prefix: str = "modelmux", ttl: float = 24 * 3600, max_entry_bytes: int = 16 << 20
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

    def _key(self, response_id: str) -> str:
        return f"{self._prefix}:responses:{response_id}"

    async def aget(self, response_id: str) -> StoredResponse | None:
        data = await self._client.get(self._key(response_id))
        return None if data is None else await adecode(data)

    async def aput(self, entry: StoredResponse) -> None:
        data = entry.to_json()
        if len(data) > self.max_entry_bytes:
            _log.warning("response %s not stored: %d bytes is over max_entry_bytes", entry.id, len(data))
            return
        await self._client.set(self._key(entry.id), data, px=max(1, int(self.ttl * 1000)))

    async def adelete(self, response_id: str) -> bool:
        return bool(await self._client.delete(self._key(response_id)))

    def get(self, response_id: str) -> StoredResponse | None:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    def put(self, entry: StoredResponse) -> None:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    def delete(self, response_id: str) -> bool:
        raise TypeError("RedisResponseStore is async only: use aresponses()")

    async def aclose(self) -> None:
        if self._owns:
            await self._client.aclose()
