"""The ``anthropic`` SDK (sync, on a socket) against the gateway's ``/v1/messages``, reaching an OpenAI, a Gemini and
an Anthropic target: text, a tool loop and thinking, whole and streamed (fake dialect upstreams); then recorded
answers of each dialect replayed as the upstream; then the agent-capable mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from gateway_server import KEY, RunningGateway, config, http_client, serve
from messages_fakes import DialectUpstreams

UP = {"api_key_env": "UPSTREAM_KEY", "timeout": 5}
TARGETS = {
    "gpt": {"model": "openai/gpt-test", "api_base": "http://openai.test/v1", **UP},
    "gem": {"model": "gemini/gemini-2.5-flash", "api_base": "http://gemini.test", **UP},
    "claude": {"model": "anthropic/claude-sonnet-4-5", "api_base": "http://anthropic.test", **UP},
}
GREETING = {"gpt": "Hello from OpenAI.", "gem": "Hello from Gemini.", "claude": "Hello from Claude."}
THOUGHT = {"gpt": "Let me think.", "gem": "Pondering.", "claude": "Hmm."}
THINK: Any = {"type": "enabled", "budget_tokens": 2048}
TOOLS: Any = [
    {
        "name": "get_weather",
        "description": "The weather in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
USER: Any = [{"role": "user", "content": "What is the weather in Oslo?"}]


@pytest.fixture(scope="module")
def dialects() -> Iterator[RunningGateway]:
    with serve(config(TARGETS), transport=DialectUpstreams()) as running:
        yield running


_CLIENTS: dict[str, anthropic.Anthropic] = {}


def sdk(gateway: RunningGateway) -> anthropic.Anthropic:
    """One client per gateway (building an SDK client costs more than a request)."""
    if gateway.url not in _CLIENTS:
        _CLIENTS[gateway.url] = anthropic.Anthropic(
            base_url=gateway.url, api_key=KEY, max_retries=0, http_client=http_client()
        )
    return _CLIENTS[gateway.url]


@pytest.mark.parametrize("model", list(TARGETS))
def test_create_and_stream_text(dialects: RunningGateway, model: str) -> None:
    reply = sdk(dialects).messages.create(model=model, max_tokens=100, messages=USER)
    assert [b.type for b in reply.content] == ["text"] and reply.stop_reason == "end_turn"
    assert reply.content[0].text == GREETING[model]  # type: ignore[union-attr]
    with sdk(dialects).messages.stream(model=model, max_tokens=100, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == GREETING[model] and final.stop_reason == "end_turn" and final.usage.output_tokens > 0


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
@pytest.mark.parametrize("model", list(TARGETS))
def test_tool_loop(dialects: RunningGateway, model: str, streamed: bool) -> None:
    client = sdk(dialects)

    def ask(messages: Any) -> anthropic.types.Message:
        if not streamed:
            return client.messages.create(model=model, max_tokens=200, messages=messages, tools=TOOLS)
        with client.messages.stream(model=model, max_tokens=200, messages=messages, tools=TOOLS) as stream:
            return stream.get_final_message()

    first = ask(USER)
    assert first.stop_reason == "tool_use"
    use = next(b for b in first.content if b.type == "tool_use")
    assert use.name == "get_weather" and use.input == {"city": "Oslo"}
    history = [
        *USER,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "12 degrees"}]},
    ]
    second = ask(history)
    assert second.stop_reason == "end_turn"
    assert "12 degrees" in second.content[-1].text  # type: ignore[union-attr]


@pytest.mark.parametrize("model", list(TARGETS))
def test_thinking_create_and_stream(dialects: RunningGateway, model: str) -> None:
    reply = sdk(dialects).messages.create(model=model, max_tokens=4096, messages=USER, thinking=THINK)
    assert [b.type for b in reply.content] == ["thinking", "text"]
    assert reply.content[0].thinking == THOUGHT[model]  # type: ignore[union-attr]
    kinds: list[str] = []
    with sdk(dialects).messages.stream(model=model, max_tokens=4096, messages=USER, thinking=THINK) as stream:
        for event in stream:
            if event.type == "content_block_delta":
                kinds.append(event.delta.type)
        final = stream.get_final_message()
    assert kinds.index("thinking_delta") < kinds.index("text_delta")
    assert final.content[0].thinking == THOUGHT[model]  # type: ignore[union-attr]
    assert final.content[1].text == GREETING[model]  # type: ignore[union-attr]


# ---------------------------------------------------------------- the agent-capable mock


def test_mock_agent_tool_loop(gateway: RunningGateway) -> None:
    client = sdk(gateway)
    first = client.messages.create(model="mock/agent", max_tokens=200, messages=USER, tools=TOOLS)
    use = next(b for b in first.content if b.type == "tool_use")
    assert first.stop_reason == "tool_use" and use.name == "get_weather" and isinstance(use.input["city"], str)  # type: ignore[index]
    history = [
        *USER,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "12 degrees"}]},
    ]
    with client.messages.stream(model="mock/agent", max_tokens=200, messages=history, tools=TOOLS) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "end_turn" and "12 degrees" in final.content[-1].text  # type: ignore[union-attr]
