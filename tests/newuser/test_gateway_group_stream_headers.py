"""A group's streamed answer carries ``x-modelmux-attempts`` / ``x-modelmux-deployment`` also when a spend limit is
set (regression: the budget meter wrapped the stream and hid the router's ``_hidden_params``, so the headers the
README promises were missing from every group stream of a gateway with a budget)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio


def _app(limits: dict[str, Any]) -> Any:
    group = {
        "num_retries": 1,
        "deployments": [
            {"id": "down", "model": "mock/error-500", "order": 1},
            {"id": "up", "model": "mock/echo", "order": 2},
        ],
    }
    data = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited", **limits},
        "server": {"allowed_hosts": ["gw"]},
        "models": {"g": group},
    }
    return create_app(parse_config(data, environ={}), limiter=MemoryLimiter())


@pytest.mark.parametrize("limits", [{}, {"max_spend_per_month": 300.0}], ids=["no-budget", "budget"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_group_answers_say_how_they_were_obtained(limits: dict[str, Any], stream: bool) -> None:
    transport = httpx.ASGITransport(app=_app(limits))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        body = {"model": "g", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
        answer = await client.post("/v1/chat/completions", json=body)
    assert answer.status_code == 200
    assert answer.headers["x-modelmux-deployment"] == "up"
    assert answer.headers["x-modelmux-attempts"] == "2"


@pytest.mark.parametrize("limits", [{}, {"max_spend_per_month": 300.0}], ids=["no-budget", "budget"])
async def test_group_anthropic_streams_say_how_they_were_obtained(limits: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=_app(limits))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        body = {"model": "g", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}], "stream": True}
        answer = await client.post("/v1/messages", json=body)
    assert answer.status_code == 200
    assert answer.headers["x-modelmux-deployment"] == "up"
    assert answer.headers["x-modelmux-attempts"] == "2"
