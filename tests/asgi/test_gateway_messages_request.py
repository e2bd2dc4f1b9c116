"""The inbound Anthropic dialect's request side, pure: a Messages request checked, then translated into the OpenAI
call (and, for Claude behind another dialect, back out again unchanged)."""

from __future__ import annotations

from typing import Any

import pytest

from modelmux.asgi.anthropic_api.check_request import check_messages_request
from modelmux.asgi.anthropic_api.convert_request import Target, convert_request
from modelmux.asgi.errors import HTTPError

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
