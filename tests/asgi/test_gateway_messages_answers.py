"""The inbound Anthropic dialect's answer side, pure: ChatCompletion (and its chunks) → Anthropic's message and
events, gateway errors → Anthropic's shape, passthrough bytes cut at event boundaries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelmux.asgi.anthropic_api.convert_response import STOP_REASONS, convert_message, convert_usage
from modelmux.asgi.anthropic_api.convert_stream import StreamTranslator
from modelmux.asgi.anthropic_api.errors import anthropic_error, error_event
from modelmux.asgi.anthropic_api.passthrough import whole_events
from modelmux.asgi.errors import HTTPError
from modelmux.errors import UpstreamError
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME
from modelmux.types import ChatCompletion, ChatCompletionChunk, Usage

# ---------------------------------------------------------------- answers


def _completion(message: dict[str, Any], finish: str, usage: dict[str, Any] | None = None) -> ChatCompletion:
    return ChatCompletion.model_validate({"choices": [{"message": message, "finish_reason": finish}], "usage": usage})


def test_stop_reasons_are_the_outbound_table_inverted() -> None:
    assert STOP_REASONS == {
        "stop": "end_turn",
        "length": "max_tokens",
        "tool_calls": "tool_use",
        "content_filter": "refusal",
        "function_call": "tool_use",
    }


def test_message_with_thinking_text_and_tools() -> None:
    message = {
        "role": "assistant",
        "content": "Sure.",
        "reasoning_content": "thought",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": '{"a": 1}'}}],
    }
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 5,
        "cache_read_input_tokens": 60,
        "cache_creation_input_tokens": 10,
    }
    answer = convert_message(_completion(message, "tool_calls", usage), "public")
    assert answer["model"] == "public" and answer["type"] == "message" and answer["id"].startswith("msg_")
    assert answer["content"] == [
        {"type": "thinking", "thinking": "thought", "signature": ""},
        {"type": "text", "text": "Sure."},
        {"type": "tool_use", "id": "c1", "name": "w", "input": {"a": 1}},
    ]
    assert answer["stop_reason"] == "tool_use"
    assert answer["usage"] == {
        "input_tokens": 30,
        "output_tokens": 5,
        "cache_creation_input_tokens": 10,
        "cache_read_input_tokens": 60,
    }


def test_signed_thinking_blocks_are_kept() -> None:
    blocks = [{"type": "thinking", "thinking": "t", "signature": "sig"}, {"type": "redacted_thinking", "data": "d"}]
    answer = convert_message(_completion({"content": "x", "thinking_blocks": blocks}, "length"), "m")
    assert answer["content"][:2] == blocks
    assert answer["stop_reason"] == "max_tokens"


@pytest.mark.parametrize(
    ("native", "expected"), [("stop_sequence", "stop_sequence"), ("pause_turn", "pause_turn"), ("STOP", "end_turn")]
)
def test_claude_native_stop_reason_is_kept(native: str, expected: str) -> None:
    completion = ChatCompletion.model_validate(
        {"choices": [{"message": {"content": "x"}, "finish_reason": "stop", "native_finish_reason": native}]}
    )
    assert convert_message(completion, "m")["stop_reason"] == expected
    t = StreamTranslator("m")
    chunk = ChatCompletionChunk.model_validate(
        {"choices": [{"delta": {"content": "x"}, "finish_reason": "stop", "native_finish_reason": native}]}
    )
    events = _events(t.feed(chunk) + t.finish())
    assert events[-2][1]["delta"]["stop_reason"] == expected


def test_claude_native_blocks_are_the_content() -> None:
    blocks = [
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "q"}},
        {"type": "web_search_tool_result", "tool_use_id": "s1", "content": []},
        {"type": "text", "text": "Found.", "citations": [{"type": "web_search_result_location", "url": "u"}]},
    ]
    message = {"content": "Found.", "content_blocks": blocks}
    assert convert_message(_completion(message, "stop"), "m")["content"] == blocks
    hidden = {
        "content": '{"a": 1}',
        "content_blocks": [{"type": "tool_use", "id": "j", "name": JSON_TOOL_NAME, "input": {"a": 1}}],
    }
    assert convert_message(_completion(hidden, "stop"), "m")["content"] == [{"type": "text", "text": '{"a": 1}'}]


def test_a_tool_call_finished_with_stop_is_a_tool_use() -> None:
    message = {"tool_calls": [{"id": "c", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}
    assert convert_message(_completion(message, "stop"), "m")["stop_reason"] == "tool_use"


def test_broken_tool_arguments_are_an_upstream_error() -> None:
    message = {"tool_calls": [{"id": "c", "type": "function", "function": {"name": "w", "arguments": "[1"}}]}
    with pytest.raises(UpstreamError):
        convert_message(_completion(message, "tool_calls"), "m")


def test_usage_from_cached_tokens_details() -> None:
    usage = Usage.model_validate(
        {"prompt_tokens": 50, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 20}}
    )
    assert convert_usage(usage) == {
        "input_tokens": 30,
        "output_tokens": 2,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 20,
    }


# ---------------------------------------------------------------- stream


def _events(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for frame in data.decode().strip().split("\n\n"):
        name_line, data_line = frame.split("\n")
        out.append((name_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))))
    return out


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate({"choices": [{"delta": delta, "finish_reason": finish}], **extra})


def test_stream_blocks_and_indices() -> None:
    t = StreamTranslator("public")
    out = t.start()
    for chunk in [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"reasoning_content": "a"}),
        _chunk(
            {"reasoning_content": "b", "thinking_blocks": [{"type": "thinking", "thinking": "ab", "signature": "S"}]}
        ),
        _chunk({"content": "Hi"}),
        _chunk({"tool_calls": [{"index": 0, "id": "c0", "function": {"name": "f", "arguments": '{"x"'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
        _chunk({"tool_calls": [{"index": 1, "id": "c1", "function": {"name": "g", "arguments": ""}}]}),
        _chunk({}, "tool_calls"),
        ChatCompletionChunk.model_validate({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}),
    ]:
        out += t.feed(chunk)
    out += t.finish()
    events = _events(out)
    names = [name for name, _ in events]
    assert names[:2] == ["message_start", "ping"]
    assert events[0][1]["message"]["model"] == "public"
    starts = [(d["index"], d["content_block"]["type"]) for n, d in events if n == "content_block_start"]
    assert starts == [(0, "thinking"), (1, "text"), (2, "tool_use"), (3, "tool_use")]
    stops = [d["index"] for n, d in events if n == "content_block_stop"]
    assert stops == [0, 1, 2, 3]
    deltas = [(d["index"], d["delta"]) for n, d in events if n == "content_block_delta"]
    assert deltas == [
        (0, {"type": "thinking_delta", "thinking": "a"}),
        (0, {"type": "thinking_delta", "thinking": "b"}),
        (0, {"type": "signature_delta", "signature": "S"}),
        (1, {"type": "text_delta", "text": "Hi"}),
        (2, {"type": "input_json_delta", "partial_json": '{"x"'}),
        (2, {"type": "input_json_delta", "partial_json": ": 1}"}),
    ]
    assert events[-2] == (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"input_tokens": 9, "output_tokens": 4},
        },
    )
    assert events[-1] == ("message_stop", {"type": "message_stop"})
    # every block opens before its deltas and closes before the next one opens
    open_index = None
    for name, data in events:
        if name == "content_block_start":
            assert open_index is None
            open_index = data["index"]
        elif name == "content_block_delta":
            assert data["index"] == open_index
        elif name == "content_block_stop":
            assert data["index"] == open_index
            open_index = None


def test_redacted_thinking_in_a_stream() -> None:
    t = StreamTranslator("m")
    out = t.feed(_chunk({"thinking_blocks": [{"type": "redacted_thinking", "data": "zz"}]})) + t.feed(
        _chunk({"content": "ok"}, "stop")
    )
    events = _events(out + t.finish())
    assert events[0] == (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "redacted_thinking", "data": "zz"}},
    )
    assert events[1] == ("content_block_stop", {"type": "content_block_stop", "index": 0})
    assert events[2][1]["content_block"] == {"type": "text", "text": ""} and events[2][1]["index"] == 1


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (HTTPError(400, "bad"), 400, "invalid_request_error"),
        (HTTPError(400, "no model", code="model_not_found"), 404, "not_found_error"),
        (HTTPError(401, "key"), 401, "authentication_error"),
        (HTTPError(403, "no"), 403, "permission_error"),
        (HTTPError(413, "big"), 413, "request_too_large"),
        (HTTPError(429, "slow down"), 429, "rate_limit_error"),
        (HTTPError(500, "oops"), 500, "api_error"),
        (HTTPError(502, "upstream"), 502, "api_error"),
        (HTTPError(503, "store down"), 503, "overloaded_error"),
    ],
)
def test_error_shape(error: HTTPError, status: int, kind: str) -> None:
    response = anthropic_error(error)
    assert response.status == status
    assert json.loads(response.body) == {"type": "error", "error": {"type": kind, "message": error.message}}
    assert error_event(error) == b"event: error\ndata: " + response.body + b"\n\n"


@pytest.mark.anyio
async def test_passthrough_bytes_are_cut_at_event_boundaries() -> None:
    async def source() -> Any:
        for part in [b"event: a\ndata: 1\n\nevent: b\nda", b"ta: 2", b"\n\nevent: c\n", b"data: 3\n\n", b"tail"]:
            yield part

    out = [part async for part in whole_events(source())]
    assert out == [b"event: a\ndata: 1\n\n", b"event: b\ndata: 2\n\n", b"event: c\ndata: 3\n\n", b"tail"]


def test_a_new_tool_call_id_at_the_same_index_is_a_new_block() -> None:
    t = StreamTranslator("m")
    out = t.feed(_chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}))
    out += t.feed(_chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"arguments": ""}}]}))  # repeated id
    out += t.feed(_chunk({"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}}]}))
    events = _events(out + t.feed(_chunk({}, "tool_calls")) + t.finish())
    starts = [(d["index"], d["content_block"]["id"]) for n, d in events if n == "content_block_start"]
    assert starts == [(0, "a"), (1, "b")]
