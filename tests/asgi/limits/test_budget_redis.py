"""Spend budgets in a real redis-server: the store's contract, and two gateway replicas sharing one key's budget."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from budget_fakes import AUTH, CHAT, COST, ENV, Priced, budget_config

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import Budget
from modelmux.asgi.limits.budget_redis import RedisBudgets

pytestmark = pytest.mark.anyio

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


class Now:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


@pytest.fixture
async def store(redis_url: str, prefix: str) -> AsyncIterator[tuple[RedisBudgets, Now]]:
    now = Now(NOON)
    budgets = RedisBudgets(redis_url, prefix=prefix, now=now)
    yield budgets, now
    await budgets.aclose()


async def test_reserve_then_settle(store: tuple[RedisBudgets, Now]) -> None:
    budgets, _ = store
    decision = await budgets.reserve("k", Budget(per_day=1.0, per_month=10.0, reserve=0.25))
    assert decision.allowed and decision.hold is not None
    assert await budgets.spent("k") == {"day": 0.25, "month": 0.25}
    await budgets.settle(decision.hold, 0.1)
    assert await budgets.spent("k") == pytest.approx({"day": 0.1, "month": 0.1})


async def test_exhaustion_and_the_next_day(store: tuple[RedisBudgets, Now]) -> None:
    budgets, now = store
    budget = Budget(per_day=1.0, per_month=1.5, reserve=0.0)
    hold = (await budgets.reserve("k", budget)).hold
    assert hold is not None
    await budgets.settle(hold, 1.0)
    refused = await budgets.reserve("k", budget)
    assert not refused.allowed and refused.period == "day" and refused.spent == pytest.approx(1.0)
    assert refused.retry_after == 12 * 3600
    now.when += timedelta(days=1)
    hold = (await budgets.reserve("k", budget)).hold
    assert hold is not None
    await budgets.settle(hold, 0.6)
    refused = await budgets.reserve("k", budget)
    assert not refused.allowed and refused.period == "month" and refused.limit == 1.5


async def test_a_request_that_ends_after_midnight_settles_into_its_own_day(store: tuple[RedisBudgets, Now]) -> None:
    budgets, now = store
    now.when = datetime(2026, 12, 2, 23, 59, tzinfo=timezone.utc)
    hold = (await budgets.reserve("k", Budget(per_day=1.0, reserve=0.5))).hold
    assert hold is not None
    now.when += timedelta(minutes=2)
    await budgets.settle(hold, 0.2)
    assert (await budgets.spent("k"))["day"] == 0.0
    now.when -= timedelta(minutes=2)
    assert (await budgets.spent("k"))["day"] == pytest.approx(0.2)


async def test_concurrent_reservations_are_atomic(store: tuple[RedisBudgets, Now]) -> None:
    budgets, _ = store
    decisions = await asyncio.gather(*(budgets.reserve("k", Budget(per_day=1.0, reserve=0.3)) for _ in range(20)))
    assert sum(d.allowed for d in decisions) == 3


class Replicas:
    """Two gateway apps on one Redis (each its own client), as two workers or replicas would be."""

    def __init__(self, redis_url: str, prefix: str, key: dict[str, Any]) -> None:
        data = budget_config(limits={"redis_url": redis_url, "redis_prefix": prefix}, key=key)
        self.upstream = Priced()
        self.apps = [create_app(parse_config(data, environ=ENV), transport=self.upstream) for _ in range(2)]
        assert all(isinstance(app.budgets.store, RedisBudgets) for app in self.apps)

    async def post(self, app: Gateway, body: dict[str, Any] = CHAT) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            return await client.post("/v1/chat/completions", json=body, headers=AUTH)

    async def aclose(self) -> None:
        for app in self.apps:
            await app.aclose()


async def test_two_replicas_share_a_budget_one_after_the_other(redis_url: str, prefix: str) -> None:
    pair = Replicas(redis_url, prefix, {"max_spend_per_day": 3 * COST, "spend_reserve": 0, "reserve_max_cost": False})
    try:
        statuses = [(await pair.post(pair.apps[i % 2])).status_code for i in range(5)]
        assert statuses == [200, 200, 200, 429, 429] and pair.upstream.calls == 3
        streamed = await pair.post(pair.apps[1], {**CHAT, "stream": True})
        assert streamed.status_code == 429 and streamed.json()["error"]["code"] == "budget_exceeded"
    finally:
        await pair.aclose()


async def test_two_replicas_share_a_budget_under_a_burst(redis_url: str, prefix: str) -> None:
    pair = Replicas(
        redis_url, prefix, {"max_spend_per_day": 4 * COST, "spend_reserve": COST, "reserve_max_cost": False}
    )
    upstream = pair.upstream
    upstream.gate = asyncio.Event()
    try:
        tasks = [asyncio.ensure_future(pair.post(app)) for _ in range(10) for app in pair.apps]
        for _ in range(500):
            if upstream.arrived + sum(t.done() for t in tasks) == len(tasks):
                break
            await asyncio.sleep(0.01)
        upstream.gate.set()
        statuses = sorted(r.status_code for r in await asyncio.gather(*tasks))
        assert statuses == [200] * 4 + [429] * 16
        assert (await pair.apps[0].budgets.store.spent("budget"))["day"] == pytest.approx(4 * COST)
    finally:
        await pair.aclose()


async def test_streams_settle_at_their_end_across_replicas(redis_url: str, prefix: str) -> None:
    pair = Replicas(redis_url, prefix, {"max_spend_per_day": 10})
    try:
        body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
        assert (await pair.post(pair.apps[0], body)).status_code == 200
        assert (await pair.post(pair.apps[1], body)).status_code == 200
        assert (await pair.apps[1].budgets.store.spent("budget"))["day"] == pytest.approx(2 * COST)
    finally:
        await pair.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_budget_store_down_is_a_503() -> None:
    store = RedisBudgets(f"redis://127.0.0.1:{_closed_port()}/0")
    config = parse_config(budget_config(key={"max_spend_per_day": 1}), environ=ENV)
    app = create_app(config, transport=Priced(), limiter=MemoryLimiter(), budget_store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
    assert "retry-after" in response.headers
    await store.aclose()
