"""The inbound Anthropic dialect's pure translations: Messages request → OpenAI call, ChatCompletion (and its
chunks) → Anthropic message and events, gateway errors → Anthropic's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelmux.asgi.anthropic_api.check_request import check_messages_request
from modelmux.asgi.anthropic_api.convert_request import Target, convert_request
from modelmux.asgi.anthropic_api.convert_response import STOP_REASONS, convert_message, convert_usage
from modelmux.asgi.anthropic_api.convert_stream import StreamTranslator
from modelmux.asgi.anthropic_api.errors import anthropic_error, error_event
from modelmux.asgi.anthropic_api.passthrough import whole_events
from modelmux.asgi.errors import HTTPError
from modelmux.errors import UpstreamError
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME
from modelmux.types import ChatCompletion, ChatCompletionChunk, Usage

OPENAI = Target("openai", frozenset({"user", "tools", "temperature"}))
BEDROCK = Target("bedrock", frozenset())
PNG = "iVBORw0KGgo="
EPHEMERAL = {"type": "ephemeral"}


def _convert(target: Target = OPENAI, **body: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    full = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], **body}
    check_messages_request(full)
    return convert_request(full, target)


def test_system_string_and_blocks() -> None:
    messages, params = _convert(system="Be brief.")
    assert messages[0] == {"role": "system", "content": [{"type": "text", "text": "Be brief."}]}
    assert params == {"max_tokens": 10}
    blocks = [{"type": "text", "text": "A"}, {"type": "text", "text": "B", "cache_control": EPHEMERAL}]
    kept, _ = _convert(BEDROCK, system=blocks)
    dropped, _ = _convert(OPENAI, system=blocks)
    assert kept[0]["content"][1] == {"type": "text", "text": "B", "cache_control": EPHEMERAL}
    assert dropped[0]["content"][1] == {"type": "text", "text": "B"}


def test_tool_result_cache_control_where_the_target_reads_it() -> None:
    result = {"type": "tool_result", "tool_use_id": "t1", "content": "ok", "cache_control": EPHEMERAL}
    history = [{"role": "user", "content": [result]}]
    kept, _ = _convert(BEDROCK, messages=history)
    dropped, _ = _convert(OPENAI, messages=history)
    assert kept == [{"role": "tool", "tool_call_id": "t1", "content": "ok", "cache_control": EPHEMERAL}]
    assert dropped == [{"role": "tool", "tool_call_id": "t1", "content": "ok"}]


def test_user_blocks_become_parts() -> None:
    content = [
        {"type": "text", "text": "Look:"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
            "title": "t",
        },
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain"}},
    ]
    messages, _ = _convert(messages=[{"role": "user", "content": content}])
    assert messages == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "t"}},
                {"type": "text", "text": "plain"},
            ],
        }
    ]


def test_assistant_turn_and_tool_results() -> None:
    history = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "s1"},
                {"type": "redacted_thinking", "data": "xx"},
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "t1", "name": "w", "input": {"city": "Oslo"}},
                {"type": "tool_use", "id": "t2", "name": "w", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "sunny"},
                {
                    "type": "tool_result",
                    "tool_use_id": "t2",
                    "content": [{"type": "text", "text": "no"}],
                    "is_error": True,
                },
                {"type": "text", "text": "thanks"},
            ],
        },
    ]
    messages, _ = _convert(messages=history)
    assistant = messages[1]
    assert assistant["content"] == "Checking."
    assert [c["function"] for c in assistant["tool_calls"]] == [
        {"name": "w", "arguments": '{"city": "Oslo"}'},
        {"name": "w", "arguments": "{}"},
    ]
    assert assistant["thinking_blocks"] == [
        {"type": "thinking", "thinking": "hmm", "signature": "s1"},
        {"type": "redacted_thinking", "data": "xx"},
    ]
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "t2", "content": "Error:\nno"},
        {"role": "user", "content": [{"type": "text", "text": "thanks"}]},
    ]


def test_server_tool_blocks_in_history_go_to_claude_on_vertex() -> None:
    turn = [
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "q"}},
        {"type": "web_search_tool_result", "tool_use_id": "s1", "content": []},
        {"type": "text", "text": "Found."},
    ]
    history = [{"role": "user", "content": "search"}, {"role": "assistant", "content": turn}]
    messages, _ = _convert(Target("vertex", frozenset()), messages=history)
    assert messages[1] == {"role": "assistant", "content": "Found.", "content_blocks": turn}
    with pytest.raises(HTTPError):
        _convert(OPENAI, messages=history)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"type": "auto"}, "auto"),
        ({"type": "any"}, "required"),
        ({"type": "none"}, "none"),
        ({"type": "tool", "name": "w"}, {"type": "function", "function": {"name": "w"}}),
    ],
)
def test_tool_choice(choice: dict[str, Any], expected: Any) -> None:
    tools = [{"name": "w", "description": "d", "input_schema": {"type": "object"}}]
    _, params = _convert(tools=tools, tool_choice={**choice, "disable_parallel_tool_use": True})
    assert params["tool_choice"] == expected
    assert params["tools"] == [
        {"type": "function", "function": {"name": "w", "parameters": {"type": "object"}, "description": "d"}}
    ]
    assert params.get("parallel_tool_calls") is (None if choice["type"] == "none" else False)


def test_server_tools_go_on_unchanged() -> None:
    tool = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    _, params = _convert(tools=[tool])
    assert params["tools"] == [tool]


@pytest.mark.parametrize(
    ("thinking", "effort"),
    [
        ({"type": "enabled", "budget_tokens": 1024}, "low"),
        ({"type": "enabled", "budget_tokens": 3000}, "medium"),
        ({"type": "enabled", "budget_tokens": 31999}, "high"),
        ({"type": "adaptive"}, "medium"),
        ({"type": "disabled"}, None),
    ],
)
def test_thinking_budget_to_effort(thinking: dict[str, Any], effort: str | None) -> None:
    _, params = _convert(thinking=thinking)
    assert params.get("reasoning_effort") == effort


def test_sampling_stop_and_metadata() -> None:
    _, params = _convert(
        temperature=0.5, top_p=0.9, stop_sequences=["END"], metadata={"user_id": "u1"}, service_tier="auto"
    )
    assert params == {"max_tokens": 10, "temperature": 0.5, "top_p": 0.9, "stop": ["END"], "user": "u1"}
    _, quiet = _convert(BEDROCK, metadata={"user_id": "u1"})  # Bedrock has no user field: advisory, dropped
    assert "user" not in quiet


@pytest.mark.parametrize("where", ["output_config", "output_format"])
def test_structured_output(where: str) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    fmt = {"type": "json_schema", "schema": schema}
    _, params = _convert(**({"output_config": {"format": fmt}} if where == "output_config" else {"output_format": fmt}))
    assert params["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }
    with pytest.raises(HTTPError):
        _convert(output_format={"type": "json_schema", "schema": "no"})


def test_top_k() -> None:
    _, params = _convert(Target("gemini", frozenset()), top_k=5)
    assert params["extra_body"] == {"top_k": 5}
    with pytest.raises(HTTPError) as refused:
        _convert(OPENAI, top_k=5)
    assert refused.value.param == "top_k"
    _, dropped = _convert(Target("openai", frozenset(), drop_params=True), top_k=5)
    assert "extra_body" not in dropped


@pytest.mark.parametrize(
    "body",
    [
        {"container": "c1"},
        {"messages": [{"role": "user", "content": [{"type": "tool_use", "id": "x", "name": "n", "input": {}}]}]},
        {"messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "url", "url": "u"}}]}]},
        {"messages": [{"role": "assistant", "content": [{"type": "server_tool_use", "id": "x", "name": "n"}]}]},
    ],
)
def test_what_the_target_cannot_take_is_a_400(body: dict[str, Any]) -> None:
    with pytest.raises(HTTPError) as refused:
        _convert(**body)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [{"role": "tool", "content": "x"}]},
        {"messages": []},
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        {"tool_choice": {"type": "required"}},
        {"thinking": {"type": "enabled"}},
        {"stop_sequences": [1]},
        {"tools": [{"name": "w", "input_schema": "nope"}]},
        {"system": 5},
    ],
)
def test_malformed_requests_are_a_400(body: dict[str, Any]) -> None:
    with pytest.raises(HTTPError) as refused:
        check_messages_request({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}], **body})
    assert refused.value.status == 400


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


def test_inbound_then_outbound_is_the_identity_for_claude() -> None:
    """The inbound dialect mirrors the outbound one: a history translated in, then out again by the Anthropic
    provider's own converter (what Claude behind Vertex receives), is the history the client sent."""
    from modelmux.providers.anthropic.convert_messages import convert_messages

    system = [{"type": "text", "text": "Be brief.", "cache_control": EPHEMERAL}]
    history = [
        {"role": "user", "content": [{"type": "text", "text": "search"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "t", "signature": "s"},
                {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "q"}},
                {"type": "web_search_tool_result", "tool_use_id": "s1", "content": []},
                {"type": "text", "text": "Found."},
                {"type": "tool_use", "id": "t1", "name": "w", "input": {"a": 1}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "ok"},
                {"type": "text", "text": "and?", "cache_control": EPHEMERAL},
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "redacted_thinking", "data": "r"}, {"type": "text", "text": "Done."}],
        },
        {
            "role": "user",
            "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}],
        },
    ]
    messages, _ = _convert(Target("vertex", frozenset()), system=system, messages=history)
    native_system, native = convert_messages(messages)
    assert native_system == system
    assert native == history
