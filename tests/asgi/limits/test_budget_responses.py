"""``/v1/responses`` counts against a key's spend budget like the other call endpoints: answered natively by OpenAI
or translated (a model group), streamed or not. Before, its calls cost $0 whatever they used: a key with a budget
could spend without limit through it (found by the hostile review)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from budget_fakes import AUTH, COST, ENV, Priced, budget_config

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import MemoryBudgets

pytestmark = pytest.mark.anyio
RESPONSES_USAGE = {"input_tokens": 1000, "output_tokens": 1000, "total_tokens": 2000}


class PricedResponses(Priced):
    """:class:`Priced`, and OpenAI's ``/responses`` answering as gpt-4o with the same usage."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/responses"):
            return await super().handle_async_request(request)
        body = json.loads(await request.aread())
        self.calls += 1
        message = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed", "content": []}
        final = {
            "id": f"resp_{self.calls}",
            "object": "response",
            "created_at": 1,
            "status": "completed",
            "model": "gpt-4o-2024-08-06",
            "output": [message],
            "usage": RESPONSES_USAGE,
        }
        if not body.get("stream"):
            return httpx.Response(200, json=final)
        events = [
            {"type": "response.created", "sequence_number": 0, "response": {**final, "status": "in_progress"}},
            {"type": "response.completed", "sequence_number": 1, "response": final},
        ]
        data = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
        return httpx.Response(200, content=data, headers={"content-type": "text/event-stream"})


def _app(upstream: httpx.AsyncBaseTransport) -> Gateway:
    data = budget_config(key={"max_spend_per_day": 2.5 * COST, "spend_reserve": 0, "reserve_max_cost": False})
    data["models"]["grp"] = {"deployments": [{"model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY"}]}
    config = parse_config(data, environ=ENV)
    return create_app(config, transport=upstream, limiter=MemoryLimiter(), budget_store=MemoryBudgets())


@pytest.mark.parametrize("model", ["gpt", "grp"], ids=["native", "translated"])
@pytest.mark.parametrize("stream", [False, True], ids=["answer", "stream"])
async def test_responses_are_counted_against_the_budget(model: str, stream: bool) -> None:
    upstream = PricedResponses()
    app = _app(upstream)
    body: dict[str, Any] = {"model": model, "input": "hi", "stream": stream}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for _ in range(4):  # 2.5 answers' worth: the third is admitted, the fourth is not
            answer = await client.post("/v1/responses", json=body, headers=AUTH)
            if answer.status_code != 200:
                break
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "budget_exceeded"  # was 200 forever
    assert upstream.calls == 3 and (await app.budgets.store.spent("budget"))["day"] == pytest.approx(3 * COST)


class CutShort(httpx.AsyncBaseTransport):
    """OpenAI's native stream broken after some text: no final usage ever comes."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        events = [
            {"type": "response.created", "sequence_number": 0, "response": {"id": "r", "object": "response"}},
            {"type": "response.output_text.delta", "sequence_number": 1, "delta": "Some words of an answer " * 20},
        ]

        async def chunks() -> Any:
            for e in events:
                yield f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
            raise httpx.ReadError("connection reset")

        return httpx.Response(200, content=chunks(), headers={"content-type": "text/event-stream"})


async def test_a_native_stream_cut_short_is_counted_with_the_tokenizer() -> None:
    app = _app(CutShort())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        answer = await client.post("/v1/responses", json={"model": "gpt", "input": "hi", "stream": True}, headers=AUTH)
    assert "event: response.failed" in answer.text
    spent = (await app.budgets.store.spent("budget"))["day"]
    assert 0 < spent < COST / 10  # the streamed words were paid for upstream
