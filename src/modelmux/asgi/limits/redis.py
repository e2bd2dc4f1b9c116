"""Limit state in Redis: every worker and replica using one server shares each key's budget exactly.

Each acquire is one Lua script, so both checks and both updates happen atomically on the server, whatever the number
of processes. Times come from the server's ``TIME``, so the workers' clocks do not matter. Per key there are two
sorted sets under one hash tag (so they live in one cluster slot too):

- ``{prefix}:limits:{key_id}:starts``: one member per counted request, scored by its start (µs);
- ``{prefix}:limits:{key_id}:leases``: one member per request in flight, scored by when its lease ends (µs).

A lease lives ``lease_seconds`` and the limiter that holds it renews it every third of that while the request runs,
so a worker that dies frees its slots within ``lease_seconds``. Both sets expire on their own once idle. Needs
Redis 5 or later (scripts replicated by effect, so they may read ``TIME`` before writing).

Failing well: every socket operation has a connect and a read timeout; a dead pooled connection (Redis restarted) is
retried once on a fresh one, which the acquire script allows because it is idempotent per token; an acquire that
failed or was cancelled after the script may have run has its token removed from both sets (at once, or on the next
successful contact when Redis is down), so no phantom slot or minute entry stays behind. An outage is logged once
when it starts and once when it ends, not per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from .base import CONCURRENCY, REQUESTS_PER_MINUTE, Decision, LimiterError, check_limits

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisLimiter"]

_log = logging.getLogger("modelmux.asgi.limits")

# Returns {1, 0, 0} when admitted, else {0, reason, µs until a retry can pass the rpm check} and changes nothing.
# A token already admitted is admitted again, changing nothing: a retry of a call whose reply was lost is harmless.
# Scores go through string.format: Lua's own number-to-string keeps 14 digits, too few for µs since the epoch.
_ACQUIRE = """
local token, rpm, max_concurrent = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], token) or redis.call('ZSCORE', KEYS[2], token) then return {1, 0, 0} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local window, lease = tonumber(ARGV[4]), tonumber(ARGV[5])
local function score(x) return string.format('%.0f', x) end
local function keep_for(key, us)
  local ms = math.ceil(us / 1000)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
if rpm >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', score(now - window))
  local counted = redis.call('ZCARD', KEYS[1])
  if counted >= rpm then
    if rpm == 0 then return {0, 1, window} end
    local leaving = redis.call('ZRANGE', KEYS[1], counted - rpm, counted - rpm, 'WITHSCORES')
    return {0, 1, tonumber(leaving[2]) + window - now}
  end
end
if max_concurrent >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', score(now))
  if redis.call('ZCARD', KEYS[2]) >= max_concurrent then return {0, 2, 0} end
  redis.call('ZADD', KEYS[2], score(now + lease), token)
  keep_for(KEYS[2], lease)
end
if rpm >= 0 then
  redis.call('ZADD', KEYS[1], score(now), token)
  keep_for(KEYS[1], window)
end
return {1, 0, 0}
"""

# XX: a lease already purged as expired stays gone (its slot may have been given away since).
_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local lease = tonumber(ARGV[1])
local expiry = string.format('%.0f', now + lease)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i]) end
local ms = math.ceil(lease / 1000)
if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
return 0
"""


_FORGET = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
"""

#: Seconds to open a connection and to wait for any reply: a hung Redis becomes a 503 quickly, not a stalled request.
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0
#: Tokens waiting to be removed while Redis is down, at most (beyond, they lapse with their lease and window).
_MAX_ORPHANS = 10_000


def _client(url: str) -> Redis:
    import redis
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import ConstantBackoff

    errors = [redis.ConnectionError, redis.TimeoutError]
    return redis.asyncio.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=READ_TIMEOUT,
        retry=Retry(ConstantBackoff(0.05), 1),
        retry_on_error=errors,
        health_check_interval=30,
    )


class RedisLimiter:
    """Limits kept in Redis, shared exactly by every limiter that uses the same server and prefix.

    Use one instance from one event loop. ``release`` belongs to the instance that acquired (it renews the lease
    meanwhile). Store failures in ``acquire`` and :meth:`check` raise :class:`LimiterError`; ``release`` only logs
    them, since the lease runs out by itself.

    Args:
        url: a ``redis://`` URL (the limiter owns and closes that client, with connect and read timeouts and one retry
            on a dead connection) or a ``redis.asyncio.Redis`` client (configure those on it).
        prefix: namespace of the keys in Redis.
        window_seconds: length of the sliding window behind ``rpm`` (60; shorter in tests).
        lease_seconds: how long a slot outlives a limiter that stopped renewing it (a crashed worker).
        concurrency_retry_after: the ``retry_after`` hint when refused for concurrency.
    """

    def __init__(
        self,
        url: str | Redis,
        *,
        prefix: str = "modelmux",
        window_seconds: float = 60.0,
        lease_seconds: float = 30.0,
        concurrency_retry_after: float = 1.0,
    ) -> None:
        try:
            import redis
            import redis.asyncio
        except ImportError as exc:
            raise ImportError(
                "RedisLimiter needs the redis package (the modelmux 'redis' extra): pip install redis"
            ) from exc
        if window_seconds <= 0 or lease_seconds <= 0:
            raise ValueError("window_seconds and lease_seconds must be > 0")
        self._owns_client = isinstance(url, str)
        self._client: Redis = _client(url) if isinstance(url, str) else url
        self._store_errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._acquire_script = self._client.register_script(_ACQUIRE)
        self._renew_script = self._client.register_script(_RENEW)
        self._forget_script = self._client.register_script(_FORGET)
        self._prefix = prefix
        self._window_us = math.ceil(window_seconds * 1_000_000)
        self._lease_us = math.ceil(lease_seconds * 1_000_000)
        self._renew_every = lease_seconds / 3
        self._concurrency_retry_after = concurrency_retry_after
        self._held: dict[str, set[str]] = {}  # key_id -> lease tokens this instance renews
        self._renewer: asyncio.Task[None] | None = None
        self._chores: set[asyncio.Task[None]] = set()
        self._orphans: dict[str, tuple[str, str]] = {}  # token -> its keys, to remove once Redis answers again
        self._down = False

    async def check(self) -> None:
        """Raise :class:`LimiterError` unless the store answers (reachable, and the credentials are accepted)."""
        try:
            await self._client.ping()
        except self._store_errors as exc:
            raise LimiterError(f"the Redis limit store is not usable: {type(exc).__name__}: {exc}") from None

    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision:
        if rpm is None and max_concurrent is None:
            return Decision(allowed=True)
        check_limits(rpm, max_concurrent)
        token = uuid.uuid4().hex  # unique across processes: a member of both sets
        keys = self._keys(key_id)
        args = (token, -1 if rpm is None else rpm, -1 if max_concurrent is None else max_concurrent)
        try:
            allowed, reason, wait_us = await self._acquire_script(
                keys=keys, args=(*args, self._window_us, self._lease_us)
            )
        except asyncio.CancelledError:
            # The script may have run before the caller gave up: take back what nobody will release.
            self._spawn(self._forget(keys, token))
            raise
        except self._store_errors as exc:
            self._failed(exc)
            self._spawn(self._forget(keys, token))  # the reply may be what was lost: the script may have run
            raise LimiterError(f"the Redis limit store failed: {type(exc).__name__}") from None
        self._recovered()
        if not allowed:
            if reason == 1:
                return Decision(False, reason=REQUESTS_PER_MINUTE, retry_after=wait_us / 1_000_000)
            return Decision(False, reason=CONCURRENCY, retry_after=self._concurrency_retry_after)
        if max_concurrent is not None:
            self._held.setdefault(key_id, set()).add(token)
            if self._renewer is None or self._renewer.done():
                self._renewer = asyncio.get_running_loop().create_task(self._renew_leases())
        return Decision(True, token=token)

    async def release(self, key_id: str, token: str) -> None:
        held = self._held.get(key_id)
        if held is None or token not in held:
            return  # unlimited or rpm-only: there is no lease
        held.discard(token)
        if not held:
            del self._held[key_id]
        # Shielded: a release from a cancelled request (a client that went away) still frees the slot now.
        await asyncio.shield(self._spawn(self._remove_lease(self._keys(key_id)[1], token)))

    async def aclose(self) -> None:
        """Stop renewing leases and close the client if this limiter opened it. Unreleased slots lapse."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        if self._chores:
            await asyncio.gather(*self._chores, return_exceptions=True)
        self._held.clear()
        if self._owns_client:
            await self._client.aclose()

    def _keys(self, key_id: str) -> tuple[str, str]:
        base = f"{self._prefix}:limits:{{{key_id}}}"
        return f"{base}:starts", f"{base}:leases"

    async def _remove_lease(self, leases_key: str, token: str) -> None:
        try:
            await self._client.zrem(leases_key, token)
        except self._store_errors as exc:
            self._failed(exc)
            _log.debug("could not release a concurrency slot, it lapses with its lease: %s", type(exc).__name__)
        else:
            self._recovered()

    async def _forget(self, keys: tuple[str, str], token: str) -> None:
        """Remove a token from both sets (an acquire that may have counted it, but whose caller never got it)."""
        try:
            await self._forget_script(keys=keys, args=(token,))
        except self._store_errors:
            self._orphan(keys, token)

    def _orphan(self, keys: tuple[str, str], token: str) -> None:
        if len(self._orphans) < _MAX_ORPHANS:
            self._orphans[token] = keys

    def _failed(self, exc: BaseException) -> None:
        if not self._down:
            self._down = True
            _log.error(
                "Redis limit store unreachable (%s: %s); requests are refused with 503 until it answers again",
                type(exc).__name__,
                exc,
            )

    def _recovered(self) -> None:
        if self._down:
            self._down = False
            _log.warning("Redis limit store reachable again")
        if self._orphans:
            orphans, self._orphans = self._orphans, {}
            for token, keys in orphans.items():
                self._spawn(self._forget(keys, token))

    async def _renew_leases(self) -> None:
        while self._held:
            await asyncio.sleep(self._renew_every)
            for key_id, tokens in list(self._held.items()):
                if not tokens:
                    continue
                try:
                    await self._renew_script(keys=self._keys(key_id)[1:], args=(self._lease_us, *tokens))
                except self._store_errors as exc:
                    self._failed(exc)
                    _log.debug("could not renew concurrency leases: %s", type(exc).__name__)
                else:
                    self._recovered()
        self._renewer = None

    def _spawn(self, chore: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(chore)
        self._chores.add(task)  # a reference, so the loop does not drop it half-way
        task.add_done_callback(self._chores.discard)
        return task
