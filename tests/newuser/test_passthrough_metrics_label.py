"""``/v1/messages`` passed through to an Anthropic model is counted in ``/metrics`` under its public model name
(regression: the label came from the callbacks, which a raw passthrough call has none of, so it was ``model=""``)."""

from __future__ import annotations

import httpx
import pytest

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-20250514",
    "content": [{"type": "text", "text": "hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}


async def test_passthrough_requests_carry_their_model_label() -> None:
    upstream = httpx.MockTransport(lambda request: httpx.Response(200, json=MESSAGE))
    data = {
        "limits": {"rpm": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "metrics": {"enabled": True},
        "models": {"claude": {"model": "anthropic/claude-sonnet-4-20250514", "api_key_env": "ANTHROPIC_KEY"}},
    }
    config = parse_config(data, environ={"ANTHROPIC_KEY": "sk-ant-test"})
    app = create_app(config, transport=upstream, limiter=MemoryLimiter())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        body = {"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
        answer = await client.post("/v1/messages", json=body)
        scraped = (await client.get("/metrics")).text
    assert answer.status_code == 200 and answer.json()["content"][0]["text"] == "hi"
    assert 'modelmux_gateway_requests_total{route="/v1/messages",model="claude",status="200"} 1' in scraped
