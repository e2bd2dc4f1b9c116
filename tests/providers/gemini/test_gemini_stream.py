from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from openai.types.chat import ChatCompletion as OpenAIChatCompletion
from openai.types.chat import ChatCompletionChunk as OpenAIChatCompletionChunk

from modelmux import stream_chunk_builder
from modelmux.errors import RateLimitError, ServiceUnavailableError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.types import ChatCompletionChunk

MakeCtx = Callable[..., CallContext]
META = {"modelVersion": "gemini-2.5-flash", "responseId": "stream-1"}


def event(parts: list[dict[str, Any]], finish: str | None = None, usage: dict[str, Any] | None = None) -> str:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    payload: dict[str, Any] = {"candidates": [candidate], **META}
    if usage:
        payload["usageMetadata"] = usage
    return json.dumps(payload)


def run(events: list[str], ctx: CallContext) -> list[ChatCompletionChunk]:
    translator = provider.chat_stream_translator(ctx)
    chunks: list[ChatCompletionChunk] = []
    for data in events:
        chunks += translator.feed("", data)
    chunks += translator.finish()
    for chunk in chunks:
        OpenAIChatCompletionChunk.model_validate(chunk.model_dump())
    return chunks


EVENTS = [
    event([{"text": "Hmm, weather.", "thought": True}], usage={"promptTokenCount": 9, "totalTokenCount": 9}),
    event([{"text": "Let me "}]),
    event([{"text": "check."}, {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]),
    event(
        [
            {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}, "thoughtSignature": "c2lnbmF0dXJl"},
            {"text": ""},
        ],
        finish="STOP",
        usage={"promptTokenCount": 9, "candidatesTokenCount": 20, "thoughtsTokenCount": 4, "totalTokenCount": 33},
    ),
]


def test_deltas_role_index_and_finish(make_ctx: MakeCtx) -> None:
    chunks = run(EVENTS, make_ctx())
    assert len(chunks) == 5  # the finish reason in a chunk of its own at the end; no usage chunk unless asked
    deltas = [c.choices[0].delta for c in chunks]
    assert deltas[0].role == "assistant" and all(d.role is None for d in deltas[1:])
    assert deltas[0].reasoning_content == "Hmm, weather."
    assert [d.content for d in deltas] == [None, "Let me ", "check.", None, None]
    first, second = (deltas[2].tool_calls or [])[0], (deltas[3].tool_calls or [])[0]
    assert (first.index, second.index) == (0, 1)
    assert first.id and first.type == "function" and first.function and first.function.name == "get_weather"
    assert first.function.arguments == '{"city": "Paris"}'
    assert second.id and second.id.endswith("__ts__c2lnbmF0dXJl")
    assert deltas[4].tool_calls is None
    assert [c.choices[0].finish_reason for c in chunks] == [None, None, None, None, "tool_calls"]
    assert chunks[-1].choices[0].model_extra["native_finish_reason"] == "STOP"
    assert {c.id for c in chunks} == {"stream-1"}
    assert {c.model for c in chunks} == {"gemini-2.5-flash"}


def test_usage_chunk_only_when_asked(make_ctx: MakeCtx) -> None:
    chunks = run(EVENTS, make_ctx(include_usage=True))
    assert len(chunks) == 6
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (9, 24, 33)


def test_stream_accumulates_to_the_non_streamed_parse(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(include_usage=True)
    streamed = stream_chunk_builder(run(EVENTS, ctx))
    merged = provider.parse_chat_response(("[" + ",".join(EVENTS) + "]").encode(), ctx)
    OpenAIChatCompletion.model_validate(streamed.model_dump())
    expected = merged.model_dump(exclude={"created"})
    assert streamed.model_dump(exclude={"created"}) == expected


def test_empty_and_usage_only_events_emit_nothing(ctx: CallContext) -> None:
    translator = provider.chat_stream_translator(ctx)
    assert translator.feed("", "") == []
    assert translator.feed("", json.dumps({"usageMetadata": {"promptTokenCount": 1}, **META})) == []
    assert translator.feed("", event([{"text": ""}])) == []


def test_usage_after_the_finish_is_the_usage(make_ctx: MakeCtx) -> None:
    late = json.dumps({"usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 3}, **META})
    chunks = run([event([{"text": "hi"}], finish="STOP"), late], make_ctx(include_usage=True))
    assert [c.choices[0].delta.content for c in chunks[:-1]] == ["hi", None]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3


def test_blocked_prompt_in_a_stream(ctx: CallContext) -> None:
    chunks = run([json.dumps({"promptFeedback": {"blockReason": "SAFETY"}, **META})], ctx)
    assert len(chunks) == 1
    assert chunks[0].choices[0].finish_reason == "content_filter"
    assert chunks[0].choices[0].delta.role == "assistant"


def test_max_tokens_in_a_stream(ctx: CallContext) -> None:
    chunks = run([event([{"text": "cut"}], finish="MAX_TOKENS")], ctx)
    assert [c.choices[0].finish_reason for c in chunks] == [None, "length"]
    assert chunks[0].choices[0].delta.content == "cut"


def test_error_event_raises_the_mapped_error(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(api_key="AIzaSyTHISISASECRETKEY0123456789")
    translator = provider.chat_stream_translator(ctx)
    translator.feed("", event([{"text": "partial"}]))
    overloaded = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    with pytest.raises(ServiceUnavailableError, match="overloaded") as info:
        translator.feed("", json.dumps(overloaded))
    assert info.value.status_code == 503
    quota = {"error": {"message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
    with pytest.raises(RateLimitError) as rate:
        provider.chat_stream_translator(ctx).feed("", json.dumps(quota))
    assert rate.value.status_code == 429


def test_malformed_event_raises_value_error(ctx: CallContext) -> None:
    translator = provider.chat_stream_translator(ctx)
    with pytest.raises(ValueError):
        translator.feed("", "{not json")
    with pytest.raises(ValueError):
        translator.feed("", "[1, 2]")
