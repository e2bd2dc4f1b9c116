"""Cache entries in Redis, shared by every process that uses the same server and namespace.

One ``GET`` per lookup and one ``SET … PX`` per store. Redis failing (down, slow, refusing the credentials) never
fails a call: a lookup becomes a miss and a store is skipped, with a warning when the outage starts and one line
when it ends (not one per call). Every socket operation has a short connect and read timeout, so a hung server costs
a call at most about a second. The async client is one per event loop (a ``redis.asyncio`` connection belongs to
the loop that opened it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis as redis_sync
    import redis.asyncio as redis_async

__all__ = ["RedisStore"]

_log = logging.getLogger("modelmux.cache")

#: Seconds to connect and to wait for a reply: a hung Redis makes a call a little slower, not stuck.
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0


class RedisStore:
    """Entries under ``url`` (a ``redis://`` URL, password included when needed)."""

    def __init__(self, url: str, *, max_entry_bytes: int = 8 * 1024 * 1024) -> None:
        try:
            import redis
        except ImportError as exc:
            raise ImportError("Cache(type='redis') needs the redis package (the modelmux 'redis' extra)") from exc
        self._url = url
        self._max_entry_bytes = max_entry_bytes
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._sync: redis_sync.Redis | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis_async.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._down = False

    def __repr__(self) -> str:
        return "RedisStore(<url hidden>)"

    @property
    def max_entry_bytes(self) -> int:
        """The largest value that is stored."""
        return self._max_entry_bytes

    def _options(self) -> dict[str, Any]:
        return {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": READ_TIMEOUT}

    def _client(self) -> redis_sync.Redis:
        if self._sync is None:
            import redis

            self._sync = redis.Redis.from_url(self._url, **self._options())
        return self._sync

    def _aclient(self) -> redis_async.Redis:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            import redis.asyncio

            client = self._async[loop] = redis.asyncio.Redis.from_url(self._url, **self._options())
        return client

    def get(self, key: str) -> bytes | None:
        try:
            value = self._client().get(key)
        except self._errors as exc:
            self._failed(exc)
            return None
        self._recovered()
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float | None) -> bool:
        if (ttl is not None and ttl <= 0) or len(value) > self._max_entry_bytes:
            return False
        try:
            self._client().set(key, value, px=None if ttl is None else max(1, math.ceil(ttl * 1000)))
        except self._errors as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    async def aget(self, key: str) -> bytes | None:
        try:
            value = await self._aclient().get(key)
        except self._errors as exc:
            self._failed(exc)
            return None
        self._recovered()
        return value if isinstance(value, bytes) else None

    async def aset(self, key: str, value: bytes, ttl: float | None) -> bool:
        if (ttl is not None and ttl <= 0) or len(value) > self._max_entry_bytes:
            return False
        try:
            await self._aclient().set(key, value, px=None if ttl is None else max(1, math.ceil(ttl * 1000)))
        except self._errors as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the sync client and this event loop's async client."""
        self.close()
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def _failed(self, exc: BaseException) -> None:
        if not self._down:
            self._down = True
            _log.warning(
                "Redis cache unreachable (%s); calls go to the provider uncached until it answers again",
                type(exc).__name__,
            )
        else:
            _log.debug("Redis cache still unreachable: %s", type(exc).__name__)

    def _recovered(self) -> None:
        if self._down:
            self._down = False
            _log.warning("Redis cache reachable again")
