"""A cache hit sends no request, so callbacks list no attempt for it and the gateway's /metrics counts no upstream
attempt (regression: the callback observer made up one attempt for every call that recorded none, so each hit
showed as an ``ok`` upstream attempt in ``modelmux_gateway_upstream_attempts_total``)."""

from __future__ import annotations

import re

import httpx
import pytest

import modelmux
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.callbacks import Callback, CallEvent

MESSAGES = [{"role": "user", "content": "cache me"}]


class Record(Callback):
    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    def on_success(self, event: CallEvent) -> None:
        self.events.append(event)

    def on_stream_end(self, event: CallEvent) -> None:
        self.events.append(event)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_hit_has_no_attempt_and_a_miss_has_one(stream: bool) -> None:
    cache, record = modelmux.Cache(), Record()
    for _ in range(2):
        result = modelmux.completion("mock/echo", MESSAGES, cache=cache, stream=stream, callbacks=[record])
        if stream:
            list(result)
    miss, hit = record.events
    assert miss.hidden_params["cache_hit"] is False and [a.model for a in miss.attempts] == ["mock/echo"]
    assert hit.hidden_params["cache_hit"] is True and hit.attempts == []


async def _attempts(client: httpx.AsyncClient) -> int:
    text = (await client.get("/metrics")).text
    found = re.search(r'modelmux_gateway_upstream_attempts_total\{model="echo",outcome="ok"\} (\d+)', text)
    return int(found.group(1)) if found else 0


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_gateway_metrics_count_no_upstream_attempt_for_a_hit(stream: bool) -> None:
    data = {
        "limits": {"rpm": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "metrics": {"enabled": True},
        "cache": {"backend": "memory"},
        "models": {"echo": {"model": "mock/echo", "cache": True}},
    }
    app = create_app(parse_config(data, environ={}), limiter=MemoryLimiter())
    body = {"model": "echo", "messages": MESSAGES, "stream": stream}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        first = await client.post("/v1/chat/completions", json=body)
        second = await client.post("/v1/chat/completions", json=body)
        assert first.status_code == second.status_code == 200 and first.text == second.text  # the same answer
        assert await _attempts(client) == 1
