"""The overspend bound: each request in flight holds what it may cost at most (``reserve_max_cost``, the default), so
many concurrent requests at a nearly exhausted budget cannot spend past it together (in memory and in Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from budget_fakes import AUTH, COST, ENV, Priced, budget_config

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import Budget, MemoryBudgets
from modelmux.asgi.limits.budget_estimate import estimate_cost, prompt_texts
from modelmux.asgi.limits.budget_redis import RedisBudgets

pytestmark = pytest.mark.anyio

#: About 900 tokens of prompt: with the margin, the estimate covers the fake's 1000 billed prompt tokens.
PROMPT = [{"role": "user", "content": "hello " * 900}]
BODY = {"model": "gpt", "messages": PROMPT, "max_tokens": 1000}  # the fake bills 1000 completion tokens
ESTIMATE = estimate_cost(["openai/gpt-4o"], (PROMPT, None), 1000)
assert ESTIMATE is not None and COST <= ESTIMATE < 1.2 * COST


def gateway(key: dict[str, Any], upstream: Priced, **limits: Any) -> Gateway:
    config = parse_config(budget_config(key=key, limits=limits), environ=ENV)
    store = None if limits.get("redis_url") else MemoryBudgets()
    return create_app(config, transport=upstream, limiter=MemoryLimiter(), budget_store=store)


async def post(app: Gateway, body: dict[str, Any] = BODY) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        return await client.post("/v1/chat/completions", json=body, headers=AUTH)


async def burst(apps: list[Gateway], upstream: Priced, each: int) -> list[int]:
    """``each`` concurrent requests per app, all in flight together before any answers."""
    upstream.gate = asyncio.Event()
    tasks = [asyncio.ensure_future(post(app)) for _ in range(each) for app in apps]
    for _ in range(500):
        if upstream.arrived + sum(t.done() for t in tasks) == len(tasks):
            break
        await asyncio.sleep(0.01)
    upstream.gate.set()
    return sorted(r.status_code for r in await asyncio.gather(*tasks))


# A limit with room for 4 possible costs; the fixed reserve alone would let 5 in ($0.01 < COST).
LIMIT = 4 * ESTIMATE + 0.001


async def test_concurrent_requests_at_a_nearly_exhausted_budget_stay_within_it() -> None:
    upstream = Priced()
    app = gateway({"max_spend_per_day": LIMIT}, upstream)
    assert await burst([app], upstream, 10) == [200] * 4 + [429] * 6
    spent = (await app.budgets.store.spent("budget"))["day"]
    assert spent == pytest.approx(4 * COST) and spent <= LIMIT


async def test_without_it_the_same_burst_overspends() -> None:
    upstream = Priced()  # what the bound prevents: each request held $0.01 while it cost COST
    app = gateway({"max_spend_per_day": LIMIT, "reserve_max_cost": False}, upstream)
    statuses = await burst([app], upstream, 10)
    assert statuses.count(200) > 4 and (await app.budgets.store.spent("budget"))["day"] > LIMIT


async def test_two_redis_replicas_share_the_bound(redis_url: str, prefix: str) -> None:
    upstream = Priced()
    apps = [gateway({"max_spend_per_day": LIMIT}, upstream, redis_url=redis_url, redis_prefix=prefix) for _ in "ab"]
    try:
        assert isinstance(apps[0].budgets.store, RedisBudgets)
        assert await burst(apps, upstream, 8) == [200] * 4 + [429] * 12
        spent = (await apps[0].budgets.store.spent("budget"))["day"]
        assert spent == pytest.approx(4 * COST) and spent <= LIMIT
    finally:
        for app in apps:
            await app.aclose()


async def test_a_request_without_max_tokens_reserves_the_model_s_output_cap() -> None:
    app = gateway({"max_spend_per_day": 0.05}, Priced())  # gpt-4o may write 16,384 tokens: about $0.16
    answer = await post(app, {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 429 and "max_tokens" in answer.json()["error"]["message"]
    assert (await app.budgets.store.spent("budget"))["day"] == 0  # the refused request holds nothing
    answer = await post(app, {"model": "gpt", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100})
    assert answer.status_code == 200


async def test_an_unpriced_model_keeps_the_fixed_reserve() -> None:
    app = gateway({"max_spend_per_day": 0.05}, Priced())
    answer = await post(app, {"model": "unpriced", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 200


async def test_the_store_extends_a_hold_atomically() -> None:
    store = MemoryBudgets()
    budget = Budget(per_day=1.0, reserve=0.1)
    first = (await store.reserve("k", budget)).hold
    second = (await store.reserve("k", budget)).hold
    assert first is not None and second is not None
    grown = await store.extend(first, budget, 0.7)
    assert grown.allowed and grown.hold is not None and grown.hold.amount == pytest.approx(0.8)
    refused = await store.extend(second, budget, 0.2)  # 0.9 held, 0.2 more would pass 1.0
    assert not refused.allowed and refused.period == "day" and refused.spent == pytest.approx(0.9)
    assert (await store.spent("k"))["day"] == pytest.approx(0.9)  # a refusal changes nothing
    await store.settle(grown.hold, 0.5)
    await store.settle(second, 0.05)
    assert (await store.spent("k"))["day"] == pytest.approx(0.55)


async def test_redis_extends_a_hold_atomically(redis_url: str, prefix: str) -> None:
    store = RedisBudgets(redis_url, prefix=prefix)
    try:
        budget = Budget(per_day=1.0, per_month=5.0, reserve=0.1)
        holds = [(await store.reserve("k", budget)).hold for _ in range(3)]
        decisions = await asyncio.gather(*(store.extend(h, budget, 0.4) for h in holds if h is not None))
        assert sum(d.allowed for d in decisions) == 1  # 0.3 held: one more 0.4 fits, a second would pass 1.0
        assert (await store.spent("k"))["day"] == pytest.approx(0.7)
    finally:
        await store.aclose()


def test_inline_binary_data_is_not_counted_as_prompt_text() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 10_000}}
    texts = list(prompt_texts([{"role": "user", "content": [{"type": "text", "text": "look"}, image]}]))
    assert "look" in texts and not any("AAAA" in text for text in texts)
