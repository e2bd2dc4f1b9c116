"""Router state in Redis: every process using one server and prefix shares in-flight counts, latencies, cooldowns,
half-open probes and this minute's usage.

Each operation is one Lua script (atomic on the server, whatever the number of processes), timed by the server's
``TIME`` so the processes' clocks do not matter. Per deployment, under one hash tag (one cluster slot):

- ``{prefix}:router:{id}``: a hash (latency average, cooldown end, half-open flag and probe lease, the minute's
  requests and tokens, the circuit window's failures and calls); it expires a day after its last use;
- ``{prefix}:router:{id}:busy``: one member per call in flight, scored by when its lease ends, so a process that
  dies frees its slots after ``lease_seconds``.

Clients are made like the gateway's limiter's (``asgi/limits/redis.py``): connect and read timeouts, one retry on a
dead pooled connection. When Redis cannot be reached the router routes without shared state (every deployment
looks free; nothing is recorded) rather than failing calls, and logs the outage once when it starts and once when
it ends. Use one instance's async methods from one event loop.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any

from .circuit import CircuitPolicy, Outcome
from .deployments import Deployment
from .state import Admission, Stats

__all__ = ["RedisState"]

_log = logging.getLogger("modelmux.router")

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0

_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local minute = math.floor(now / 60000000)
local function us(x) return string.format('%.0f', x) end
"""

_SNAPSHOT = (
    _NOW
    + """
local out = {}
for i = 1, #KEYS, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', us(now))
  local busy = redis.call('ZCARD', KEYS[i + 1])
  local v = redis.call('HMGET', KEYS[i], 'lat', 'cd', 'ho', 'probe', 'min', 'req', 'tok')
  local left = (tonumber(v[2] or '0') or 0) - now
  if left < 0 then left = 0 end
  local req, tok = v[6] or '0', v[7] or '0'
  if tonumber(v[5] or '-1') ~= minute then req, tok = '0', '0' end
  local probing = '0'
  if (tonumber(v[4] or '0') or 0) > now then probing = '1' end
  for _, x in ipairs({tostring(busy), v[1] or '', us(left), v[3] or '0', probing, req, tok,
                      us((minute + 1) * 60000000 - now)}) do out[#out + 1] = x end
end
return out
"""
)

# ARGV: token, rpm (-1: none), tpm (-1: none), tokens, probe lease (µs), in-flight lease (µs)
_RESERVE = (
    _NOW
    + """
local v = redis.call('HMGET', KEYS[1], 'cd', 'ho', 'probe', 'min', 'req', 'tok')
if (tonumber(v[1] or '0') or 0) > now then return 'cooldown' end
local half_open = v[2] == '1'
if half_open and (tonumber(v[3] or '0') or 0) > now then return 'probe' end
local req, tok = tonumber(v[5] or '0'), tonumber(v[6] or '0')
if tonumber(v[4] or '-1') ~= minute then
  req, tok = 0, 0
  redis.call('HSET', KEYS[1], 'min', us(minute), 'req', 0, 'tok', 0)
end
local rpm, tpm, n = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if rpm >= 0 and req >= rpm then return 'rpm' end
if tpm >= 0 and tok > 0 and tok + n > tpm then return 'tpm' end
if half_open then redis.call('HSET', KEYS[1], 'probe', us(now + tonumber(ARGV[5])), 'ptok', ARGV[1]) end
redis.call('HINCRBY', KEYS[1], 'req', 1)
redis.call('HINCRBY', KEYS[1], 'tok', n)
redis.call('ZADD', KEYS[2], us(now + tonumber(ARGV[6])), ARGV[1])
redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[6]) / 1000))
redis.call('PEXPIRE', KEYS[1], 86400000)
return 'ok'
"""
)

# ARGV: token: its slot freed; a probe that ended without a verdict (cancelled) lets the next call probe
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'ptok') == ARGV[1] then redis.call('HSET', KEYS[1], 'probe', 0, 'ptok', '') end
return 0
"""

# ARGV: token, release, ok, failure, latency ('' none), alpha, tokens delta, explicit cooldown (µs, -1 none),
# policy cooldown (µs), allowed_fails (-1 none), failure threshold, min requests, window (µs)
_SETTLE = (
    _NOW
    + """
local h = KEYS[1]
if ARGV[2] == '1' then redis.call('ZREM', KEYS[2], ARGV[1]) end
local v = redis.call('HMGET', h, 'lat', 'ho', 'ws', 'fails', 'total', 'cd', 'min', 'ptok')
local delta = tonumber(ARGV[7])
if tonumber(v[7] or '-1') ~= minute then
  redis.call('HSET', h, 'min', us(minute), 'req', 0, 'tok', math.max(delta, 0))
elseif delta ~= 0 then
  if redis.call('HINCRBY', h, 'tok', delta) < 0 then redis.call('HSET', h, 'tok', 0) end
end
local ws, fails, total = tonumber(v[3] or '0'), tonumber(v[4] or '0'), tonumber(v[5] or '0')
if now - ws >= tonumber(ARGV[13]) then ws, fails, total = now, 0, 0 end
local half_open = v[2] == '1'
if ARGV[3] == '1' then
  if ARGV[5] ~= '' then
    local lat, old = tonumber(ARGV[5]), tonumber(v[1] or '')
    if old then lat = old + tonumber(ARGV[6]) * (lat - old) end
    redis.call('HSET', h, 'lat', string.format('%.6f', lat))
  end
  total = total + 1
  if half_open then
    redis.call('HSET', h, 'ho', 0, 'probe', 0, 'ptok', '')
    fails, total = 0, 0
  end
elseif ARGV[4] ~= '1' then
  if v[8] == ARGV[1] then redis.call('HSET', h, 'probe', 0, 'ptok', '') end
else
  fails, total = fails + 1, total + 1
  local seconds = tonumber(ARGV[8])
  local allowed, threshold, min_requests = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
  local trips = (allowed >= 0 and fails > allowed) or (total >= min_requests and fails / total > threshold)
  if (half_open or trips) and tonumber(ARGV[9]) > seconds then seconds = tonumber(ARGV[9]) end
  if seconds > 0 then
    local ends = math.max(now + seconds, tonumber(v[6] or '0') or 0)
    redis.call('HSET', h, 'cd', us(ends), 'ho', 1, 'probe', 0, 'ptok', '')
    ws, fails, total = now, 0, 0
  end
end
redis.call('HSET', h, 'ws', us(ws), 'fails', fails, 'total', total)
redis.call('PEXPIRE', h, 86400000)
return 0
"""
)


def _us(seconds: float) -> int:
    return int(seconds * 1_000_000)


class RedisState:
    """Router state shared through Redis (see the module docstring).

    Args:
        url: a ``redis://`` URL.
        prefix: namespace of the keys.
        lease_seconds: how long an in-flight slot outlives a process that never freed it (600: the default
            timeout of a call).
    """

    def __init__(self, url: str, *, prefix: str = "modelmux", lease_seconds: float = 600.0) -> None:
        try:
            import redis
        except ImportError as exc:
            raise ImportError(
                "RedisState needs the redis package (the modelmux 'redis' extra): pip install redis"
            ) from exc
        self._url = url
        self._prefix = prefix
        self._lease_us = _us(lease_seconds)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._sync: Any = None
        self._async: Any = None
        self._scripts: dict[tuple[bool, str], Any] = {}
        self._down = False
        self._abandoned: deque[tuple[Deployment, str]] = deque()  # ``release_later``: freed by the next snapshot

    def __repr__(self) -> str:
        return f"RedisState(prefix={self._prefix!r})"  # the URL may hold a password

    # ---------------------------------------------------------------- plumbing

    def _client(self, is_async: bool) -> Any:
        import redis
        from redis.backoff import ConstantBackoff

        options: dict[str, Any] = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": READ_TIMEOUT,
            "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
            "health_check_interval": 30,
        }
        if is_async:
            if self._async is None:
                import redis.asyncio
                from redis.asyncio.retry import Retry as AsyncRetry

                self._async = redis.asyncio.from_url(self._url, retry=AsyncRetry(ConstantBackoff(0.05), 1), **options)
            return self._async
        if self._sync is None:
            from redis.retry import Retry

            self._sync = redis.Redis.from_url(self._url, retry=Retry(ConstantBackoff(0.05), 1), **options)
        return self._sync

    def _script(self, is_async: bool, source: str) -> Any:
        script = self._scripts.get((is_async, source))
        if script is None:
            script = self._scripts[(is_async, source)] = self._client(is_async).register_script(source)
        return script

    def _keys(self, d: Deployment) -> list[str]:
        base = f"{self._prefix}:router:{{{d.id}}}"
        return [base, f"{base}:busy"]

    def _failed(self, exc: BaseException) -> None:
        if not self._down:
            self._down = True
            _log.error("Redis router state unreachable (%s); routing without shared state", type(exc).__name__)

    def _ok(self) -> None:
        if self._down:
            self._down = False
            _log.warning("Redis router state reachable again")

    # ---------------------------------------------------------------- arguments and answers

    def _snapshot_args(self, deployments: Sequence[Deployment]) -> list[str]:
        return [key for d in deployments for key in self._keys(d)]

    @staticmethod
    def _stats(raw: Sequence[Any], count: int) -> list[Stats]:
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in raw]
        out = []
        for i in range(count):
            busy, lat, left, half_open, probing, req, tok, minute_left = values[i * 8 : i * 8 + 8]
            out.append(
                Stats(
                    in_flight=int(busy),
                    latency=float(lat) if lat else None,
                    cooldown_left=int(left) / 1e6,
                    half_open=half_open == "1",
                    probing=probing == "1",
                    requests=int(req),
                    tokens=int(tok),
                    minute_left=int(minute_left) / 1e6,
                )
            )
        return out

    def _reserve_args(self, d: Deployment, tokens: int, policy: CircuitPolicy, token: str) -> list[Any]:
        rpm = -1 if d.rpm is None else d.rpm
        tpm = -1 if d.tpm is None else d.tpm
        return [token, rpm, tpm, tokens, _us(policy.probe_timeout), self._lease_us]

    @staticmethod
    def _settle_args(token: str, o: Outcome, policy: CircuitPolicy, alpha: float) -> list[Any]:
        return [
            token,
            int(o.release),
            int(o.ok),
            int(o.failure),
            "" if o.latency is None or not o.ok else repr(float(o.latency)),
            repr(alpha),
            o.tokens,
            -1 if o.cooldown is None else _us(o.cooldown),
            _us(policy.cooldown_time),
            -1 if policy.allowed_fails is None else policy.allowed_fails,
            repr(policy.failure_threshold),
            policy.min_requests,
            _us(policy.window),
        ]

    @staticmethod
    def _admission(answer: Any, token: str) -> Admission:
        reason = answer.decode() if isinstance(answer, bytes) else str(answer)
        return Admission(True, token=token) if reason == "ok" else Admission(False, reason=reason)

    # ---------------------------------------------------------------- sync

    def snapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]:
        while self._abandoned:
            self.release(*self._abandoned.popleft())
        try:
            raw = self._script(False, _SNAPSHOT)(keys=self._snapshot_args(deployments))
        except self._errors as exc:
            self._failed(exc)
            return [Stats() for _ in deployments]
        self._ok()
        return self._stats(raw, len(deployments))

    def reserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission:
        token = uuid.uuid4().hex
        try:
            answer = self._script(False, _RESERVE)(
                keys=self._keys(deployment), args=self._reserve_args(deployment, tokens, policy, token)
            )
        except self._errors as exc:
            self._failed(exc)
            return Admission(True, token=token)
        return self._admission(answer, token)

    def settle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None:
        try:
            self._script(False, _SETTLE)(
                keys=self._keys(deployment), args=self._settle_args(token, outcome, policy, alpha)
            )
        except self._errors as exc:
            self._failed(exc)

    def release(self, deployment: Deployment, token: str) -> None:
        try:
            self._script(False, _RELEASE)(keys=self._keys(deployment), args=[token])
        except self._errors as exc:
            self._failed(exc)

    def release_later(self, deployment: Deployment, token: str) -> None:
        """``release`` from the garbage collector: no I/O now, done by the next snapshot (the lease frees the slot
        anyway if none comes)."""
        self._abandoned.append((deployment, token))

    # ---------------------------------------------------------------- async

    async def asnapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]:
        while self._abandoned:
            await self.arelease(*self._abandoned.popleft())
        try:
            raw = await self._script(True, _SNAPSHOT)(keys=self._snapshot_args(deployments))
        except self._errors as exc:
            self._failed(exc)
            return [Stats() for _ in deployments]
        self._ok()
        return self._stats(raw, len(deployments))

    async def areserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission:
        token = uuid.uuid4().hex
        try:
            answer = await self._script(True, _RESERVE)(
                keys=self._keys(deployment), args=self._reserve_args(deployment, tokens, policy, token)
            )
        except self._errors as exc:
            self._failed(exc)
            return Admission(True, token=token)
        return self._admission(answer, token)

    async def asettle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None:
        try:
            await self._script(True, _SETTLE)(
                keys=self._keys(deployment), args=self._settle_args(token, outcome, policy, alpha)
            )
        except self._errors as exc:
            self._failed(exc)

    async def arelease(self, deployment: Deployment, token: str) -> None:
        try:
            await self._script(True, _RELEASE)(keys=self._keys(deployment), args=[token])
        except self._errors as exc:
            self._failed(exc)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        self.close()
        if self._async is not None:
            await self._async.aclose()
            self._async = None
