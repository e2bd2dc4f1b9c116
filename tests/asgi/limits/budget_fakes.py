"""A priced upstream for the budget tests: OpenAI's gpt-4o answering with a fixed usage, and its cost."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from modelmux import completion_cost

USAGE = {"prompt_tokens": 1000, "completion_tokens": 1000, "total_tokens": 2000}
#: What one answer of the upstream costs at the bundled gpt-4o prices.
COST = completion_cost({"model": "gpt-4o", "usage": USAGE})
assert COST is not None and COST > 0
GATEWAY_KEY = "sk-gw-budget-0123456789abcdef"
OTHER_KEY = "sk-gw-other-0123456789abcdef"
ENV = {"BUDGET_KEY": GATEWAY_KEY, "OTHER_KEY": OTHER_KEY, "UPSTREAM_KEY": "sk-upstream"}
CHAT = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


class Priced(httpx.AsyncBaseTransport):
    """Answers chat requests as gpt-4o with :data:`USAGE`; a stream sends its usage chunk only when asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.arrived = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        self.calls += 1
        self.arrived += 1
        if self.gate is not None:
            await self.gate.wait()
        model = "gpt-4o-2024-08-06" if body["model"] == "gpt-4o" else body["model"]  # unknown models: no price
        if body.get("stream"):
            base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": model}
            events = [
                {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hello there"}}]},
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            if (body.get("stream_options") or {}).get("include_usage"):
                events.append({**base, "choices": [], "usage": USAGE})
            return httpx.Response(200, content=sse(events), headers={"content-type": "text/event-stream"})
        message = {"role": "assistant", "content": "Hello there"}
        return httpx.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": USAGE,
            },
        )


def budget_config(
    *, limits: dict[str, Any] | None = None, key: dict[str, Any] | None = None, **model: Any
) -> dict[str, Any]:
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited", **(limits or {})},
        "models": {
            "gpt": {"model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY", **model},
            "unpriced": {"model": "openai/some-unpriced-model", "api_key_env": "UPSTREAM_KEY"},
        },
        "keys": {"budget": {"key_env": "BUDGET_KEY", **(key or {})}, "other": {"key_env": "OTHER_KEY"}},
    }
