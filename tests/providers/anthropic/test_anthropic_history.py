"""History round-trips without loss: refusals, merged turns, thinking order, and answers with server blocks
sent back as modelmux returned them (dict in, dict out; every body validated with the SDK's request types)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from anthropic_helpers import build, parse, sse, stream_result

from modelmux.errors import BadRequestError
from modelmux.providers.anthropic.convert_messages import convert_messages
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME

Q = {"role": "user", "content": "q"}
NEXT = {"role": "user", "content": "next"}
THINK = {"type": "thinking", "thinking": "hmm", "signature": "sig-A"}
REDACTED = {"type": "redacted_thinking", "data": "opaque=="}


def turns_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return build({"messages": messages})["messages"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- refusals


def test_refusal_only_assistant_message_stays_an_assistant_turn() -> None:
    refusal = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    turns = turns_of([Q, refusal, NEXT])
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"] == [{"type": "text", "text": "I can't help with that."}]


def test_refusal_next_to_content_and_tool_calls_keeps_everything_in_order() -> None:
    call = {"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    message = {"role": "assistant", "content": "Part one.", "refusal": "Not that part.", "tool_calls": [call]}
    turns = turns_of([Q, message, {"role": "tool", "tool_call_id": "toolu_1", "content": "ok"}])
    assert [b["type"] for b in turns[1]["content"]] == ["text", "text", "tool_use"]
    assert turns[1]["content"][1]["text"] == "Not that part."


def test_content_part_with_an_object_as_type_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match="not accepted here"):
        convert_messages([{"role": "system", "content": [{"type": {"items": 0}}]}, Q])


def test_refusal_of_the_wrong_type_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match="refusal must be a string"):
        convert_messages([Q, {"role": "assistant", "refusal": ["x"]}])


# ---------------------------------------------------------------- merging


def test_merged_assistant_turn_puts_thinking_blocks_first() -> None:
    call = {"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    messages = [
        Q,
        {"role": "assistant", "content": "Let me think."},
        {"role": "assistant", "content": None, "thinking_blocks": [THINK, REDACTED], "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "1"},
    ]
    turns = turns_of(messages)
    assert [b["type"] for b in turns[1]["content"]] == ["thinking", "redacted_thinking", "text", "tool_use"]
    assert turns[1]["content"][0] == THINK


def test_merged_user_turn_keeps_tool_results_first_and_the_rest_in_order() -> None:
    call = {"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [
        Q,
        {"role": "assistant", "tool_calls": [call]},
        {"role": "user", "content": "first"},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "r"},
        {"role": "user", "content": "second"},
    ]
    content = turns_of(messages)[2]["content"]
    assert [(b["type"], b.get("text")) for b in content] == [
        ("tool_result", None),
        ("text", "first"),
        ("text", "second"),
    ]


def test_merging_is_linear() -> None:
    """60 000 consecutive user messages: a merge that copies its accumulator per message would do ~1.8e9
    element copies (minutes); the linear one takes well under a second."""
    messages = [{"role": "user", "content": f"m{i}"} for i in range(60_000)]
    began = time.perf_counter()
    _, turns = convert_messages(messages)
    assert time.perf_counter() - began < 5
    assert len(turns) == 1 and len(turns[0]["content"]) == 60_000
    assert turns[0]["content"][-1]["text"] == "m59999"


# ---------------------------------------------------------------- thinking round trip


def test_thinking_blocks_with_signatures_round_trip_through_parse() -> None:
    native = {
        "id": "msg_1",
        "model": "claude-sonnet-4-5",
        "content": [THINK, REDACTED, {"type": "text", "text": "Answer."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    message = parse(native).choices[0].message.model_dump(exclude_none=True)
    assert "content_blocks" not in message  # thinking first, plain text: the OpenAI fields carry it all
    turns = turns_of([Q, message, NEXT])
    assert turns[1]["content"] == [THINK, REDACTED, {"type": "text", "text": "Answer."}]


# ---------------------------------------------------------------- answers with server blocks (content_blocks)

SEARCH_USE = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "tides"}}
SEARCH_RESULT = {
    "type": "web_search_tool_result",
    "tool_use_id": "srvtoolu_1",
    "content": [
        {"type": "web_search_result", "url": "https://t.example/a", "title": "Tides", "encrypted_content": "E"}
    ],
}
CITATION = {
    "type": "web_search_result_location",
    "url": "https://t.example/a",
    "title": "Tides",
    "cited_text": "High tide at 6.",
    "encrypted_index": "Ei",
}
EXEC_USE = {"type": "server_tool_use", "id": "srvtoolu_2", "name": "code_execution", "input": {"code": "print(1)"}}
EXEC_RESULT = {
    "type": "code_execution_tool_result",
    "tool_use_id": "srvtoolu_2",
    "content": {"type": "code_execution_result", "stdout": "1\n", "stderr": "", "return_code": 0, "content": []},
}
SERVER_ANSWER = [
    THINK,
    {"type": "text", "text": "Searching. "},
    SEARCH_USE,
    SEARCH_RESULT,
    {"type": "text", "text": "High tide is at 6.", "citations": [CITATION]},
    EXEC_USE,
    EXEC_RESULT,
    {"type": "text", "text": " Done."},
    {"type": "tool_use", "id": "toolu_9", "name": "notify", "input": {"who": "me"}},
]


def answer(content: list[dict[str, Any]], stop_reason: str = "pause_turn") -> dict[str, Any]:
    return {
        "id": "msg_s",
        "model": "claude-sonnet-4-5",
        "content": content,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }


def test_answer_with_server_blocks_is_sent_back_as_its_native_blocks_in_order() -> None:
    message = parse(answer(SERVER_ANSWER)).choices[0].message.model_dump(exclude_none=True)
    assert message["content"] == "Searching. High tide is at 6. Done."
    assert message["content_blocks"] == SERVER_ANSWER
    turns = turns_of([Q, message, {"role": "tool", "tool_call_id": "toolu_9", "content": "sent"}])
    assert turns[1]["content"] == SERVER_ANSWER


def test_pause_turn_answer_as_the_last_turn_continues() -> None:
    paused = [{"type": "text", "text": "Let me look. "}, SEARCH_USE]
    message = parse(answer(paused)).choices[0].message.model_dump(exclude_none=True)
    turns = turns_of([Q, message])
    assert turns[-1] == {"role": "assistant", "content": [{"type": "text", "text": "Let me look. "}, SEARCH_USE]}


def test_streamed_answer_round_trips_the_same_blocks() -> None:
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {**answer([], None), "usage": {"input_tokens": 1, "output_tokens": 1}}}  # type: ignore[arg-type]
    ]
    for i, block in enumerate(SERVER_ANSWER):
        events += _block_events(i, block)
    events += [
        {"type": "message_delta", "delta": {"stop_reason": "pause_turn"}, "usage": {"output_tokens": 2}},
        {"type": "message_stop"},
    ]
    message = stream_result(sse(events)).choices[0].message.model_dump(exclude_none=True)
    assert message["content_blocks"] == SERVER_ANSWER
    assert turns_of([Q, message, {"role": "tool", "tool_call_id": "toolu_9", "content": "x"}])[1]["content"] == (
        SERVER_ANSWER
    )


def _block_events(i: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    kind = block["type"]
    if kind == "text":
        start = {"type": "text", "text": ""}
        deltas = [{"type": "citations_delta", "citation": c} for c in block.get("citations", [])]
        deltas.append({"type": "text_delta", "text": block["text"]})
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            {"type": "thinking_delta", "thinking": block["thinking"]},
            {"type": "signature_delta", "signature": block["signature"]},
        ]
    elif kind in ("tool_use", "server_tool_use"):
        start = {**block, "input": {}}
        text = __import__("json").dumps(block["input"])
        deltas = [
            {"type": "input_json_delta", "partial_json": text[:5]},
            {"type": "input_json_delta", "partial_json": text[5:]},
        ]
    else:
        start, deltas = block, []
    return [
        {"type": "content_block_start", "index": i, "content_block": start},
        *({"type": "content_block_delta", "index": i, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": i},
    ]


def test_edited_message_with_stale_content_blocks_is_a_bad_request() -> None:
    message = parse(answer(SERVER_ANSWER)).choices[0].message.model_dump(exclude_none=True)
    edited = {**message, "content": "Something else."}
    with pytest.raises(BadRequestError, match="content_blocks no longer match"):
        turns_of([Q, edited])
    no_calls = {k: v for k, v in message.items() if k != "tool_calls"}
    with pytest.raises(BadRequestError, match="content_blocks no longer match"):
        turns_of([Q, no_calls])
    with pytest.raises(BadRequestError, match="must be a list"):
        turns_of([Q, {**message, "content_blocks": [{"no": "type"}]}])
    with pytest.raises(BadRequestError, match="must be a list"):
        turns_of([Q, {**message, "content_blocks": "text"}])
    with pytest.raises(BadRequestError, match="string 'id'"):
        turns_of([Q, {**message, "content_blocks": [{"type": "tool_use", "id": ["x"], "name": "f"}]}])
    with pytest.raises(BadRequestError, match="string 'text'"):
        turns_of([Q, {**message, "content_blocks": [{"type": "text", "text": None}]}])
    # Without content_blocks the edited message is sent from its OpenAI fields.
    plain = {k: v for k, v in edited.items() if k != "content_blocks"}
    assert [b["type"] for b in turns_of([Q, plain, NEXT])[1]["content"]] == ["thinking", "text", "tool_use"]


def test_tool_call_arguments_come_from_tool_calls() -> None:
    message = parse(answer(SERVER_ANSWER)).choices[0].message.model_dump(exclude_none=True)
    message["tool_calls"][0]["function"]["arguments"] = '{"who": "you"}'
    turns = turns_of([Q, message, {"role": "tool", "tool_call_id": "toolu_9", "content": "x"}])
    assert turns[1]["content"][-1]["input"] == {"who": "you"}


def test_json_tool_in_content_blocks_is_sent_as_its_text() -> None:
    blocks = [
        SEARCH_USE,
        SEARCH_RESULT,
        {"type": "tool_use", "id": "toolu_J", "name": JSON_TOOL_NAME, "input": {"a": 1}},
    ]
    message = parse(answer(blocks, "tool_use")).choices[0].message.model_dump(exclude_none=True)
    assert message["content"] == '{"a": 1}' and "tool_calls" not in message
    assert turns_of([Q, message, NEXT])[1]["content"] == [
        SEARCH_USE,
        SEARCH_RESULT,
        {"type": "text", "text": '{"a": 1}'},
    ]
