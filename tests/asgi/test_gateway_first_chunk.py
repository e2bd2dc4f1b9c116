"""``first_chunk_timeout`` in the gateway config (a model, a group, a deployment): an upstream that stalls before its
first SSE event makes the gateway fail over or answer an OpenAI-shaped error, never hang."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_helpers import ENV, raw

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.config import ConfigError
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

MSG = [{"role": "user", "content": "hi"}]
CHUNK = (
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"%s",'
    '"choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}\n\n'
)
END = (
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"%s",'
    '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
#: Generous: the machine is shared.
SLACK = 1.5


class _Stalled(httpx.AsyncByteStream):
    """Headers at once, then nothing for 30 s (cancelled when the gateway gives up), then one answer."""

    def __init__(self, model: str, closed: list[str]) -> None:
        self.model, self.closed = model, closed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await asyncio.sleep(30)
        yield (CHUNK % (self.model, "late") + END % self.model).encode()

    async def aclose(self) -> None:
        self.closed.append(self.model)


class Upstream(httpx.AsyncBaseTransport):
    """``openai/stall*`` stalls before its first event; any other model streams "hi" at once."""

    def __init__(self) -> None:
        self.models: list[str] = []
        self.closed: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        self.models.append(model)
        headers = {"content-type": "text/event-stream"}
        if model.startswith("stall"):
            return httpx.Response(200, headers=headers, stream=_Stalled(model, self.closed))
        return httpx.Response(200, headers=headers, content=(CHUNK % (model, "hi") + END % model).encode())


def _app(models: dict[str, Any], upstream: Upstream) -> Any:
    data = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "models": models,
    }
    return create_app(parse_config(data, environ=ENV), transport=upstream, limiter=MemoryLimiter())


def _model(name: str, **extra: Any) -> dict[str, Any]:
    return {"model": f"openai/{name}", "api_key_env": "UPSTREAM_KEY", **extra}


async def _stream(app: Any, model: str) -> tuple[int, str, httpx.Headers]:
    async with raw(app) as client:
        body = {"model": model, "messages": MSG, "stream": True}
        async with client.stream("POST", "/v1/chat/completions", json=body) as answer:
            return answer.status_code, (await answer.aread()).decode(), answer.headers


async def test_a_single_model_that_stalls_answers_an_openai_error_at_its_first_chunk_timeout() -> None:
    upstream = Upstream()
    app = _app({"m": _model("stall", first_chunk_timeout=0.2, timeout=30)}, upstream)
    started = time.monotonic()
    status, text, _ = await _stream(app, "m")
    elapsed = time.monotonic() - started
    assert status == 502 and json.loads(text)["error"]["code"] == "upstream_timeout"
    assert 0.2 <= elapsed <= 0.2 + SLACK, elapsed
    assert upstream.closed == ["stall"]  # the upstream response was let go


async def test_a_single_model_whose_stream_is_translated_is_bounded_and_retried_alike() -> None:
    # groq's streams are rewritten (not relayed as they are): acompletion bounds each attempt itself
    upstream = Upstream()
    model = {"model": "groq/stall", "api_key_env": "UPSTREAM_KEY", "first_chunk_timeout": 0.2, "timeout": 30}
    started = time.monotonic()
    status, text, _ = await _stream(_app({"m": model}, upstream), "m")
    assert status == 502 and json.loads(text)["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - started <= 0.2 + SLACK


async def test_without_it_the_same_model_waits_for_its_whole_timeout() -> None:
    upstream = Upstream()
    app = _app({"m": _model("stall", timeout=0.5)}, upstream)  # the check above is first_chunk_timeout's doing
    started = time.monotonic()
    status, _, _ = await _stream(app, "m")
    assert status == 502 and time.monotonic() - started >= 0.5


async def test_a_single_model_in_time_streams_as_before() -> None:
    app = _app({"m": _model("fast", first_chunk_timeout=5)}, Upstream())
    status, text, _ = await _stream(app, "m")
    assert status == 200 and '"content":"hi"' in text and text.endswith("data: [DONE]\n\n")


async def test_a_group_fails_over_from_a_stalled_deployment() -> None:
    upstream = Upstream()
    group = {
        "deployments": [
            {"id": "slow", **_model("stall"), "order": 1},
            {"id": "quick", **_model("fast"), "order": 2},
        ],
        "first_chunk_timeout": 0.2,
        "num_retries": 1,
        "timeout": 30,
    }
    started = time.monotonic()
    status, text, headers = await _stream(_app({"g": group}, upstream), "g")
    assert status == 200 and headers["x-modelmux-deployment"] == "quick" and headers["x-modelmux-attempts"] == "2"
    assert text.count('"content":"hi"') == 1 and "late" not in text
    assert time.monotonic() - started <= 0.2 + SLACK
    assert upstream.models == ["stall", "fast"]


async def test_a_deployment_s_own_first_chunk_timeout_fails_over_too() -> None:
    upstream = Upstream()
    group = {
        "deployments": [
            {"id": "slow", **_model("stall"), "order": 1, "first_chunk_timeout": 0.2},
            {"id": "quick", **_model("fast"), "order": 2},
        ],
        "num_retries": 1,
        "timeout": 30,
    }
    status, _, headers = await _stream(_app({"g": group}, upstream), "g")
    assert status == 200 and headers["x-modelmux-deployment"] == "quick"


async def test_it_does_not_reach_operations_without_a_stream() -> None:
    upstream = Upstream()
    app = _app({"m": _model("fast", first_chunk_timeout=0.2)}, upstream)
    async with raw(app) as client:
        answer = await client.post("/v1/embeddings", json={"model": "m", "input": "hi"})
    assert answer.status_code != 500  # no "unexpected keyword first_chunk_timeout" (the fake is not an embedder)


@pytest.mark.parametrize("value", [0, -1, "soon", True, float("inf"), float("nan")])
@pytest.mark.parametrize("where", ["model", "group", "deployment"])
def test_a_bad_value_is_a_config_error(value: Any, where: str) -> None:
    if where == "model":
        models: dict[str, Any] = {"m": _model("fast", first_chunk_timeout=value)}
    elif where == "group":
        models = {"m": {"deployments": [_model("fast")], "first_chunk_timeout": value}}
    else:
        models = {"m": {"deployments": [_model("fast", first_chunk_timeout=value)]}}
    with pytest.raises(ConfigError, match="first_chunk_timeout"):
        parse_config({"models": models}, environ=ENV)


def test_a_misspelled_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="first_chunk_timout"):
        parse_config({"models": {"m": _model("fast", first_chunk_timout=1)}}, environ=ENV)


async def test_the_anthropic_messages_route_is_bounded_too() -> None:
    app = _app({"m": _model("stall", first_chunk_timeout=0.2, timeout=30)}, Upstream())
    body = {"model": "m", "max_tokens": 10, "messages": MSG, "stream": True}
    started = time.monotonic()
    async with raw(app) as client:
        answer = await client.post("/v1/messages", json=body)
    assert answer.status_code == 502 and answer.json()["type"] == "error"
    assert time.monotonic() - started <= 0.2 + SLACK
