"""Hostile numbers and handlers against the gateway's accounting: an upstream's absurd usage cannot crash a budget
or poison ``/metrics``, a long stored conversation is refused before it is all loaded, and a hung callback cannot
hang a request. Each test here failed before its fix."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, ENV, keyed_config

from modelmux._responses import store as store_module
from modelmux._responses.store import MemoryResponseStore, StoredResponse, aconversation, conversation
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.errors import HTTPError
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import Budget, MemoryBudgets
from modelmux.asgi.limits.budget_config import Budgets
from modelmux.asgi.limits.budget_gate import BudgetGate
from modelmux.asgi.limits.budget_meter import MAX_COST, Meter
from modelmux.asgi.metrics import Counter, _number
from modelmux.callbacks import Callback, _run
from modelmux.errors import BadRequestError

pytestmark = pytest.mark.anyio


def _answer(prompt_tokens: Any) -> dict[str, Any]:
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 0, "total_tokens": prompt_tokens}
    return {"model": "gpt-4o", "usage": usage}


@pytest.mark.parametrize("tokens", [10**400, 10**300], ids=["overflow", "huge"])
def test_an_absurd_usage_is_charged_the_most_not_an_exception(tokens: int) -> None:
    meter = Meter(set())
    meter.add(_answer(tokens))  # 10**400 raised OverflowError in completion_cost; 10**300 priced near 2.5e294
    assert meter.total == MAX_COST


async def test_settling_an_infinite_total_exhausts_the_budget_without_crashing() -> None:
    gate = BudgetGate(Budgets(default=Budget(per_day=5.0)), MemoryBudgets())
    ticket = await gate.enter("alice")
    assert ticket is not None
    ticket.meter.total = float("inf")  # several calls of MAX_COST, or a price that was inf
    await gate.exit(ticket)  # was OverflowError: round(inf) in nano()
    with pytest.raises(HTTPError) as refused:
        await gate.enter("alice")
    assert refused.value.status == 429


def test_a_counter_ignores_negative_nan_and_infinite_amounts() -> None:
    counter = Counter("modelmux_tokens_total", "Tokens.", ("model",))
    counter.inc(("m",), 5)
    for bad in (float("nan"), float("inf"), -3):
        counter.inc(("m",), bad)
    assert counter.values == {("m",): 5}
    assert "".join(counter.render()).endswith('{model="m"} 5')


def test_rendering_a_non_finite_value_does_not_raise() -> None:
    assert _number(float("nan")) == "nan" and _number(float("inf")) == "inf"  # int(nan) was a 500 on every scrape


# ---------------------------------------------------------------- stored conversations


class CountingStore(MemoryResponseStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, response_id: str) -> StoredResponse | None:
        self.reads += 1
        return super().get(response_id)


def _chain(store: MemoryResponseStore, length: int, text_bytes: int) -> str:
    previous = None
    for i in range(length):
        item = {"type": "message", "role": "user", "content": "x" * text_bytes}
        store.put(StoredResponse({"id": f"r{i}", "output": []}, [item], previous=previous, owner="alice"))
        previous = f"r{i}"
    assert previous is not None
    return previous


async def test_a_conversation_too_large_in_bytes_is_refused_before_it_is_all_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_module, "MAX_CONVERSATION_BYTES", 50_000)
    store = CountingStore()
    last = _chain(store, 20, 10_000)  # 20 entries of ~10 KB: 200 KB, four times the bound
    with pytest.raises(BadRequestError) as refused:
        conversation(store, last, "alice")
    assert refused.value.code == "conversation_too_long" and "bytes" in str(refused.value)
    assert store.reads <= 6  # stopped once over the bound, not after reading all 20
    with pytest.raises(BadRequestError):
        await aconversation(store, last, "alice")
    assert conversation(store, "r3", "alice")[1][0]["content"] == "x" * 10_000  # a short one still loads


# ---------------------------------------------------------------- callbacks


class Hung(Callback):
    async def on_start(self, event: Any) -> None:
        await asyncio.Event().wait()

    async def on_success(self, event: Any) -> None:
        await asyncio.Event().wait()


async def test_a_hung_async_callback_does_not_hang_the_request(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    monkeypatch.setattr(_run, "HOOK_TIMEOUT", 0.05)
    app = create_app(
        parse_config(keyed_config(), environ=ENV), transport=FakeUpstream(), limiter=MemoryLimiter(), callbacks=[Hung()]
    )
    body = {"model": "up/ok", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        post = client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {ALICE}"})
        answer = await asyncio.wait_for(post, 5)  # hung forever before
    assert answer.status_code == 200
    assert "Hung.on_start took over" in caplog.text
    for task in list(_run._tasks):  # the hung hooks go on in the background: end them with the test
        task.cancel()
