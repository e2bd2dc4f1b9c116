"""``/v1/messages`` through the real ``anthropic`` SDK, in-process over ``httpx.ASGITransport``: an OpenAI, a Gemini
and an Anthropic target (fake upstreams, the last one passed through natively) and the offline mock."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import pytest
from gateway_helpers import ALICE, ENV, UPSTREAM_KEY, sha256
from messages_fakes import DialectUpstreams, claude_events, claude_message

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

TARGETS = ["gpt", "gem", "claude"]
TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "The weather in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
USER: list[Any] = [{"role": "user", "content": "What is the weather in Oslo?"}]
GREETING = {"gpt": "Hello from OpenAI.", "gem": "Hello from Gemini.", "claude": "Hello from Claude."}


def _config(**limits: Any) -> dict[str, Any]:
    up = {"api_key_env": "UPSTREAM_KEY", "timeout": 5}
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited", **limits},
        "models": {
            "gpt": {"model": "openai/gpt-test", "api_base": "http://openai.test/v1", **up},
            "gpt-fail": {"model": "openai/gpt-fail", "api_base": "http://openai.test/v1", **up},
            "gpt-cut": {"model": "openai/gpt-cut", "api_base": "http://openai.test/v1", **up},
            "gem": {"model": "gemini/gemini-2.5-flash", "api_base": "http://gemini.test", **up},
            "claude": {"model": "anthropic/claude-sonnet-4-5", "api_base": "http://anthropic.test", **up},
            "claude-fail": {"model": "anthropic/claude-fail", "api_base": "http://anthropic.test", **up},
            "claude-cut": {"model": "anthropic/claude-cut", "api_base": "http://anthropic.test", **up},
            "mock/echo": {"model": "mock/echo"},
        },
        "keys": {
            "alice": {"key_env": "ALICE_KEY"},
            "bob": {"key_sha256": sha256("sk-bob-000"), "models": ["mock/echo"], "rpm": 1},
            "carol": {"key_sha256": sha256("sk-carol-000"), "max_body_bytes": 2000},
        },
    }


@pytest.fixture
def upstream() -> DialectUpstreams:
    return DialectUpstreams()


@pytest.fixture
def app(upstream: DialectUpstreams) -> Gateway:
    return create_app(parse_config(_config(), environ=ENV), transport=upstream, limiter=MemoryLimiter())


def client(app: Gateway, key: str | None = ALICE, **kwargs: Any) -> anthropic.AsyncAnthropic:
    """The real async SDK, talking to the app in-process (recent SDKs run on ``httpx2``, a fork of httpx)."""
    try:
        import httpx2 as http_module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - SDKs before the fork
        http_module = httpx
    http = http_module.AsyncClient(transport=http_module.ASGITransport(app=app))
    return anthropic.AsyncAnthropic(base_url="http://gw", api_key=key, http_client=http, max_retries=0, **kwargs)


def raw(app: Gateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


# ---------------------------------------------------------------- text


@pytest.mark.parametrize("model", [*TARGETS, "mock/echo"])
async def test_create_text(app: Gateway, model: str) -> None:
    reply = await client(app).messages.create(model=model, max_tokens=100, messages=USER)
    assert reply.type == "message" and reply.role == "assistant"
    assert [b.type for b in reply.content] == ["text"]
    text = reply.content[0].text  # type: ignore[union-attr]
    assert text == GREETING.get(model, "What is the weather in Oslo?")
    assert reply.stop_reason == "end_turn"
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0


@pytest.mark.parametrize("model", [*TARGETS, "mock/echo"])
async def test_stream_text(app: Gateway, model: str) -> None:
    async with client(app).messages.stream(model=model, max_tokens=100, messages=USER) as stream:
        pieces = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert "".join(pieces) == GREETING.get(model, "What is the weather in Oslo?")
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


@pytest.mark.parametrize("model", ["gpt", "gem"])
async def test_stream_event_sequence(app: Gateway, model: str) -> None:
    async with raw(app) as http:
        response = await http.post(
            "/v1/messages",
            json={"model": model, "max_tokens": 50, "messages": USER, "stream": True},
            headers={"x-api-key": ALICE, "anthropic-version": "2023-06-01"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [line[7:] for line in response.text.splitlines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}


# ---------------------------------------------------------------- tools


@pytest.mark.parametrize("model", TARGETS)
@pytest.mark.parametrize("streamed", [False, True])
async def test_tool_round_trip(app: Gateway, upstream: DialectUpstreams, model: str, streamed: bool) -> None:
    sdk = client(app)

    async def ask(messages: list[Any]) -> anthropic.types.Message:
        if not streamed:
            return await sdk.messages.create(model=model, max_tokens=200, messages=messages, tools=TOOLS)
        async with sdk.messages.stream(model=model, max_tokens=200, messages=messages, tools=TOOLS) as stream:
            return await stream.get_final_message()

    first = await ask(USER)
    assert first.stop_reason == "tool_use"
    (use,) = [b for b in first.content if b.type == "tool_use"]
    assert use.name == "get_weather" and use.input == {"city": "Oslo"}
    history = [
        *USER,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21C"}]},
    ]
    second = await ask(history)
    assert second.stop_reason == "end_turn"
    assert "sunny, 21C" in second.content[-1].text  # type: ignore[union-attr]
    sent = upstream.bodies[-1]
    if model == "gpt":  # the tool result went up as a tool message answering the call
        assert sent["messages"][-1] == {"role": "tool", "tool_call_id": use.id, "content": "sunny, 21C"}
        assert sent["messages"][-2]["tool_calls"][0]["function"]["name"] == "get_weather"


async def test_mock_plays_a_tool_round_trip(app: Gateway) -> None:
    sdk = client(app)
    first = await sdk.messages.create(
        model="mock/echo", max_tokens=50, messages=USER, tools=TOOLS, tool_choice={"type": "any"}
    )
    assert first.stop_reason == "tool_use"
    (use,) = [b for b in first.content if b.type == "tool_use"]
    assert use.name == "get_weather" and isinstance(use.input, dict)
    history = [
        *USER,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]},
    ]
    second = await sdk.messages.create(model="mock/echo", max_tokens=50, messages=history, tools=TOOLS)
    assert second.stop_reason == "end_turn" and second.content[-1].type == "text"


async def test_tool_choice_and_parallel(app: Gateway, upstream: DialectUpstreams) -> None:
    await client(app).messages.create(
        model="gpt",
        max_tokens=50,
        messages=USER,
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
    )
    sent = upstream.bodies[-1]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["parallel_tool_calls"] is False
    assert sent["tools"][0]["function"]["parameters"] == TOOLS[0]["input_schema"]


# ---------------------------------------------------------------- thinking


THINK = {"type": "enabled", "budget_tokens": 2048}
THOUGHT = {"gpt": "Let me think.", "gem": "Pondering.", "claude": "Hmm."}


@pytest.mark.parametrize("model", TARGETS)
async def test_thinking(app: Gateway, upstream: DialectUpstreams, model: str) -> None:
    reply = await client(app).messages.create(model=model, max_tokens=4096, messages=USER, thinking=THINK)  # type: ignore[arg-type]
    assert [b.type for b in reply.content] == ["thinking", "text"]
    assert reply.content[0].thinking == THOUGHT[model]  # type: ignore[union-attr]
    sent = upstream.bodies[-1]
    if model == "gpt":
        assert sent["reasoning_effort"] == "medium"
    elif model == "gem":
        assert sent["generationConfig"]["thinkingConfig"]
    else:
        assert sent["thinking"] == THINK and reply.content[0].signature == "sig-123"  # type: ignore[union-attr]


@pytest.mark.parametrize("model", TARGETS)
async def test_thinking_streamed(app: Gateway, model: str) -> None:
    kinds: list[str] = []
    async with client(app).messages.stream(model=model, max_tokens=4096, messages=USER, thinking=THINK) as stream:  # type: ignore[arg-type]
        async for event in stream:
            if event.type == "content_block_delta":
                kinds.append(event.delta.type)
        final = await stream.get_final_message()
    assert "thinking_delta" in kinds and "text_delta" in kinds
    assert kinds.index("thinking_delta") < kinds.index("text_delta")
    assert final.content[0].thinking == THOUGHT[model]  # type: ignore[union-attr]
    if model == "claude":
        assert "signature_delta" in kinds and final.content[0].signature == "sig-123"  # type: ignore[union-attr]


# ---------------------------------------------------------------- a Claude Code-shaped request


@pytest.mark.parametrize("model", ["gpt", "gem"])
async def test_claude_code_shaped_request(app: Gateway, upstream: DialectUpstreams, model: str) -> None:
    """What Claude Code sends (``?beta=true``, betas, cached system blocks, ``$schema`` in tool schemas, a user id,
    thinking, a history with signed thinking and tool results), against a target of another dialect."""
    schema = {**TOOLS[0]["input_schema"], "$schema": "http://json-schema.org/draft-07/schema#"}
    body = {
        "model": model,
        "max_tokens": 32000,
        "temperature": 1,
        "stream": True,
        "metadata": {"user_id": "user_abc_account__session_123"},
        "thinking": {"type": "enabled", "budget_tokens": 31999},
        "system": [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Be helpful.", "cache_control": {"type": "ephemeral"}},
        ],
        "tools": [{**TOOLS[0], "input_schema": schema, "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "weather?", "cache_control": {"type": "ephemeral"}}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "use the tool", "signature": "c2ln"},
                    {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Oslo"}},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny"}]},
        ],
    }
    headers = {
        "x-api-key": ALICE,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "x-app": "cli",
    }
    async with raw(app) as http:
        response = await http.post("/v1/messages?beta=true", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert "event: message_stop" in response.text and "sunny" in response.text
    sent = json.dumps(upstream.bodies[-1])
    assert "cache_control" not in sent  # neither OpenAI nor Gemini reads it


# ---------------------------------------------------------------- passthrough


async def test_anthropic_target_passes_through(app: Gateway, upstream: DialectUpstreams) -> None:
    body = {
        "model": "claude",
        "max_tokens": 64,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": USER,
        "top_k": 5,
        "metadata": {"user_id": "u-1"},
    }
    async with raw(app) as http:
        response = await http.post(
            "/v1/messages",
            json=body,
            headers={"x-api-key": ALICE, "anthropic-version": "2023-06-01", "anthropic-beta": "foo-2025-01-01"},
        )
    assert response.status_code == 200
    request = upstream.requests[-1]
    assert str(request.url) == "http://anthropic.test/v1/messages"
    assert request.headers["x-api-key"] == UPSTREAM_KEY  # the route's key, never the client's
    assert request.headers["anthropic-beta"] == "foo-2025-01-01"
    assert upstream.bodies[-1] == {**body, "model": "claude-sonnet-4-5"}  # nothing lost, only the model id
    assert response.json()["content"] == [{"type": "text", "text": "Hello from Claude."}]
    assert response.headers["request-id"] == "req_up_1"  # Anthropic's id, for its support


async def test_passthrough_stream_is_the_upstream_bytes(app: Gateway) -> None:
    body = {"model": "claude", "max_tokens": 64, "messages": USER, "stream": True}
    async with raw(app) as http:
        response = await http.post("/v1/messages", json=body, headers={"x-api-key": ALICE})
    assert response.status_code == 200 and response.headers["request-id"] == "req_up_1"
    message = {**claude_message({**body, "model": "claude-sonnet-4-5"})}
    assert response.content == b"".join(claude_events(message))


# ---------------------------------------------------------------- count_tokens


async def test_count_tokens(app: Gateway, upstream: DialectUpstreams) -> None:
    sdk = client(app)
    short = await sdk.messages.count_tokens(model="gpt", messages=USER)
    longer = await sdk.messages.count_tokens(model="gpt", messages=USER, system="You are a weather bot. " * 20)
    with_tools = await sdk.messages.count_tokens(model="gpt", messages=USER, tools=TOOLS)
    assert 0 < short.input_tokens < longer.input_tokens
    assert short.input_tokens < with_tools.input_tokens
    calls = len(upstream.requests)
    assert calls == 0  # estimated locally, no upstream call
    native = await sdk.messages.count_tokens(model="claude", messages=USER)
    assert native.input_tokens == 42
    assert upstream.requests[-1].url.path == "/v1/messages/count_tokens"


# ---------------------------------------------------------------- auth and errors


async def test_bearer_auth_works_too(app: Gateway) -> None:
    reply = await client(app, key=None, auth_token=ALICE).messages.create(
        model="mock/echo", max_tokens=10, messages=USER
    )
    assert reply.content


async def test_missing_and_wrong_key(app: Gateway) -> None:
    async with raw(app) as http:
        response = await http.post("/v1/messages", json={"model": "gpt", "max_tokens": 5, "messages": USER})
    assert response.status_code == 401
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.AuthenticationError):
        await client(app, key="sk-wrong").messages.create(model="gpt", max_tokens=5, messages=USER)


async def test_errors_are_the_sdk_classes(app: Gateway) -> None:
    sdk = client(app)
    with pytest.raises(anthropic.NotFoundError) as missing:
        await sdk.messages.create(model="nope", max_tokens=5, messages=USER)
    assert missing.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    with pytest.raises(anthropic.BadRequestError) as bad:
        await sdk.messages.create(model="gpt", max_tokens=5, messages=[{"role": "system", "content": "x"}])  # type: ignore[list-item]
    assert bad.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(anthropic.PermissionDeniedError):
        await client(app, key="sk-bob-000").messages.create(model="gpt", max_tokens=5, messages=USER)
    with pytest.raises(anthropic.InternalServerError) as failed:
        await sdk.messages.create(model="gpt-fail", max_tokens=5, messages=USER)
    assert failed.value.status_code == 502 and "sk-upstream" not in str(failed.value.body)
    with pytest.raises(anthropic.InternalServerError):
        await sdk.messages.create(model="claude-fail", max_tokens=5, messages=USER)


async def test_rate_limit_is_the_sdk_class(app: Gateway) -> None:
    bob = client(app, key="sk-bob-000")
    await bob.messages.create(model="mock/echo", max_tokens=5, messages=USER)
    with pytest.raises(anthropic.RateLimitError) as limited:
        await bob.messages.create(model="mock/echo", max_tokens=5, messages=USER)
    assert limited.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]


async def test_body_limit_is_a_413_in_anthropic_shape(app: Gateway) -> None:
    long = [{"role": "user", "content": "x" * 5000}]
    with pytest.raises(anthropic.APIStatusError) as refused:
        await client(app, key="sk-carol-000").messages.create(model="gpt", max_tokens=5, messages=long)
    assert refused.value.status_code == 413
    assert refused.value.body["error"]["type"] == "request_too_large"  # type: ignore[index]


@pytest.mark.parametrize("model", ["gpt-cut", "claude-cut"])
async def test_error_mid_stream_is_an_error_event(app: Gateway, model: str) -> None:
    with pytest.raises(anthropic.APIStatusError) as failed:
        async with client(app).messages.stream(model=model, max_tokens=50, messages=USER) as stream:
            async for _ in stream:
                pass
    assert failed.value.body["type"] == "error"  # type: ignore[index]
    assert failed.value.body["error"]["type"] == "api_error"  # type: ignore[index]


async def test_gateway_refusals_in_anthropic_shape(app: Gateway) -> None:
    async with raw(app) as http:
        key = {"x-api-key": ALICE}
        missing = await http.post("/v1/messages", json={"model": "gpt", "messages": USER}, headers=key)
        not_json = await http.post("/v1/messages", content=b"{", headers={**key, "content-type": "application/json"})
        deep = await http.post(
            "/v1/messages",
            content=b'{"model": "gpt", "max_tokens": 5, "messages": ' + b"[" * 500 + b"]" * 500 + b"}",
            headers={**key, "content-type": "application/json"},
        )
        many = await http.post(
            "/v1/messages",
            json={"model": "gpt", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}] * 10_001},
            headers=key,
        )
        twice = await http.post(
            "/v1/messages",
            json={"model": "gpt", "max_tokens": 5, "messages": USER},
            headers=[("x-api-key", ALICE), ("x-api-key", ALICE)],
        )
        wrong_method = await http.get("/v1/messages", headers=key)
    for response in (missing, not_json, deep, many, twice, wrong_method):
        assert response.status_code in (400, 405), response.text
        assert response.json()["type"] == "error"
        assert response.json()["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in missing.json()["error"]["message"]


HOSTILE: list[dict[str, Any]] = [
    {"max_tokens": -1},
    {"max_tokens": 10**30},
    {"temperature": 5},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64"}}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": 5}}]}]},
    {"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "x", "name": "n", "input": None}]}]},
    {"messages": [{"role": "user", "content": []}]},
    {"system": [{"type": "image", "source": {"type": "url", "url": "http://x.test"}}]},
    {"tools": [{"name": "w", "input_schema": {"type": "object", "properties": {"a": {"$ref": "#/x"}}}}]},
    {"tool_choice": {"type": "tool"}},
    {"thinking": {"type": "enabled", "budget_tokens": -5}},
    {"thinking": {"type": "adaptive"}, "output_config": {"effort": 5}},
    {"metadata": {"user_id": 5}},
    {"stop_sequences": "x"},
    {"model": 5},
]


@pytest.mark.parametrize("model", ["gpt", "gem", "mock/echo"])
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
async def test_hostile_bodies_are_client_errors(app: Gateway, model: str, path: str) -> None:
    async with raw(app) as http:
        for extra in HOSTILE:
            for stream in (False, True):
                body = {"model": model, "max_tokens": 5, "messages": USER, **extra, "stream": stream}
                response = await http.post(path, json=body, headers={"x-api-key": ALICE})
                assert response.status_code < 500, (extra, response.text)
                if response.status_code >= 400:
                    assert response.json()["type"] == "error", (extra, response.text)
