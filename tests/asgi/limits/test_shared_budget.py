"""Two gateway apps configured with the same Redis share one key's budget exactly (a real redis-server).

As two workers or replicas would: each app builds its own RedisLimiter (its own client) from ``[limits] redis_url``,
and requests are driven at both at once through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, ENV, keyed_config, raw

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import RedisLimiter

pytestmark = pytest.mark.anyio

AUTH = {"authorization": f"Bearer {ALICE}"}


class Replicas:
    """Two apps on one Redis and one fake upstream (which so counts what either let through)."""

    def __init__(self, redis_url: str, prefix: str, **limits: Any) -> None:
        config = keyed_config(limits={**limits, "redis_url": redis_url, "redis_prefix": prefix})
        self.upstream = FakeUpstream()
        self.apps = [create_app(parse_config(config, environ=ENV), transport=self.upstream) for _ in range(2)]
        assert all(isinstance(app.limiter, RedisLimiter) for app in self.apps)
        assert self.apps[0].limiter is not self.apps[1].limiter

    async def burst(self, per_app: int, *, stream: bool = False) -> list[httpx.Response]:
        """``per_app`` requests at each app at once; the admitted wait at the upstream until all are answered."""
        self.upstream.gate = asyncio.Event()
        self.upstream.arrived = 0
        body = {"model": "up/ok", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
        clients = [raw(app) for app in self.apps]
        try:
            tasks = [
                asyncio.ensure_future(client.post("/v1/chat/completions", json=body, headers=AUTH))
                for _ in range(per_app)
                for client in clients
            ]
            for _ in range(500):
                if self.upstream.arrived + sum(t.done() for t in tasks) == len(tasks):
                    break
                await asyncio.sleep(0.01)
            self.upstream.gate.set()
            return list(await asyncio.gather(*tasks))
        finally:
            for client in clients:
                await client.aclose()

    async def aclose(self) -> None:
        for app in self.apps:
            await app.aclose()


@pytest.fixture
async def replicas(redis_url: str, prefix: str, request: pytest.FixtureRequest) -> AsyncIterator[Replicas]:
    pair = Replicas(redis_url, prefix, **request.param)
    try:
        yield pair
    finally:
        await pair.aclose()


def codes(responses: list[httpx.Response]) -> list[str]:
    return sorted(r.json()["error"]["code"] for r in responses if r.status_code == 429)


@pytest.mark.parametrize("replicas", [{"max_concurrent": 7}], indirect=True)
@pytest.mark.parametrize("stream", [False, True])
async def test_two_apps_share_one_concurrency_budget(replicas: Replicas, stream: bool) -> None:
    responses = await replicas.burst(20, stream=stream)
    assert sorted(r.status_code for r in responses) == [200] * 7 + [429] * 33
    assert replicas.upstream.arrived == 7
    assert codes(responses) == ["concurrency_limit_exceeded"] * 33
    # Every slot came back to the shared pool, whichever app held it.
    again = await replicas.burst(20)
    assert sum(r.status_code == 200 for r in again) == 7


@pytest.mark.parametrize("replicas", [{"rpm": 9}], indirect=True)
async def test_two_apps_share_one_minute(replicas: Replicas) -> None:
    responses = await replicas.burst(15)
    assert sum(r.status_code == 200 for r in responses) == 9
    assert codes(responses) == ["rate_limit_exceeded"] * 21
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in responses if r.status_code == 429)
    assert all(r.status_code == 429 for r in await replicas.burst(3))


@pytest.mark.parametrize("replicas", [{"rpm": 10, "max_concurrent": 4}], indirect=True)
async def test_refusals_at_either_app_cost_the_shared_budget_nothing(replicas: Replicas) -> None:
    # 4 in flight at a time; the 36 refused for concurrency do not count against the 10 per minute.
    first = await replicas.burst(20, stream=True)
    second = await replicas.burst(20)
    third = await replicas.burst(20)
    assert [sum(r.status_code == 200 for r in burst) for burst in (first, second, third)] == [4, 4, 2]
    assert codes(third) == ["rate_limit_exceeded"] * 38
