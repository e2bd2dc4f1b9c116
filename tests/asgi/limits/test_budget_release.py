"""A request's budget hold is given back when its upstream fails, and a stream the client leaves midway is settled
with what it streamed (not its whole reservation), with the store in memory and in Redis."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from budget_fakes import AUTH, CHAT, ENV, GATEWAY_KEY, budget_config

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import MemoryBudgets

pytestmark = pytest.mark.anyio


class Failing(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": {"message": "boom", "type": "server_error"}})


class _Held(httpx.AsyncByteStream):
    """One chunk of text, then nothing until the client leaves."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self) -> Any:
        yield self.first
        await asyncio.Event().wait()


class Slow(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        delta = {"role": "assistant", "content": "Hello there " * 50}
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-2024-08-06",
                 "choices": [{"index": 0, "delta": delta}]}  # fmt: skip
        stream = _Held(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        return httpx.Response(200, stream=stream, headers={"content-type": "text/event-stream"})


def app_of(upstream: httpx.AsyncBaseTransport, store: Any = None) -> Any:
    config = parse_config(budget_config(key={"max_spend_per_day": 10}), environ=ENV)
    return create_app(config, transport=upstream, limiter=MemoryLimiter(), budget_store=store or MemoryBudgets())


async def test_a_failed_upstream_call_gives_its_reservation_back() -> None:
    app = app_of(Failing())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    assert response.status_code == 502
    assert (await app.budgets.store.spent("budget"))["day"] == 0.0


async def _leave_midway(app: Any) -> tuple[float, float]:
    """What the key has spent while its stream runs, and once the client left."""
    body: bytes | None = json.dumps({**CHAT, "stream": True}).encode()
    leave, streaming = asyncio.Event(), asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal body
        if body is not None:
            sent, body = body, None
            return {"type": "http.request", "body": sent, "more_body": False}
        await leave.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            streaming.set()

    headers = [(b"authorization", f"Bearer {GATEWAY_KEY}".encode()), (b"content-type", b"application/json")]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "root_path": "",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 5000), "server": ("gw", 80)}  # fmt: skip
    task = asyncio.ensure_future(app(scope, receive, send))
    await asyncio.wait_for(streaming.wait(), 2)
    during = (await app.budgets.store.spent("budget"))["day"]
    leave.set()
    await asyncio.wait_for(task, 2)
    return during, (await app.budgets.store.spent("budget"))["day"]


async def test_a_stream_the_client_leaves_is_settled_with_what_it_streamed() -> None:
    during, after = await _leave_midway(app_of(Slow()))
    assert during > 0.05  # the request's possible cost (gpt-4o's output cap) is held while it runs
    assert 0 < after < 0.005  # then the prompt and the text streamed, counted with the tokenizer


async def test_the_same_in_redis(redis_url: str, prefix: str) -> None:
    from modelmux.asgi.limits.budget_redis import RedisBudgets

    store = RedisBudgets(redis_url, prefix=prefix)
    try:
        during, after = await _leave_midway(app_of(Slow(), store))
        assert during > 0.05 and 0 < after < 0.005
    finally:
        await store.aclose()
