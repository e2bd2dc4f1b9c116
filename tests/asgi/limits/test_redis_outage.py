"""The gateway through a real Redis outage: fast 503s while it is down, logged once, no phantom slots or minute
entries from calls that failed half-way, and no spurious error after Redis comes back."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import redis
import redis.asyncio
from gateway_helpers import BOB, keyed_config, make_app, raw

from modelmux.asgi.limits import LimiterError, RedisLimiter

if TYPE_CHECKING:  # the fixture's type only: another conftest module may own the name at run time
    from conftest import RestartableRedis

CHAT = {"model": "mock/demo", "messages": [{"role": "user", "content": "hi"}]}


async def _post(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {BOB}"})


def test_the_gateway_through_a_redis_outage_and_restart(
    restartable_redis: RestartableRedis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = restartable_redis
    caplog.set_level(logging.INFO)

    async def main() -> None:
        limiter = RedisLimiter(server.url, prefix=prefix)
        app = make_app(keyed_config(rpm=1000, max_concurrent=2), limiter=limiter)
        try:
            async with raw(app) as client:
                assert (await _post(client)).status_code == 200
                # A restart between two requests: the pooled connection is dead, the next call must not fail.
                server.stop()
                server.start()
                assert (await _post(client)).status_code == 200
                server.stop()
                for _ in range(5):
                    started = time.monotonic()
                    down = await _post(client)
                    assert down.status_code == 503, down.text
                    assert down.headers["retry-after"] == "1"
                    assert time.monotonic() - started < 5  # connect timeout, not a hang
                server.start()
                for _ in range(5):
                    assert (await _post(client)).status_code == 200
                leases = f"{prefix}:limits:{{bob}}:leases"
                async with redis.asyncio.from_url(server.url) as check:
                    assert await check.zcard(leases) == 0  # every slot handed back
        finally:
            await limiter.aclose()

    asyncio.run(main())
    ours = [r for r in caplog.records if r.name.startswith("modelmux")]
    outage = [r for r in ours if "unreachable" in r.getMessage()]
    assert len(outage) == 1, [r.getMessage() for r in ours]  # one line for the whole outage, not one per request
    assert all(r.exc_info is None for r in ours)  # and no tracebacks
    assert any("reachable again" in r.getMessage() for r in ours)


class _LosesReplies(redis.asyncio.Redis):
    """A client whose next ``lost`` script calls run on the server but lose their reply (a read timeout), and whose
    next ``down`` calls after those fail before reaching it."""

    lost = 0
    down = 0

    async def evalsha(self, *args: Any, **kwargs: Any) -> Any:
        if self.down and not self.lost:
            self.down -= 1
            raise redis.ConnectionError("unreachable")
        result = await super().evalsha(*args, **kwargs)  # type: ignore[misc]
        if self.lost:
            self.lost -= 1
            raise redis.ConnectionError("reply lost")
        return result


def test_a_call_that_fails_half_way_leaves_no_phantom_slot_or_minute_entry(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        client = _LosesReplies.from_url(redis_url)
        limiter = RedisLimiter(client, prefix=prefix)
        starts, leases = f"{prefix}:limits:{{k}}:starts", f"{prefix}:limits:{{k}}:leases"
        try:
            client.lost = 1
            with pytest.raises(LimiterError):
                await limiter.acquire("k", rpm=5, max_concurrent=1)
            await asyncio.sleep(0.1)  # the clean-up runs in the background
            assert await client.zcard(starts) == 0 and await client.zcard(leases) == 0
            # The clean-up fails too (Redis unreachable): it is retried on the next successful contact.
            client.lost, client.down = 1, 1
            with pytest.raises(LimiterError):
                await limiter.acquire("k", rpm=5, max_concurrent=1)
            await asyncio.sleep(0.1)
            assert await client.zcard(leases) == 1  # the phantom, for now
            held = await limiter.acquire("k", rpm=5, max_concurrent=2)
            assert held.allowed
            await asyncio.sleep(0.1)
            assert await client.zcard(starts) == 1 and await client.zcard(leases) == 1  # only the real one
            await limiter.release("k", held.token)
            assert await client.zcard(leases) == 0
        finally:
            await limiter.aclose()
            await client.aclose()

    asyncio.run(main())


def test_a_retried_acquire_is_not_counted_twice(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        limiter = RedisLimiter(redis_url, prefix=prefix)
        script = limiter._acquire_script
        keys = limiter._keys("k")
        try:
            args = ("tok", 1, 1, 60_000_000, 30_000_000)
            assert (await script(keys=keys, args=args))[0] == 1
            assert (await script(keys=keys, args=args))[0] == 1  # the same token again: admitted, not refused
            other = await limiter.acquire("k", rpm=1, max_concurrent=1)
            assert not other.allowed  # the budget of one was spent once
        finally:
            await limiter.aclose()

    asyncio.run(main())


def test_startup_check_names_an_unreachable_or_unauthenticated_store(restartable_redis: RestartableRedis) -> None:
    async def check(url: str) -> str:
        limiter = RedisLimiter(url)
        try:
            await limiter.check()
        except LimiterError as exc:
            return str(exc)
        finally:
            await limiter.aclose()
        return ""

    url = restartable_redis.url
    assert asyncio.run(check(url)) == ""

    async def require_password() -> None:
        async with redis.asyncio.from_url(url) as admin:
            await admin.config_set("requirepass", "s3cret-pass")

    asyncio.run(require_password())
    assert asyncio.run(check(url.replace("redis://", "redis://:s3cret-pass@"))) == ""
    for url_with in (url, url.replace("redis://", "redis://:hunter2@")):
        problem = asyncio.run(check(url_with))
        assert "AuthenticationError" in problem or "NOAUTH" in problem or "WRONGPASS" in problem, problem
        assert "hunter2" not in problem
    restartable_redis.stop()
    started = time.monotonic()
    problem = asyncio.run(check(url))
    assert "ConnectionError" in problem and time.monotonic() - started < 5


def test_the_app_refuses_to_start_when_the_store_is_down(restartable_redis: RestartableRedis, prefix: str) -> None:
    restartable_redis.stop()

    async def main() -> list[dict[str, Any]]:
        app = make_app(limiter=RedisLimiter(restartable_redis.url, prefix=prefix))
        sent: list[dict[str, Any]] = []
        messages = [{"type": "lifespan.startup"}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await asyncio.wait_for(app({"type": "lifespan"}, receive, send), 10)
        await app.limiter.aclose()
        return sent

    sent = asyncio.run(main())
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "not usable" in sent[0]["message"]
