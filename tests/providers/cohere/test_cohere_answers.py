"""Cohere answers → OpenAI: finish reasons, usage, tool plans and thinking, citations as annotations, stream
edge cases and error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

import modelmux
from modelmux.errors import (
    APITimeoutError,
    AuthenticationError,
    ContextWindowExceededError,
    PermissionDeniedError,
    RateLimitError,
    UpstreamError,
)
from modelmux.providers._base import CallContext
from modelmux.providers.cohere import provider
from modelmux.providers.cohere.map_finish_reason import FINISH_REASONS, map_finish_reason

KEY = "test-key-cohere-abcdef"
DOC = {"id": "doc:0", "text": "Ruby was created by Yukihiro Matsumoto in 1993.", "title": "facts.txt"}


def ctx(*, stream: bool = False, include_usage: bool = True) -> CallContext:
    return CallContext("cohere", "command-a-03-2025", "https://api.cohere.com", api_key=KEY, stream=stream,
                       include_usage=include_usage)  # fmt: skip


def answer(**message: Any) -> dict[str, Any]:
    return {
        "id": "a1",
        "finish_reason": message.pop("finish_reason", "COMPLETE"),
        "message": {"role": "assistant", **message},
        "usage": {
            "billed_units": {"input_tokens": 5, "output_tokens": 7},
            "tokens": {"input_tokens": 500, "output_tokens": 30, "reasoning_tokens": 12},
            "cached_tokens": 448,
        },
    }


def parse(data: dict[str, Any]) -> modelmux.ChatCompletion:
    return provider.parse_chat_response(json.dumps(data).encode(), ctx())


def stream(events: list[dict[str, Any]], **kwargs: Any) -> list[modelmux.ChatCompletionChunk]:
    translator = provider.chat_stream_translator(ctx(stream=True, **kwargs))
    chunks = []
    for event in events:
        chunks += translator.feed(event["type"], json.dumps(event))
    return chunks + translator.finish()


@pytest.mark.parametrize(
    ("native", "openai"),
    [
        ("COMPLETE", "stop"),
        ("STOP_SEQUENCE", "stop"),
        ("MAX_TOKENS", "length"),
        ("TOOL_CALL", "tool_calls"),
        ("TIMEOUT", "length"),
        ("ERROR_TOXIC", "content_filter"),
        ("SOMETHING_NEW", "stop"),
        (None, "stop"),
    ],
)
def test_finish_reasons(native: str | None, openai: str) -> None:
    assert map_finish_reason(native) == openai
    if native is not None:
        result = parse(answer(content=[{"type": "text", "text": "x"}], finish_reason=native))
        assert result.choices[0].finish_reason == openai
        assert result.choices[0].model_extra["native_finish_reason"] == native
    assert set(FINISH_REASONS.values()) <= {"stop", "length", "tool_calls", "content_filter"}


def test_usage_is_the_tokens_the_model_processed() -> None:
    usage = parse(answer(content=[{"type": "text", "text": "x"}])).usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (500, 30, 530)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 448
    assert usage.completion_tokens_details is not None and usage.completion_tokens_details.reasoning_tokens == 12
    assert usage.model_extra["billed_units"] == {"input_tokens": 5, "output_tokens": 7}
    only_billed = answer(content=[{"type": "text", "text": "x"}])
    del only_billed["usage"]["tokens"]
    usage = parse(only_billed).usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (5, 7)


def test_thinking_and_tool_plan_are_reasoning() -> None:
    result = parse(
        answer(
            content=[{"type": "thinking", "thinking": "Need weather."}],
            tool_plan="I will call weather.",
            tool_calls=[{"id": "w1", "type": "function", "function": {"name": "weather", "arguments": ""}}],
            finish_reason="TOOL_CALL",
        )
    )
    message = result.choices[0].message
    assert message.content is None
    assert message.reasoning_content == "Need weather.\n\nI will call weather."
    assert message.tool_calls is not None and message.tool_calls[0].function.arguments == "{}"
    assert result.choices[0].finish_reason == "tool_calls"


def test_document_citations_become_annotations_on_the_content() -> None:
    text = "Sure. Ruby was made by Yukihiro Matsumoto."
    start = text.index("Yukihiro")
    citation = {
        "start": start - 6,  # offsets count from the second text block
        "end": start - 6 + len("Yukihiro Matsumoto"),
        "text": "Yukihiro Matsumoto",
        "sources": [{"type": "document", "id": "doc:0", "document": DOC}],
        "type": "TEXT_CONTENT",
        "content_index": 2,
    }
    url_source = {"type": "document", "id": "web", "document": {"url": "https://ruby-lang.org", "title": "Ruby"}}
    plan_citation = {**citation, "type": "PLAN"}
    result = parse(
        answer(
            content=[
                {"type": "thinking", "thinking": "..."},
                {"type": "text", "text": "Sure. "},
                {"type": "text", "text": text[6:]},
            ],
            citations=[citation, {**citation, "sources": [url_source]}, plan_citation],
        )
    )
    message = result.choices[0].message
    assert message.content == text
    first, second = message.model_extra["annotations"]
    assert first["type"] == "url_citation"
    span = first["url_citation"]
    assert message.content[span["start_index"] : span["end_index"]] == "Yukihiro Matsumoto"
    assert span["url"] == "document:doc:0" and span["title"] == "facts.txt" and span["source_id"] == "doc:0"
    assert second["url_citation"]["url"] == "https://ruby-lang.org" and second["url_citation"]["title"] == "Ruby"
    import openai.types.chat as oa

    oa.ChatCompletion.model_validate(result.model_dump())  # the OpenAI SDK accepts the annotations


def test_stream_citation_offsets_thinking_plan_and_usage_last() -> None:
    cite = {"start": 0, "end": 4, "text": "Ruby", "type": "TEXT_CONTENT",
            "sources": [{"type": "tool", "id": "best:0", "tool_output": {"content": "Ruby"}}]}  # fmt: skip
    events = [
        {"type": "message-start", "id": "s1", "delta": {"message": {"role": "assistant"}}},
        {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "thinking", "thinking": ""}}}},
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"thinking": "hmm"}}}},
        {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "plan"}}},
        {"type": "content-start", "index": 1, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
        {"type": "content-delta", "index": 1, "delta": {"message": {"content": {"text": "Well: "}}}},
        {"type": "content-start", "index": 2, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
        {"type": "content-delta", "index": 2, "delta": {"message": {"content": {"text": "Ruby"}}}},
        {"type": "citation-start", "index": 0, "delta": {"message": {"citations": cite}}},
        {"type": "message-end", "delta": {"finish_reason": "MAX_TOKENS", "usage": {"tokens": {"input_tokens": 3}}}},
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": answer()["usage"]}},
    ]
    chunks = stream(events)
    assert chunks[0].id == "s1" and chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"  # the last message-end wins
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 500
    result = modelmux.stream_chunk_builder(chunks)
    message = result.choices[0].message
    assert message.content == "Well: Ruby" and message.reasoning_content == "hmm\n\nplan"
    span = message.model_extra["annotations"][0]["url_citation"]
    assert message.content[span["start_index"] : span["end_index"]] == "Ruby" and span["url"] == "tool:best:0"
    assert all(c.usage is None for c in stream(events, include_usage=False))


def test_stream_ends_honestly() -> None:
    start = {"type": "message-start", "id": "s1", "delta": {"message": {"role": "assistant"}}}
    text = {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Hi"}}}}
    with pytest.raises(UpstreamError, match="message-end"):
        stream([start, text])
    failed = {"type": "message-end", "delta": {"finish_reason": "ERROR", "error": "model crashed"}}
    with pytest.raises(UpstreamError, match="model crashed"):
        stream([start, text, failed])
    translator = provider.chat_stream_translator(ctx(stream=True))
    assert translator.feed("", "[DONE]") == []
    with pytest.raises(modelmux.InternalServerError, match="overloaded"):  # an error body sent as an event
        translator.feed("", json.dumps({"id": "e1", "message": f"overloaded {KEY}"}))
    with pytest.raises(modelmux.InternalServerError, match="broke") as info:
        provider.chat_stream_translator(ctx(stream=True)).feed("error", json.dumps({"message": f"broke {KEY}"}))
    assert KEY not in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (401, {"id": "x", "message": f"invalid api token {KEY}"}, AuthenticationError),
        (498, {"message": "invalid token"}, AuthenticationError),
        (400, {"error_type": "TOO_MANY_TOKENS", "message": "size limit exceeded"}, ContextWindowExceededError),
        (402, {"message": "Please add a payment method"}, PermissionDeniedError),
        (429, {"message": "trial key limit"}, RateLimitError),
        (504, {"message": "timed out"}, APITimeoutError),
        (503, "<html>down</html>", modelmux.ServiceUnavailableError),
    ],
)
def test_errors(status: int, body: Any, cls: type[Exception]) -> None:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    err = provider.map_error(status, {"retry-after": "3", "x-debug-trace-id": "t1"}, raw, ctx())
    assert type(err) is cls and err.status_code == status
    assert KEY not in str(err) + repr(err) + json.dumps(err.body)
    assert err.request_id == "t1"
    if isinstance(err, RateLimitError):
        assert err.retry_after == 3


def test_failed_generation_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        parse(answer(content=[{"type": "text", "text": "partial"}], finish_reason="ERROR"))
