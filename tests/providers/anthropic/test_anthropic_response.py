"""Non-streamed answers: native Message in, OpenAI ChatCompletion out (validated by openai's own types)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic_helpers import make_ctx, parse

from modelmux.errors import ServiceUnavailableError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME
from modelmux.providers.anthropic.map_stop_reason import map_stop_reason

USAGE = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def message(*content: dict[str, Any], stop_reason: str | None = "end_turn", **extra: Any) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": list(content),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": USAGE,
        **extra,
    }


def test_text_blocks_are_joined() -> None:
    result = parse(message({"type": "text", "text": "Hello"}, {"type": "text", "text": ", world", "citations": []}))
    assert result.id == "msg_01"
    assert result.model == "claude-sonnet-4-5-20250929"
    choice = result.choices[0]
    assert choice.message.content == "Hello, world"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert choice.native_finish_reason == "end_turn"  # type: ignore[attr-defined]


def test_tool_use_blocks_become_tool_calls_with_ids_kept() -> None:
    result = parse(
        message(
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_01A", "name": "weather", "input": {"city": "Paris", "days": [1, 2]}},
            {"type": "tool_use", "id": "toolu_01B", "name": "now", "input": {}},
            stop_reason="tool_use",
        )
    )
    msg = result.choices[0].message
    assert msg.content == "Let me check."
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls or []] == [
        ("toolu_01A", "weather", {"city": "Paris", "days": [1, 2]}),
        ("toolu_01B", "now", {}),
    ]
    assert result.choices[0].finish_reason == "tool_calls"


def test_only_tool_calls_means_content_none() -> None:
    result = parse(message({"type": "tool_use", "id": "t", "name": "f", "input": {"a": "é"}}, stop_reason="tool_use"))
    msg = result.choices[0].message
    assert msg.content is None
    assert msg.tool_calls is not None and msg.tool_calls[0].function.arguments == '{"a": "é"}'


def test_thinking_and_redacted_thinking() -> None:
    result = parse(
        message(
            {"type": "thinking", "thinking": "First, ", "signature": "sig1"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "thinking", "thinking": "then.", "signature": "sig2"},
            {"type": "text", "text": "Answer"},
        )
    )
    msg = result.choices[0].message
    assert msg.content == "Answer"
    assert msg.reasoning_content == "First, then."
    assert msg.thinking_blocks == [  # type: ignore[attr-defined]
        {"type": "thinking", "thinking": "First, ", "signature": "sig1"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "thinking", "thinking": "then.", "signature": "sig2"},
    ]


def test_no_thinking_means_no_extra_fields() -> None:
    dumped = parse(message({"type": "text", "text": "x"})).model_dump()["choices"][0]["message"]
    assert "thinking_blocks" not in dumped and dumped["reasoning_content"] is None


def test_json_tool_becomes_content_and_is_hidden() -> None:
    result = parse(
        message(
            {"type": "tool_use", "id": "toolu_x", "name": JSON_TOOL_NAME, "input": {"name": "Ada"}},
            stop_reason="tool_use",
        )
    )
    choice = result.choices[0]
    assert choice.message.content == '{"name": "Ada"}'
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert choice.native_finish_reason == "tool_use"  # type: ignore[attr-defined]


def test_json_tool_next_to_real_tool_calls() -> None:
    result = parse(
        message(
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Rome"}},
            {"type": "tool_use", "id": "toolu_2", "name": JSON_TOOL_NAME, "input": {"ok": True}},
            stop_reason="tool_use",
        )
    )
    choice = result.choices[0]
    assert choice.message.content == '{"ok": true}'
    assert [c.id for c in choice.message.tool_calls or []] == ["toolu_1"]
    assert choice.finish_reason == "tool_calls"


def test_server_tool_blocks_are_ignored() -> None:
    result = parse(
        message(
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}},
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": [{"type": "web_search_result", "url": "u", "title": "t", "encrypted_content": "e"}],
            },
            {"type": "text", "text": "Found it."},
            {"type": "some_future_block", "payload": 1},
            stop_reason="pause_turn",
        )
    )
    choice = result.choices[0]
    assert choice.message.content == "Found it."
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"


@pytest.mark.parametrize(
    ("native", "has_calls", "finish"),
    [
        ("end_turn", False, "stop"),
        ("stop_sequence", False, "stop"),
        ("max_tokens", False, "length"),
        ("tool_use", True, "tool_calls"),
        ("tool_use", False, "stop"),
        ("pause_turn", False, "stop"),
        ("refusal", False, "content_filter"),
        ("model_context_window_exceeded", False, "length"),
        ("something_new", False, "stop"),
        (None, False, "stop"),
    ],
)
def test_stop_reason_table(native: str | None, has_calls: bool, finish: str) -> None:
    assert map_stop_reason(native, has_calls) == finish


def test_refusal_and_empty_content() -> None:
    result = parse(message(stop_reason="refusal"))
    assert result.choices[0].finish_reason == "content_filter"
    assert result.choices[0].message.content is None


def test_usage_counts_cache_reads_and_writes_in_the_prompt() -> None:
    usage = {
        "input_tokens": 12,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 1000,
        "output_tokens": 50,
        "output_tokens_details": {"thinking_tokens": 30},
    }
    result = parse(message({"type": "text", "text": "x"}, usage=usage))
    assert result.usage is not None
    assert result.usage.prompt_tokens == 1112
    assert result.usage.completion_tokens == 50
    assert result.usage.total_tokens == 1162
    assert result.usage.prompt_tokens_details is not None and result.usage.prompt_tokens_details.cached_tokens == 1000
    assert result.usage.completion_tokens_details is not None
    assert result.usage.completion_tokens_details.reasoning_tokens == 30
    assert result.usage.cache_creation_input_tokens == 100  # type: ignore[attr-defined]


def test_missing_model_falls_back_to_the_requested_one() -> None:
    data = message({"type": "text", "text": "x"})
    del data["model"]
    assert parse(data, make_ctx("claude-haiku-4-5")).model == "claude-haiku-4-5"


def test_error_body_with_200_is_raised_and_garbage_is_a_value_error() -> None:
    body = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}).encode()
    with pytest.raises(ServiceUnavailableError, match="Overloaded"):
        provider.parse_chat_response(body, make_ctx())
    with pytest.raises((ValueError, KeyError, TypeError)):
        provider.parse_chat_response(b"[1, 2]", make_ctx())
    with pytest.raises((ValueError, KeyError, TypeError)):
        provider.parse_chat_response(b'{"id": "x"}', make_ctx())
