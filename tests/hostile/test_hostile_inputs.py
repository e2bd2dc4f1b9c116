"""Hostile input against today's gateway features: each request a client controls ends in a clear 4xx (never a 500)
and a broken upstream answer is an error (never an empty success). Each test here failed before its fix."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, ENV, keyed_config, make_app, raw

from modelmux import responses
from modelmux.asgi import ConfigError, create_app, parse_config
from modelmux.asgi.config_cache import _controls
from modelmux.asgi.limits import MemoryLimiter
from modelmux.errors import UpstreamError

pytestmark = pytest.mark.anyio
AUTH = {"authorization": f"Bearer {ALICE}"}


@pytest.mark.parametrize("include", [[{"type": "message"}], [["x"]], [{}]])
async def test_include_entries_that_are_not_strings_are_a_400(include: Any) -> None:
    async with raw(make_app()) as client:
        answer = await client.post(
            "/v1/responses", json={"model": "mock/demo", "input": "hi", "include": include}, headers=AUTH
        )
    assert answer.status_code == 400, answer.text  # was a 500: a dict is unhashable in `value not in {...}`
    assert answer.json()["error"]["param"] == "include"


# ---------------------------------------------------------------- native OpenAI Responses streams


class Answering(httpx.AsyncBaseTransport):
    """An "OpenAI" answering every request 200 with ``content``."""

    def __init__(self, content: bytes, content_type: str = "text/event-stream") -> None:
        self.content, self.content_type = content, content_type

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=self.content, headers={"content-type": self.content_type})


CREATED = b'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{}}\n\n'
BROKEN = [
    (b"<html>Bad gateway</html>", "text/html"),
    (b"", "text/event-stream"),
    (b"data: [DONE]\n\n", "text/event-stream"),
]


def _openai_app(transport: httpx.AsyncBaseTransport) -> Any:
    data = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {"gpt": {"model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY"}},
        "keys": {"alice": {"key_env": "ALICE_KEY"}},
    }
    return create_app(parse_config(data, environ=ENV), transport=transport, limiter=MemoryLimiter())


@pytest.mark.parametrize(("content", "content_type"), BROKEN)
async def test_a_native_stream_with_no_response_events_is_a_502(content: bytes, content_type: str) -> None:
    app = _openai_app(Answering(content, content_type))
    async with raw(app) as client:
        answer = await client.post("/v1/responses", json={"model": "gpt", "input": "hi", "stream": True}, headers=AUTH)
    assert answer.status_code == 502, answer.text  # was an empty 200
    assert "ended before the response finished" in answer.json()["error"]["message"]


async def test_a_native_stream_cut_after_its_first_event_ends_with_response_failed() -> None:
    app = _openai_app(Answering(CREATED))
    async with raw(app) as client:
        answer = await client.post("/v1/responses", json={"model": "gpt", "input": "hi", "stream": True}, headers=AUTH)
    assert answer.status_code == 200
    assert answer.text.startswith("event: response.created")
    assert "event: response.failed" in answer.text  # was a stream that just stopped: a silent truncation


def test_the_sync_library_stream_raises_too() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=CREATED, headers={"content-type": "text/event-stream"})

    transport = httpx.MockTransport(answer)
    stream = responses("openai/gpt-4o", "hi", stream=True, api_key="sk-x", transport=transport, store=False)
    with pytest.raises(UpstreamError, match="ended before the response finished"):
        list(stream)


# ---------------------------------------------------------------- cache controls


def _cache_app(upstream: FakeUpstream) -> Any:
    data = keyed_config()
    data["models"]["up/ok"]["cache"] = True
    return create_app(parse_config(data, environ=ENV), transport=upstream, limiter=MemoryLimiter())


@pytest.mark.parametrize(
    "ttl", [10**400, 1e308, -1, "60", [60], None], ids=["10**400", "1e308", "-1", "str", "list", "null"]
)
async def test_body_cache_ttl_of_any_size_or_type_is_never_a_500(ttl: Any) -> None:
    body = {"model": "up/ok", "messages": [{"role": "user", "content": "hi"}], "cache": {"ttl": ttl}}
    async with raw(_cache_app(FakeUpstream())) as client:
        answer = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text  # 10**400 was an OverflowError 500


@pytest.mark.parametrize("value", [b"max-age=\xb2", b"max-age=" + b"9" * 5000, b"max-age=-1, no-cache=\xff, ,,"])
async def test_cache_control_header_garbage_is_ignored(value: bytes) -> None:
    body = {"model": "up/ok", "messages": [{"role": "user", "content": "hi"}]}
    async with raw(_cache_app(FakeUpstream())) as client:
        answer = await client.post("/v1/chat/completions", json=body, headers=[*AUTH.items(), ("cache-control", value)])
    assert answer.status_code == 200, answer.text  # "²" (latin-1) passed isdigit() and failed float(): a 500


def test_cache_control_values_are_clamped_before_becoming_floats() -> None:
    assert _controls({"cache-control": "max-age=" + "9" * 5000}, None) == {"s-maxage": 1e9}
    assert _controls({"cache-control": "max-age=\xb2"}, None) == {}
    assert _controls({}, {"ttl": 10**400, "s-maxage": 5}) == {"ttl": 1e9, "s-maxage": 5.0}


def test_config_numbers_too_large_for_a_float_are_config_errors() -> None:
    data = keyed_config()
    data["models"]["up/ok"]["cache"] = {"ttl": 10**400}
    with pytest.raises(ConfigError, match=r"cache\.ttl"):
        parse_config(data, environ=ENV)  # was an OverflowError
    with pytest.raises(ConfigError, match="max_spend_per_day"):
        parse_config(keyed_config(limits={"max_spend_per_day": 1e300}), environ=ENV)  # nano(1e300) overflowed later


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e999"])
async def test_non_finite_numbers_in_a_body_are_a_400(literal: str) -> None:
    text = '{"model":"up/ok","messages":[{"role":"user","content":"hi"}],"cache":{"ttl":' + literal + "}}"
    async with raw(_cache_app(FakeUpstream())) as client:
        answer = await client.post("/v1/chat/completions", content=text, headers=AUTH)
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (
            {"input": [{"type": "reasoning", "summary": [{"type": "summary_text", "text": ""}] * 30_000}]},
            "input",
        ),  # was translated and stored whole: summary parts were not counted
        ({"input": "hi", "include": ["reasoning.encrypted_content"] * 1_000}, "include"),  # was accepted
    ],
    ids=["summary-parts", "include"],
)
async def test_responses_sizes_a_client_controls_are_bounded(body: dict[str, Any], param: str) -> None:
    async with raw(make_app()) as client:
        answer = await client.post("/v1/responses", json={"model": "mock/demo", **body}, headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == param and answer.json()["error"]["code"] == "request_too_complex"
