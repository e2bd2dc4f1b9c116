"""Server tool blocks and citations survive, streamed and not (and both agree); stop reasons; streams end
honestly. Outputs validated with ``openai.types.chat``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic_helpers import make_ctx, parse, sdk_accumulate, sse, stream_events, stream_result
from test_anthropic_history import _block_events

from modelmux import stream_chunk_builder
from modelmux.errors import APIStatusError, InternalServerError, RateLimitError, ServiceUnavailableError, UpstreamError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.map_stop_reason import DEFAULT_FINISH_REASON, FINISH_REASONS, map_stop_reason

WEB = {
    "type": "web_search_result_location",
    "url": "https://a.example/x",
    "title": "A",
    "cited_text": "c",
    "encrypted_index": "E1",
}
WEB2 = {**WEB, "url": "https://b.example/y", "title": None, "encrypted_index": "E2"}
SEARCH_RESULT_URL = {
    "type": "search_result_location",
    "source": "https://docs.example/p",
    "title": "Docs",
    "cited_text": "d",
    "search_result_index": 0,
    "start_block_index": 0,
    "end_block_index": 0,
}
DOC = {
    "type": "char_location",
    "cited_text": "grass is green",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 14,
}
FETCH_RESULT = {
    "type": "web_fetch_tool_result",
    "tool_use_id": "srvtoolu_f",
    "content": {
        "type": "web_fetch_result",
        "url": "https://a.example/x",
        "content": {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "body"}},
        "retrieved_at": "2026-01-01T00:00:00Z",
    },
}
BASH_RESULT = {
    "type": "bash_code_execution_tool_result",
    "tool_use_id": "srvtoolu_b",
    "content": {"type": "bash_code_execution_result", "stdout": "ok", "stderr": "", "return_code": 0, "content": []},
}
THINK = {"type": "thinking", "thinking": "plan", "signature": "s1"}
THINK_LATER = {"type": "thinking", "thinking": "after the fetch", "signature": "s2"}

BLOCKS = [
    THINK,
    {"type": "text", "text": "Héllo wörld. "},  # non-ASCII: indices count characters
    {"type": "server_tool_use", "id": "srvtoolu_f", "name": "web_fetch", "input": {"url": "https://a.example/x"}},
    FETCH_RESULT,
    THINK_LATER,  # interleaved thinking after a server result
    {"type": "text", "text": "Cited one.", "citations": [WEB, WEB2]},
    {"type": "text", "text": " Plain."},
    {"type": "server_tool_use", "id": "srvtoolu_b", "name": "bash_code_execution", "input": {"command": "ls"}},
    BASH_RESULT,
    {"type": "text", "text": "Docs say so.", "citations": [SEARCH_RESULT_URL, DOC]},
    {"type": "future_block", "payload": {"x": 1}},  # a block type added after this was written
]


def message(blocks: list[dict[str, Any]], stop_reason: str | None = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_x",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": blocks,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }


def events_for(blocks: list[dict[str, Any]], *stop_reasons: str) -> list[dict[str, Any]]:
    start = message([], None)
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for i, block in enumerate(blocks):
        events += _block_events(i, block)
    for reason in stop_reasons:
        events.append({"type": "message_delta", "delta": {"stop_reason": reason}, "usage": {"output_tokens": 4}})
    return [*events, {"type": "message_stop"}]


def test_citations_become_url_annotations_with_content_indices() -> None:
    msg = parse(message(BLOCKS)).choices[0].message
    content = msg.content or ""
    assert content == "Héllo wörld. Cited one. Plain.Docs say so."
    notes = [n["url_citation"] for n in msg.annotations]  # type: ignore[attr-defined]
    assert [n["url"] for n in notes] == ["https://a.example/x", "https://b.example/y", "https://docs.example/p"]
    assert [n["title"] for n in notes] == ["A", "", "Docs"]
    assert content[notes[0]["start_index"] : notes[0]["end_index"]] == "Cited one."
    assert content[notes[2]["start_index"] : notes[2]["end_index"]] == "Docs say so."


def test_server_blocks_non_url_citations_and_unknown_blocks_are_kept_in_order() -> None:
    msg = parse(message(BLOCKS)).choices[0].message
    assert msg.content_blocks == BLOCKS  # type: ignore[attr-defined]
    assert msg.thinking_blocks == [THINK, THINK_LATER]  # type: ignore[attr-defined]
    assert msg.reasoning_content == "planafter the fetch"
    assert msg.tool_calls is None


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # the SDK's models do not know future_block
@pytest.mark.parametrize("piece", [0, 1, 7, 64])
def test_streamed_equals_non_streamed(piece: int) -> None:
    body = sse(events_for(BLOCKS, "end_turn"))
    streamed = stream_chunk_builder(stream_events(body, piece=piece))
    non_streamed = parse(message(BLOCKS))
    assert streamed.model_dump(exclude={"created"}) == non_streamed.model_dump(exclude={"created"})
    # and equal to what the official SDK accumulates from the same events
    sdk = parse(sdk_accumulate(body))
    assert streamed.model_dump(exclude={"created"}) == sdk.model_dump(exclude={"created"})


def test_annotations_arrive_when_their_text_block_ends() -> None:
    chunks = stream_events(sse(events_for(BLOCKS, "end_turn")))
    with_notes = [c for c in chunks if c.choices and getattr(c.choices[0].delta, "annotations", None)]
    assert len(with_notes) == 2  # the two text blocks with URL citations
    blocks_chunks = [c for c in chunks if c.choices and getattr(c.choices[0].delta, "content_blocks", None)]
    assert len(blocks_chunks) == 1 and chunks.index(blocks_chunks[0]) == len(chunks) - 3  # before finish, usage


@pytest.mark.parametrize("stream", [False, True])
def test_code_execution_container_is_kept(stream: bool) -> None:
    container = {"id": "container_1", "expires_at": "2026-01-01T00:00:00Z"}
    blocks = [{"type": "text", "text": "ran"}]
    if stream:
        events = events_for(blocks, "end_turn")
        events[-2]["delta"]["container"] = container
        result = stream_result(sse(events))
    else:
        result = parse({**message(blocks), "container": container})
    assert result.choices[0].message.container == container  # type: ignore[attr-defined]


def test_server_tool_use_counts_are_kept_in_usage() -> None:
    native = message(BLOCKS)
    native["usage"] = {**native["usage"], "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1}}
    usage = parse(native).usage
    assert usage is not None and usage.server_tool_use == {"web_search_requests": 2, "web_fetch_requests": 1}  # type: ignore[attr-defined]


def test_plain_answers_carry_no_content_blocks_streamed_or_not() -> None:
    plain = [THINK, {"type": "text", "text": "Hi."}, {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}]
    assert "content_blocks" not in parse(message(plain, "tool_use")).choices[0].message.model_dump()
    streamed = stream_result(sse(events_for(plain, "tool_use")))
    assert "content_blocks" not in streamed.choices[0].message.model_dump()


# ---------------------------------------------------------------- stop reasons


def test_every_documented_stop_reason_has_an_explicit_mapping() -> None:
    documented = {
        "end_turn",
        "max_tokens",
        "stop_sequence",
        "tool_use",
        "pause_turn",
        "refusal",
        "model_context_window_exceeded",
    }
    assert set(FINISH_REASONS) == documented
    assert map_stop_reason("pause_turn", False) == "stop"
    assert map_stop_reason("brand_new_reason", False) == DEFAULT_FINISH_REASON == "stop"
    assert map_stop_reason(None, True) == "stop"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("native", "finish"), [("pause_turn", "stop"), ("refusal", "content_filter")])
def test_stop_reason_streamed_and_not(stream: bool, native: str, finish: str) -> None:
    blocks = [{"type": "text", "text": "x"}]
    result = stream_result(sse(events_for(blocks, native))) if stream else parse(message(blocks, native))
    assert result.choices[0].finish_reason == finish
    assert result.choices[0].native_finish_reason == native  # type: ignore[attr-defined]


def test_several_message_delta_events_the_last_wins() -> None:
    blocks = [{"type": "text", "text": "x"}]
    events = events_for(blocks, "end_turn", "max_tokens")
    events.insert(-1, {"type": "message_delta", "delta": {"stop_reason": None}, "usage": {"output_tokens": 9}})
    chunks = stream_events(sse(events))
    finishes = [c.choices[0] for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishes) == 1
    assert finishes[0].finish_reason == "length" and finishes[0].native_finish_reason == "max_tokens"  # type: ignore[attr-defined]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 9


# ---------------------------------------------------------------- streams end honestly


@pytest.mark.parametrize("cut", [1, 3, -2, -1])
def test_a_stream_without_message_stop_is_an_upstream_error(cut: int) -> None:
    events = events_for([{"type": "text", "text": "x"}], "end_turn")
    with pytest.raises(UpstreamError, match="no message_stop"):
        stream_events(sse(events[:cut]))


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        ({"type": "overloaded_error", "message": "Overloaded"}, ServiceUnavailableError, 529),
        ({"type": "api_error", "message": "Internal"}, InternalServerError, 500),
        ({"type": "rate_limit_error", "message": "slow"}, RateLimitError, 429),
        ({"type": "some_new_error", "message": "?"}, APIStatusError, 500),
    ],
)
def test_in_band_error_after_chunks(error: dict[str, Any], cls: type[Exception], status: int) -> None:
    """Chunks of the events before the error come back from their own feed calls; the error event raises."""
    translator = provider.chat_stream_translator(make_ctx(stream=True, include_usage=True))
    got = []
    for event in events_for([{"type": "text", "text": "partial"}], "end_turn")[:4]:
        got += translator.feed(event["type"], json.dumps(event))
    assert "".join(c.choices[0].delta.content or "" for c in got) == "partial"
    with pytest.raises(cls) as info:
        translator.feed("error", json.dumps({"type": "error", "error": error}))
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert info.value.provider == "anthropic"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "event",
    [
        [1, 2],
        {"type": "message_start", "message": "x"},
        {"type": "message_delta", "delta": ["end_turn"]},
        {"type": "message_delta", "usage": 5},
        {"type": "content_block_start", "index": 0, "content_block": "text"},
    ],
)
def test_garbage_events_are_value_errors_the_core_reports_as_upstream_errors(event: Any) -> None:
    translator = provider.chat_stream_translator(make_ctx(stream=True))
    with pytest.raises(ValueError):
        translator.feed("", json.dumps(event))


@pytest.mark.parametrize("content", [None, "text", [1], [{"type": "text", "text": "x"}, "y"]])
def test_garbage_answers_are_value_errors(content: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        provider.parse_chat_response(json.dumps(message(content)).encode(), make_ctx())


@pytest.mark.parametrize("usage", ["x", [1]])
def test_garbage_usage_is_a_value_error(usage: Any) -> None:
    with pytest.raises(ValueError, match="usage"):
        provider.parse_chat_response(json.dumps({**message([]), "usage": usage}).encode(), make_ctx())
