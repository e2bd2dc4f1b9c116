from __future__ import annotations

import asyncio
import json

import openai.types.chat as oa
import pytest

import modelmux

MSG = [{"role": "user", "content": "hello out there"}]


def test_mock_model_needs_no_key_and_is_openai_shaped(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    out = modelmux.completion("mock/anything", MSG)
    oa.ChatCompletion.model_validate(out.model_dump())
    assert out.choices[0].message.content and out.choices[0].finish_reason == "stop"
    assert out.usage is not None and out.usage.total_tokens > 0


def test_echo_and_word_by_word_stream() -> None:
    chunks = list(modelmux.completion("mock/echo", MSG, stream=True, stream_options={"include_usage": True}))
    words = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert words == ["hello ", "out ", "there"]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "hello out there"


def test_mock_response_on_any_model_skips_the_network_and_key() -> None:
    out = modelmux.completion("anthropic/claude-sonnet-4-20250514", MSG, mock_response="canned")
    assert out.choices[0].message.content == "canned"


def test_mock_tool_calls_stream_and_not() -> None:
    calls = [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    out = modelmux.completion("mock/x", MSG, mock_tool_calls=calls)
    tc = out.choices[0].message.tool_calls
    assert tc and tc[0].function.name == "get_weather" and json.loads(tc[0].function.arguments) == {"city": "Paris"}
    assert out.choices[0].finish_reason == "tool_calls"
    streamed = modelmux.stream_chunk_builder(
        list(modelmux.completion("mock/x", MSG, mock_tool_calls=calls, stream=True))
    )
    assert streamed.choices[0].message.tool_calls == tc


def test_forced_tool_choice_gets_a_schema_shaped_call() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "f",
                "parameters": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}},
                },
            },
        }
    ]
    out = modelmux.completion("mock/x", MSG, tools=tools, tool_choice="required")
    call = out.choices[0].message.tool_calls[0]  # type: ignore[index]
    args = json.loads(call.function.arguments)  # was a fixed {"n": 1, "tags": ["mock"]}; now varied by seed
    assert args and set(args) <= {"n", "tags"}
    assert isinstance(args.get("n", 0), int) and all(isinstance(t, str) for t in args.get("tags", []))


def test_json_schema_mode_answers_json() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}},
    }
    out = modelmux.completion("mock/x", MSG, response_format=fmt)
    assert isinstance(json.loads(out.choices[0].message.content or "")["ok"], bool)  # was pinned to True


def test_mock_errors() -> None:
    with pytest.raises(modelmux.RateLimitError):
        modelmux.completion("mock/error-429", MSG)
    with pytest.raises(modelmux.ContextWindowExceededError):
        modelmux.completion("gpt-4o", MSG, mock_response=modelmux.ContextWindowExceededError("too long"))


def test_async_mock_stream() -> None:
    async def run() -> str:
        stream = await modelmux.acompletion("mock/echo", MSG, stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in stream])

    assert asyncio.run(run()) == "hello out there"
