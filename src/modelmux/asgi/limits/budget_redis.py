"""Spend budgets in Redis: every replica sharing one server and prefix shares each key's budget exactly.

Per key and period one integer of nano-dollars (``{prefix}:budget:{key_id}:day:2026-12-02``,
``…:month:2026-12``; one hash tag per key, so one cluster slot), expiring a while after its period. ``reserve`` is
one Lua script (check every limited period, then add the reservation to each: atomic whatever the number of
replicas); ``settle`` adds ``cost - reserved`` to the same keys (the periods the request started in, even if it
ended after midnight), and never recreates a key that has expired. The client is the limiter's kind
(``limits.redis``): short timeouts, one retry on a dead connection. A failing store raises :class:`LimiterError`
from ``reserve`` (the gateway answers 503, as for its other limits); a failing ``settle`` is logged and the
reservation stays counted.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import LimiterError
from .budget import NANO, Budget, BudgetDecision, Hold, nano, periods, seconds_until_reset, utc_now

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio import Redis

__all__ = ["RedisBudgets"]

_log = logging.getLogger("modelmux.asgi.limits")

# KEYS: the limited periods' counters. ARGV: reservation, then per key its limit and its expiry in seconds.
# All amounts are integers of nano-dollars (exact below 2^53 in Lua's doubles: $9 million).
# Returns {1} when admitted, else {0, index of the exhausted period, spent} and changes nothing.
_RESERVE = """
local amount = tonumber(ARGV[1])
for i = 1, #KEYS do
  local spent = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[2 * i])
  if spent >= limit or spent + amount > limit then return {0, i, spent} end
end
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[1])
  redis.call('EXPIRE', KEYS[i], ARGV[2 * i + 1])
end
return {1}
"""

# KEYS: the hold's counters. ARGV: the amount added, then per key its limit. Counters gone (their period ended
# long ago) are left alone. Returns as _RESERVE.
_EXTEND = """
local amount = tonumber(ARGV[1])
for i = 1, #KEYS do
  local spent = redis.call('GET', KEYS[i])
  if spent and tonumber(spent) + amount > tonumber(ARGV[i + 1]) then return {0, i, tonumber(spent)} end
end
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return {1}
"""

_SETTLE = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 0
"""

#: Counters outlive their period by this much (a request that started just before midnight still settles).
_GRACE = 2 * 86_400
_LENGTH = {"day": 86_400, "month": 31 * 86_400}


class RedisBudgets:
    """Budgets kept in Redis (``url``: a ``redis://`` URL the store owns, or a ``redis.asyncio.Redis``)."""

    def __init__(self, url: str | Redis, *, prefix: str = "modelmux", now: Callable[[], datetime] = utc_now) -> None:
        import redis

        from .redis import _client

        self._owns = isinstance(url, str)
        self._client: Redis = _client(url) if isinstance(url, str) else url
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._reserve = self._client.register_script(_RESERVE)
        self._settle = self._client.register_script(_SETTLE)
        self._extend = self._client.register_script(_EXTEND)
        self._prefix = prefix
        self._now = now

    def _key(self, key_id: str, name: str) -> str:
        return f"{self._prefix}:budget:{{{key_id}}}:{name}"

    async def reserve(self, key_id: str, budget: Budget) -> BudgetDecision:
        now = self._now()
        names = periods(now)
        limits = budget.limits()
        keys = [self._key(key_id, names[period]) for period, _ in limits]
        args: list[Any] = [nano(budget.reserve)]
        for period, limit in limits:
            args += [nano(limit), _LENGTH[period] + _GRACE]
        try:
            reply = await self._reserve(keys=keys, args=args)
        except self._errors as exc:
            raise LimiterError(f"the Redis budget store failed: {type(exc).__name__}") from None
        if int(reply[0]) == 1:
            return BudgetDecision(True, Hold(key_id, tuple(names[p] for p, _ in limits), budget.reserve))
        period, limit = limits[int(reply[1]) - 1]
        spent = int(reply[2]) / NANO
        return BudgetDecision(False, None, period, spent, limit, seconds_until_reset(period, now))

    async def extend(self, hold: Hold, budget: Budget, amount: float) -> BudgetDecision:
        limits = dict(budget.limits())
        named = [(name, name.partition(":")[0]) for name in hold.periods]
        keys = [self._key(hold.key_id, name) for name, _ in named]
        args: list[Any] = [nano(amount), *(nano(limits[period]) for _, period in named)]
        try:
            reply = await self._extend(keys=keys, args=args)
        except self._errors as exc:
            raise LimiterError(f"the Redis budget store failed: {type(exc).__name__}") from None
        if int(reply[0]) == 1:
            return BudgetDecision(True, Hold(hold.key_id, hold.periods, hold.amount + amount))
        period = named[int(reply[1]) - 1][1]
        spent = int(reply[2]) / NANO
        return BudgetDecision(False, None, period, spent, limits[period], seconds_until_reset(period, self._now()))

    async def settle(self, hold: Hold, cost: float) -> None:
        keys = [self._key(hold.key_id, name) for name in hold.periods]
        delta = nano(cost) - nano(hold.amount)
        if not keys or not delta:
            return
        try:
            await self._settle(keys=keys, args=[delta])
        except self._errors as exc:
            _log.error(
                "could not settle a spend of %.6f USD (%s); its reservation stays counted", cost, type(exc).__name__
            )

    async def spent(self, key_id: str) -> dict[str, float]:
        names = periods(self._now())
        values = await self._client.mget([self._key(key_id, names[p]) for p in ("day", "month")])
        return {p: int(v or 0) / NANO for p, v in zip(("day", "month"), values, strict=True)}

    async def aclose(self) -> None:
        if self._owns:
            await self._client.aclose()
