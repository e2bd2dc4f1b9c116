"""The stream translator: native events in, OpenAI chunks out; accumulated stream == non-streamed parse."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic_helpers import make_ctx, parse, sdk_accumulate, sse, stream_events, stream_result

from modelmux import ChatCompletion, stream_chunk_builder
from modelmux.errors import RateLimitError, ServiceUnavailableError, UpstreamError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME


def start(**usage: int) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_s1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": 1, "cache_read_input_tokens": 0, **usage},
        },
    }


def block(index: int, content_block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": content_block}


def delta(index: int, **d: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def end(stop_reason: str, output_tokens: int = 30, **usage: Any) -> list[dict[str, Any]]:
    return [
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens, **usage},
        },
        {"type": "message_stop"},
    ]


PING = {"type": "ping"}

TEXT = [
    start(),
    block(0, {"type": "text", "text": ""}),
    PING,
    delta(0, type="text_delta", text="Hel"),
    delta(0, type="text_delta", text="lo"),
    delta(0, type="citations_delta", citation={"type": "char_location", "cited_text": "x"}),
    stop(0),
    *end("end_turn"),
]

TOOLS = [
    start(),
    block(0, {"type": "text", "text": ""}),
    delta(0, type="text_delta", text="Checking."),
    stop(0),
    block(1, {"type": "tool_use", "id": "toolu_A", "name": "weather", "input": {}}),
    delta(1, type="input_json_delta", partial_json=""),
    delta(1, type="input_json_delta", partial_json='{"city": '),
    delta(1, type="input_json_delta", partial_json='"Paris"}'),
    stop(1),
    block(2, {"type": "tool_use", "id": "toolu_B", "name": "now", "input": {}}),
    delta(2, type="input_json_delta", partial_json=""),
    stop(2),
    *end("tool_use"),
]

THINKING = [
    start(),
    block(0, {"type": "thinking", "thinking": "", "signature": ""}),
    delta(0, type="thinking_delta", thinking="Let me "),
    delta(0, type="thinking_delta", thinking="think."),
    delta(0, type="signature_delta", signature="sig-1"),
    stop(0),
    block(1, {"type": "redacted_thinking", "data": "opaque=="}),
    stop(1),
    block(2, {"type": "text", "text": ""}),
    delta(2, type="text_delta", text="Done."),
    stop(2),
    *end("end_turn", output_tokens_details={"thinking_tokens": 12}),
]

SERVER_TOOLS = [
    start(),
    block(0, {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}),
    delta(0, type="input_json_delta", partial_json='{"query": "x"}'),
    stop(0),
    block(1, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}),
    stop(1),
    block(2, {"type": "text", "text": "Result: "}),
    delta(2, type="text_delta", text="42"),
    stop(2),
    *end("pause_turn"),
]

JSON_TOOL = [
    start(),
    block(0, {"type": "tool_use", "id": "toolu_J", "name": JSON_TOOL_NAME, "input": {}}),
    delta(0, type="input_json_delta", partial_json='{"name": '),
    delta(0, type="input_json_delta", partial_json='"Ada"}'),
    stop(0),
    *end("tool_use"),
]

STREAMS = {"text": TEXT, "tools": TOOLS, "thinking": THINKING, "server_tools": SERVER_TOOLS, "json_tool": JSON_TOOL}


def comparable(result: ChatCompletion) -> dict[str, Any]:
    data = result.model_dump()
    data.pop("created")
    return data


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_accumulated_stream_equals_non_streamed_parse(name: str) -> None:
    body = sse(STREAMS[name])
    streamed = stream_result(body)
    assert comparable(streamed) == comparable(parse(sdk_accumulate(body)))


@pytest.mark.parametrize("piece", [1, 7, 64])
def test_any_read_size_gives_the_same_answer(piece: int) -> None:
    for events in STREAMS.values():
        body = sse(events)
        whole = stream_chunk_builder(stream_events(body))
        assert comparable(stream_chunk_builder(stream_events(body, piece=piece))) == comparable(whole)


def test_text_stream_chunk_shapes() -> None:
    chunks = stream_events(sse(TEXT))
    deltas = [c.choices[0].delta.model_dump(exclude_none=True) if c.choices else None for c in chunks]
    # The document citation has no URL: no annotation, but content_blocks keeps it (just before the finish).
    kept = {"content_blocks": [{"type": "text", "text": "Hello", "citations": [TEXT[5]["delta"]["citation"]]}]}
    assert deltas == [{"role": "assistant", "content": ""}, {"content": "Hel"}, {"content": "lo"}, kept, {}, None]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-2].choices[0].native_finish_reason == "end_turn"  # type: ignore[attr-defined]
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 20
    assert chunks[-1].usage.completion_tokens == 30
    assert {c.id for c in chunks} == {"msg_s1"} and {c.model for c in chunks} == {"claude-sonnet-4-5-20250929"}
    assert all(c.choices[0].delta.role is None for c in chunks[1:-1])
    assert sum(1 for c in chunks if c.choices and c.choices[0].finish_reason) == 1


def test_usage_chunk_only_with_include_usage() -> None:
    chunks = stream_events(sse(TEXT), make_ctx(stream=True, include_usage=False))
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_tool_call_deltas() -> None:
    chunks = stream_events(sse(TOOLS))
    calls = [
        tc.model_dump(exclude_none=True) for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []
    ]
    assert calls == [
        {"index": 0, "id": "toolu_A", "type": "function", "function": {"name": "weather", "arguments": ""}},
        {"index": 0, "function": {"arguments": '{"city": '}},
        {"index": 0, "function": {"arguments": '"Paris"}'}},
        {"index": 1, "id": "toolu_B", "type": "function", "function": {"name": "now", "arguments": ""}},
        {"index": 1, "function": {"arguments": "{}"}},
    ]
    result = stream_chunk_builder(chunks)
    assert result.choices[0].finish_reason == "tool_calls"
    assert result.choices[0].message.content == "Checking."


def test_thinking_stream() -> None:
    result = stream_result(sse(THINKING))
    msg = result.choices[0].message
    assert msg.reasoning_content == "Let me think."
    assert msg.thinking_blocks == [  # type: ignore[attr-defined]
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig-1"},
        {"type": "redacted_thinking", "data": "opaque=="},
    ]
    assert result.usage is not None and result.usage.completion_tokens_details is not None
    assert result.usage.completion_tokens_details.reasoning_tokens == 12


def test_json_tool_streams_as_content() -> None:
    result = stream_result(sse(JSON_TOOL))
    assert result.choices[0].message.content == '{"name": "Ada"}'
    assert result.choices[0].message.tool_calls is None
    assert result.choices[0].finish_reason == "stop"


def test_server_tool_input_is_not_a_tool_call() -> None:
    result = stream_result(sse(SERVER_TOOLS))
    assert result.choices[0].message.tool_calls is None
    assert result.choices[0].message.content == "Result: 42"
    assert result.choices[0].native_finish_reason == "pause_turn"  # type: ignore[attr-defined]


def test_message_delta_usage_updates_input_counts() -> None:
    events = [*TEXT[:-2], *end("end_turn", input_tokens=25, cache_read_input_tokens=100)]
    result = stream_result(sse(events))
    assert result.usage is not None and result.usage.prompt_tokens == 125


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        ({"type": "overloaded_error", "message": "Overloaded"}, ServiceUnavailableError, 529),
        ({"type": "rate_limit_error", "message": "slow down"}, RateLimitError, 429),
    ],
)
def test_error_event_raises_mapped_error(error: dict[str, Any], cls: type[Exception], status: int) -> None:
    translator = provider.chat_stream_translator(make_ctx(stream=True))
    translator.feed("message_start", json.dumps(start()))
    with pytest.raises(cls) as info:
        translator.feed("error", json.dumps({"type": "error", "error": error}))
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert info.value.message == error["message"]  # type: ignore[attr-defined]


def test_truncated_or_empty_stream_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="ended before"):
        stream_events(sse(TEXT[:5]))
    with pytest.raises(UpstreamError):
        provider.chat_stream_translator(make_ctx(stream=True)).finish()


def test_message_stop_without_message_delta_still_finishes() -> None:
    chunks = stream_events(sse([*TEXT[:-2], {"type": "message_stop"}]))
    assert stream_chunk_builder(chunks).choices[0].finish_reason == "stop"


def test_missing_message_stop_after_message_delta_is_an_upstream_error() -> None:
    # Corrected (issue 7): message_stop is Anthropic's terminal event; without it the stream was cut.
    with pytest.raises(UpstreamError, match="no message_stop"):
        stream_events(sse(TEXT[:-1]))


def test_unknown_events_and_blank_data_are_ignored() -> None:
    translator = provider.chat_stream_translator(make_ctx(stream=True))
    assert translator.feed("message_start", json.dumps(start()))[0].choices[0].delta.role == "assistant"
    assert translator.feed("future_event", json.dumps({"type": "future_event", "x": 1})) == []
    assert translator.feed("", "  ") == []
    assert translator.feed("", json.dumps(delta(9, type="text_delta", text="orphan"))) == []
