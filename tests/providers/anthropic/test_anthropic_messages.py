"""OpenAI messages → Anthropic system + messages: dict in, dict out, every body checked by the SDK's types."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic_helpers import build

from modelmux.errors import BadRequestError
from modelmux.providers.anthropic.convert_messages import convert_messages

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def body_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return build({"messages": messages})


def test_plain_user_text() -> None:
    body = body_for([{"role": "user", "content": "hi"}])
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert "system" not in body


def test_system_and_developer_anywhere_become_top_level_system_in_order() -> None:
    body = body_for(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
            {
                "role": "developer",
                "content": [{"type": "text", "text": "no emoji", "cache_control": {"type": "ephemeral"}}],
            },
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "again"},
        ]
    )
    assert body["system"] == [
        {"type": "text", "text": "be brief"},
        {"type": "text", "text": "no emoji", "cache_control": {"type": "ephemeral"}},
    ]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_system_only_conversation_is_refused() -> None:
    with pytest.raises(BadRequestError, match="at least one user or assistant message"):
        convert_messages([{"role": "system", "content": "x"}])


def test_image_url_http_and_data_urls() -> None:
    body = body_for(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "compare"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg", "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            }
        ]
    )
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "compare"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    ]


def test_pdf_file_part_and_pdf_data_url_become_documents() -> None:
    body = body_for(
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "file",
                        "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"},
                    },
                    {"type": "image_url", "image_url": {"url": "data:application/pdf;base64,JVBERi0="}},
                    {"type": "file", "file": {"file_data": "data:text/plain;base64,aGVsbG8="}},
                ],
            }
        ]
    )
    pdf = {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}
    assert body["messages"][0]["content"] == [
        {"type": "document", "source": pdf, "title": "a.pdf"},
        {"type": "document", "source": pdf},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "hello"}},
    ]


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"type": "image_url", "image_url": {"url": "data:image/tiff;base64,AAAA"}}, "image/tiff"),
        ({"type": "image_url", "image_url": {"url": "data:image/png,rawdata"}}, "base64"),
        ({"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}, "http"),
        ({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, "audio"),
        ({"type": "file", "file": {"file_id": "file-123"}}, "file_id"),
        ({"type": "video", "video": {}}, "unsupported content part type 'video'"),
    ],
)
def test_unsupported_parts_are_clear_bad_requests(part: dict[str, Any], match: str) -> None:
    with pytest.raises(BadRequestError, match=match) as info:
        convert_messages([{"role": "user", "content": [part]}])
    assert "messages[0].content[0]" in info.value.message


def test_empty_text_is_skipped_and_empty_messages_dropped() -> None:
    body = body_for(
        [
            {"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "hi"}]},
            {"role": "assistant", "content": ""},
            {"role": "assistant", "content": [{"type": "text", "text": " \n "}]},
            {"role": "system", "content": "  "},
            {"role": "user", "content": "more"},
        ]
    )
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": "more"}]}
    ]


def test_assistant_tool_calls_then_tool_results_then_user_form_one_user_turn() -> None:
    body = body_for(
        [
            {"role": "user", "content": "weather in Paris and Rome?", "name": "alice"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "toolu_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                    },
                    {
                        "id": "toolu_2",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Rome"}'},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": [{"type": "text", "text": "21C"}]},
            {"role": "user", "content": "and tomorrow?"},
        ]
    )
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "weather in Paris and Rome?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "weather", "input": {"city": "Rome"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "21C"}]},
                {"type": "text", "text": "and tomorrow?"},
            ],
        },
    ]


def test_assistant_with_only_tool_calls_and_empty_arguments() -> None:
    body = body_for(
        [
            {"role": "user", "content": "version?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "toolu_9", "type": "function", "function": {"name": "version", "arguments": ""}}],
            },
            {"role": "tool", "tool_call_id": "toolu_9", "content": ""},
        ]
    )
    assert body["messages"][1]["content"] == [{"type": "tool_use", "id": "toolu_9", "name": "version", "input": {}}]
    assert body["messages"][2]["content"] == [{"type": "tool_result", "tool_use_id": "toolu_9"}]


def test_tool_result_is_placed_before_earlier_user_text_in_a_merged_turn() -> None:
    _, messages = convert_messages(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "user", "content": "note"},
            {"role": "tool", "tool_call_id": "t", "content": "done"},
        ]
    )
    assert [b["type"] for b in messages[1]["content"]] == ["tool_result", "text"]


@pytest.mark.parametrize(
    ("arguments", "match"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"), ('"text"', "must be a JSON object")],
)
def test_invalid_tool_call_arguments_are_bad_requests(arguments: str, match: str) -> None:
    messages = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "toolu_x", "type": "function", "function": {"name": "f", "arguments": arguments}}],
        },
    ]
    with pytest.raises(BadRequestError, match=match) as info:
        convert_messages(messages)
    assert "toolu_x" in info.value.message and "'f'" in info.value.message
    assert info.value.param == "messages"


def test_tool_message_without_id_and_unknown_roles_are_refused() -> None:
    with pytest.raises(BadRequestError, match="tool_call_id"):
        convert_messages([{"role": "tool", "content": "x"}])
    with pytest.raises(BadRequestError, match="unknown role 'robot'"):
        convert_messages([{"role": "robot", "content": "x"}])
    with pytest.raises(BadRequestError, match="legacy 'function'"):
        convert_messages([{"role": "function", "name": "f", "content": "x"}])
    with pytest.raises(BadRequestError, match="non-empty list"):
        convert_messages([])


def test_consecutive_same_role_messages_merge() -> None:
    body = body_for(
        [
            {"role": "user", "content": "a"},
            {"role": "user", "content": "b"},
            {"role": "assistant", "content": "c"},
            {"role": "assistant", "content": [{"type": "text", "text": "d"}]},
            {"role": "user", "content": "e"},
        ]
    )
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "c"}, {"type": "text", "text": "d"}]},
        {"role": "user", "content": [{"type": "text", "text": "e"}]},
    ]


def test_thinking_blocks_round_trip_first_and_reasoning_content_alone_is_not_sent() -> None:
    thinking = [
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig=="},
        {"type": "redacted_thinking", "data": "opaque"},
    ]
    body = body_for(
        [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": "calling",
                "reasoning_content": "Let me think.",
                "thinking_blocks": thinking,
                "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "toolu_1", "content": "ok"},
            {"role": "assistant", "content": "answer", "reasoning_content": "unsigned thoughts"},
            {"role": "user", "content": "thanks"},
        ]
    )
    assert body["messages"][1]["content"] == [
        *thinking,
        {"type": "text", "text": "calling"},
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
    ]
    assert body["messages"][3]["content"] == [{"type": "text", "text": "answer"}]


def test_malformed_thinking_block_is_refused() -> None:
    with pytest.raises(BadRequestError, match="thinking_blocks"):
        convert_messages(
            [{"role": "assistant", "content": "x", "thinking_blocks": [{"type": "thinking", "thinking": "no sig"}]}]
        )


def test_cache_control_on_parts_and_on_messages() -> None:
    body = body_for(
        [
            {"role": "system", "content": "long context", "cache_control": {"type": "ephemeral"}},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "doc", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://x/y.png"},
                        "cache_control": {"type": "ephemeral"},
                    },
                ],
            },
            {"role": "assistant", "content": "ok"},
            {"role": "tool", "tool_call_id": "t1", "content": "r", "cache_control": {"type": "ephemeral"}},
        ]
    )
    assert body["system"] == [{"type": "text", "text": "long context", "cache_control": {"type": "ephemeral"}}]
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert body["messages"][0]["content"][1]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_final_assistant_prefill_loses_trailing_whitespace() -> None:
    body = body_for([{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "The colour is "}])
    assert body["messages"][-1] == {"role": "assistant", "content": [{"type": "text", "text": "The colour is"}]}
    body = body_for([{"role": "user", "content": "x"}, {"role": "assistant", "content": "  \n"}])
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_refusal_parts_in_assistant_history_are_text() -> None:
    body = body_for(
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]},
            {"role": "user", "content": "ok"},
        ]
    )
    assert body["messages"][1]["content"] == [{"type": "text", "text": "I can't help with that."}]
