"""``/v1/messages`` through the real ``anthropic`` SDK, in-process over ``httpx.ASGITransport``: an OpenAI, a Gemini
and an Anthropic target (fake upstreams, the last one passed through natively) and the offline mock."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest
from gateway_helpers import ALICE, UPSTREAM_KEY
from messages_fakes import DialectUpstreams, claude_events, claude_message
from messages_helpers import GREETING, TARGETS, TOOLS, USER, client, messages_app, raw

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio


@pytest.fixture
def upstream() -> DialectUpstreams:
    return DialectUpstreams()


@pytest.fixture
def app(upstream: DialectUpstreams) -> Gateway:
    return messages_app(upstream)


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
    datas = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert datas[0]["message"]["usage"]["input_tokens"] > 0  # an estimate at the start (Claude Code shows it)
    assert datas[-2]["usage"]["input_tokens"] == {"gpt": 11, "gem": 9}[model]  # the target's count at the end
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
    if model == "gpt":
        assert upstream.bodies[-1]["user"] == "user_abc_account__session_123"
        assert upstream.bodies[-1]["reasoning_effort"] == "high"


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
