"""Per-key spend budgets: the config, the in-memory store on a fake clock, and the gateway end to end."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from budget_fakes import AUTH, CHAT, COST, ENV, OTHER_KEY, Priced, budget_config

from modelmux import completion_cost
from modelmux.asgi import ConfigError, Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import Budget, MemoryBudgets, seconds_until_reset
from modelmux.asgi.limits.budget_config import Budgets

pytestmark = pytest.mark.anyio


class Now:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


NOON = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------- config


def test_budgets_from_the_config() -> None:
    config = parse_config(
        budget_config(limits={"max_spend_per_month": 50}, key={"max_spend_per_day": 2.5, "spend_reserve": 0}),
        environ=ENV,
    )
    assert config.budgets.for_key("budget") == Budget(per_day=2.5, per_month=50.0, reserve=0.0)
    assert config.budgets.for_key("other") == Budget(per_month=50.0)
    assert parse_config(budget_config(), environ=ENV).budgets == Budgets()
    assert Budgets().for_key("anyone") is None
    lifted = budget_config(limits={"max_spend_per_day": 1}, key={"max_spend_per_day": "unlimited"})
    unlimited = parse_config(lifted, environ=ENV)
    assert unlimited.budgets.for_key("budget") is None and unlimited.budgets.for_key("other") == Budget(per_day=1.0)


@pytest.mark.parametrize(
    "key",
    [{"max_spend_per_day": -1}, {"max_spend_per_month": "lots"}, {"spend_reserve": "unlimited"}, {"max_spend": 1}],
)
def test_budget_mistakes_are_errors(key: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        parse_config(budget_config(key=key), environ=ENV)


# ---------------------------------------------------------------- the store


async def test_reserve_then_settle_with_the_real_cost() -> None:
    store = MemoryBudgets(now=Now(NOON))
    budget = Budget(per_day=1.0, per_month=10.0, reserve=0.25)
    decision = await store.reserve("k", budget)
    assert decision.allowed and decision.hold is not None
    assert await store.spent("k") == {"day": 0.25, "month": 0.25}
    await store.settle(decision.hold, 0.1)
    assert await store.spent("k") == pytest.approx({"day": 0.1, "month": 0.1})


async def test_an_exhausted_day_refuses_until_midnight_utc() -> None:
    now = Now(NOON)
    store = MemoryBudgets(now=now)
    budget = Budget(per_day=1.0, reserve=0.0)
    hold = (await store.reserve("k", budget)).hold
    assert hold is not None
    await store.settle(hold, 1.0)
    refused = await store.reserve("k", budget)
    assert not refused.allowed and refused.period == "day" and refused.limit == 1.0
    assert refused.retry_after == 12 * 3600
    assert (await store.reserve("other-key", budget)).allowed  # budgets are per key
    now.when += timedelta(hours=12)
    assert (await store.reserve("k", budget)).allowed


async def test_a_request_that_ends_after_midnight_settles_into_its_own_day() -> None:
    now = Now(datetime(2026, 12, 2, 23, 59, tzinfo=timezone.utc))
    store = MemoryBudgets(now=now)
    hold = (await store.reserve("k", Budget(per_day=1.0, per_month=10.0, reserve=0.5))).hold
    assert hold is not None
    now.when += timedelta(minutes=2)
    await store.settle(hold, 0.2)
    assert await store.spent("k") == pytest.approx({"day": 0.0, "month": 0.2})


async def test_the_reservation_counts_for_requests_in_flight() -> None:
    store = MemoryBudgets(now=Now(NOON))
    budget = Budget(per_day=1.0, reserve=0.3)
    decisions = [await store.reserve("k", budget) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]


def test_seconds_until_reset() -> None:
    assert seconds_until_reset("day", NOON) == 12 * 3600
    assert seconds_until_reset("month", datetime(2026, 12, 31, 0, 0, tzinfo=timezone.utc)) == 86_400
    assert seconds_until_reset("month", datetime(2026, 2, 1, tzinfo=timezone.utc)) == 28 * 86_400


# ---------------------------------------------------------------- the gateway


def gateway(data: dict[str, Any], upstream: Priced, store: Any = None) -> Gateway:
    config = parse_config(data, environ=ENV)
    return create_app(config, transport=upstream, limiter=MemoryLimiter(), budget_store=store or MemoryBudgets())


async def post(app: Gateway, body: dict[str, Any], headers: dict[str, str] = AUTH) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        return await client.post("/v1/chat/completions", json=body, headers=headers)


async def test_an_exhausted_budget_is_a_429_budget_exceeded() -> None:
    upstream = Priced()
    app = gateway(
        budget_config(key={"max_spend_per_day": 3 * COST, "spend_reserve": 0, "reserve_max_cost": False}), upstream
    )
    for _ in range(3):
        assert (await post(app, CHAT)).status_code == 200
    refused = await post(app, CHAT)
    assert refused.status_code == 429 and upstream.calls == 3
    error = refused.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "budget_exceeded"
    assert "budget" in error["message"] and "per day" in error["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert await app.budgets.store.spent("budget") == pytest.approx({"day": 3 * COST, "month": 0.0})
    other = {"authorization": f"Bearer {OTHER_KEY}"}
    assert (await post(app, CHAT, other)).status_code == 200  # a key without a budget is not limited


async def test_a_stream_settles_at_its_end_from_its_usage_chunk() -> None:
    app = gateway(budget_config(key={"max_spend_per_day": 10}), Priced())
    response = await post(app, {**CHAT, "stream": True, "stream_options": {"include_usage": True}})
    assert response.status_code == 200 and response.text.endswith("data: [DONE]\n\n")
    assert (await app.budgets.store.spent("budget"))["day"] == pytest.approx(COST)


async def test_a_stream_without_usage_is_counted_with_the_tokenizer() -> None:
    app = gateway(budget_config(key={"max_spend_per_day": 10}), Priced())
    response = await post(app, {**CHAT, "stream": True})
    assert response.status_code == 200 and '"usage"' not in response.text  # the client's stream is unchanged
    spent = (await app.budgets.store.spent("budget"))["day"]
    assert 0 < spent < COST / 10  # a few tokens each way, not the 0.01 reservation


async def test_cache_hits_cost_nothing() -> None:
    upstream = Priced()
    app = gateway(budget_config(key={"max_spend_per_day": 10}, cache=True), upstream)
    for _ in range(3):
        assert (await post(app, CHAT)).status_code == 200
    assert upstream.calls == 1
    assert (await app.budgets.store.spent("budget"))["day"] == pytest.approx(COST)


async def test_an_unknown_price_counts_zero_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    upstream = Priced()
    app = gateway(budget_config(key={"max_spend_per_day": 10}), upstream)
    with caplog.at_level(logging.WARNING, logger="modelmux.asgi.limits"):
        for _ in range(2):
            assert (await post(app, {**CHAT, "model": "unpriced"})).status_code == 200
    assert upstream.calls == 2 and (await app.budgets.store.spent("budget"))["day"] == 0.0
    assert sum("some-unpriced-model" in r.getMessage() for r in caplog.records) == 1


async def test_concurrent_requests_never_pass_the_budget_together() -> None:
    upstream = Priced()
    upstream.gate = asyncio.Event()
    app = gateway(
        budget_config(key={"max_spend_per_day": 4 * COST, "spend_reserve": COST, "reserve_max_cost": False}), upstream
    )
    tasks = [asyncio.ensure_future(post(app, CHAT)) for _ in range(10)]
    for _ in range(500):
        if upstream.arrived + sum(t.done() for t in tasks) == len(tasks):
            break
        await asyncio.sleep(0.01)
    upstream.gate.set()
    statuses = sorted(r.status_code for r in await asyncio.gather(*tasks))
    assert statuses == [200] * 4 + [429] * 6
    assert (await app.budgets.store.spent("budget"))["day"] == pytest.approx(4 * COST)


async def test_other_endpoints_do_not_touch_the_budget() -> None:
    app = gateway(budget_config(key={"max_spend_per_day": 0}), Priced())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        assert (await client.get("/v1/models", headers=AUTH)).status_code == 200
    assert (await post(app, CHAT)).status_code == 429


class Anthropic(httpx.AsyncBaseTransport):
    """Anthropic's Messages API, passed through by the gateway as it is."""

    USAGE = {"input_tokens": 1000, "output_tokens": 1000}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": "Hello"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1000, "output_tokens": 1},
        }
        if not body.get("stream"):
            return httpx.Response(200, json={**message, "usage": self.USAGE})
        events = [
            ("message_start", {"type": "message_start", "message": message}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1000}},
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        content = b"".join(f"event: {n}\ndata: {json.dumps(d)}\n\n".encode() for n, d in events)
        return httpx.Response(200, content=content, headers={"content-type": "text/event-stream"})


@pytest.mark.parametrize("stream", [False, True])
async def test_anthropic_passthrough_is_counted_from_its_usage(stream: bool) -> None:
    claude = "anthropic/claude-sonnet-4-20250514"
    data = budget_config(key={"max_spend_per_day": 10})
    data["models"]["claude"] = {"model": claude, "api_key_env": "UPSTREAM_KEY", "transport": Anthropic()}
    app = gateway(data, Priced())
    body = {"model": "claude", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.post("/v1/messages", json=body, headers=AUTH)
    assert response.status_code == 200
    expected = completion_cost({"model": claude, "usage": Anthropic.USAGE})
    assert expected is not None and expected > 0
    assert (await app.budgets.store.spent("budget"))["day"] == pytest.approx(expected)


async def test_a_cached_stream_costs_nothing() -> None:
    upstream = Priced()
    app = gateway(budget_config(key={"max_spend_per_day": 10}, cache=True), upstream)
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    first, again = await post(app, body), await post(app, body)
    assert first.text == again.text and upstream.calls == 1
    assert (await app.budgets.store.spent("budget"))["day"] == pytest.approx(COST)
