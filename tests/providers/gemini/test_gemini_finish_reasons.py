"""Finish reasons (every native value mapped, last one wins) and answers that end honestly.

Non-streamed bodies, SSE events and the JSON-array stream form (``streamGenerateContent`` without
``alt=sse``) are all checked, the last two through ``modelmux.completion`` with an injected transport.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from google.genai import types as genai
from openai.types.chat import ChatCompletion as OpenAIChatCompletion
from openai.types.chat import ChatCompletionChunk as OpenAIChatCompletionChunk

import modelmux
from modelmux.errors import APIError, BadRequestError, RateLimitError, UpstreamError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.map_finish_reason import (
    DEFAULT,
    FAILED_FINISHES,
    FINISH_REASONS,
    finish_error,
    map_finish_reason,
)
from modelmux.types import ChatCompletionChunk

MakeCtx = Callable[..., CallContext]
META = {"modelVersion": "gemini-2.5-flash", "responseId": "r-1"}
USAGE = {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5}


def candidate(parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        out["finishReason"] = finish
    return out


def chunk(parts: list[dict[str, Any]], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"candidates": [candidate(parts, finish)], **META, **extra}


def stream(events: list[dict[str, Any]], ctx: CallContext) -> list[ChatCompletionChunk]:
    translator = provider.chat_stream_translator(ctx)
    out: list[ChatCompletionChunk] = []
    for payload in events:
        out += translator.feed("", json.dumps(payload))
    out += translator.finish()
    for c in out:
        OpenAIChatCompletionChunk.model_validate(c.model_dump())
    return out


def parse(body: Any, ctx: CallContext) -> modelmux.ChatCompletion:
    result = provider.parse_chat_response(json.dumps(body).encode(), ctx)
    OpenAIChatCompletion.model_validate(result.model_dump())
    return result


# ------------------------------------------------------------------ the table


def test_every_native_finish_reason_has_an_explicit_row() -> None:
    native = {reason.value for reason in genai.FinishReason} | {"JAILBREAK"}
    assert not set(FINISH_REASONS) & set(FAILED_FINISHES)
    assert native <= set(FINISH_REASONS) | set(FAILED_FINISHES), native - set(FINISH_REASONS) - set(FAILED_FINISHES)
    assert set(FINISH_REASONS.values()) <= {"stop", "length", "content_filter"}


@pytest.mark.parametrize(
    ("native", "has_calls", "expected"),
    [
        ("STOP", False, "stop"),
        ("STOP", True, "tool_calls"),
        ("MAX_TOKENS", False, "length"),
        ("MAX_TOKENS", True, "length"),
        ("CONTINUATION", False, "length"),
        ("TOO_MANY_TOOL_CALLS", True, "length"),
        ("SAFETY", False, "content_filter"),
        ("RECITATION", False, "content_filter"),
        ("LANGUAGE", False, "content_filter"),
        ("BLOCKLIST", False, "content_filter"),
        ("PROHIBITED_CONTENT", False, "content_filter"),
        ("SPII", False, "content_filter"),
        ("IMAGE_SAFETY", False, "content_filter"),
        ("IMAGE_PROHIBITED_CONTENT", False, "content_filter"),
        ("IMAGE_RECITATION", False, "content_filter"),
        ("MODEL_ARMOR", False, "content_filter"),
        ("OTHER", False, "stop"),
        ("OTHER", True, "tool_calls"),
        ("IMAGE_OTHER", False, "stop"),
        ("NO_IMAGE", False, "stop"),
        ("FINISH_REASON_UNSPECIFIED", False, "stop"),
        ("SOMETHING_NEW", False, DEFAULT),
        (None, False, "stop"),
    ],
)
def test_finish_reason_table(native: str | None, has_calls: bool, expected: str) -> None:
    assert map_finish_reason(native, has_calls) == expected


@pytest.mark.parametrize(
    ("native", "cls", "status"),
    [
        ("MALFORMED_FUNCTION_CALL", UpstreamError, 502),
        ("UNEXPECTED_TOOL_CALL", UpstreamError, 502),
        ("MALFORMED_RESPONSE", UpstreamError, 502),
        ("MISSING_THOUGHT_SIGNATURE", BadRequestError, 400),
    ],
)
def test_broken_answers_are_errors(native: str, cls: type[APIError], status: int, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(stream=True)
    assert type(finish_error(native, ctx)) is cls
    body = {"candidates": [candidate([{"text": "partial"}], native)], **META}
    with pytest.raises(cls) as info:
        parse(body, make_ctx())
    assert info.value.status_code == status
    assert info.value.native_type == native
    assert native in info.value.message
    # streamed: the content that came first is delivered, then the error is raised at the end
    translator = provider.chat_stream_translator(ctx)
    delivered = translator.feed("", json.dumps(chunk([{"text": "partial"}], native)))
    assert [c.choices[0].delta.content for c in delivered] == ["partial"]
    with pytest.raises(cls):
        translator.finish()


def test_finish_error_is_none_for_finished_answers(ctx: CallContext) -> None:
    assert all(finish_error(native, ctx) is None for native in FINISH_REASONS)
    assert finish_error(None, ctx) is None


# ------------------------------------------------------------------ the last finish reason wins


def test_last_finish_reason_wins_in_a_stream(make_ctx: MakeCtx) -> None:
    events = [
        chunk([{"text": "a"}], "STOP"),
        chunk([{"text": "b"}], "MAX_TOKENS"),
    ]
    chunks = stream(events, make_ctx(stream=True))
    finishes = [c.choices[0].finish_reason for c in chunks]
    assert finishes == [None, None, "length"]  # one finish chunk, the last reason
    assert chunks[-1].choices[0].model_extra["native_finish_reason"] == "MAX_TOKENS"


def test_last_finish_reason_wins_in_a_json_array(ctx: CallContext) -> None:
    result = parse([chunk([{"text": "a"}], "MAX_TOKENS"), chunk([{"text": "b"}], "STOP")], ctx)
    assert result.choices[0].message.content == "ab"
    assert result.choices[0].finish_reason == "stop"


def test_stop_with_function_calls_is_tool_calls_streamed_and_not(make_ctx: MakeCtx) -> None:
    events = [chunk([{"functionCall": {"name": "f", "args": {}}}]), chunk([{"text": ""}], "STOP")]
    chunks = stream(events, make_ctx(stream=True))
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert parse(events, make_ctx()).choices[0].finish_reason == "tool_calls"


# ------------------------------------------------------------------ honest ends


@pytest.mark.parametrize(
    "events",
    [
        [],
        [chunk([{"text": "cut "}]), chunk([{"text": "short"}])],
        [{"usageMetadata": USAGE, **META}],
    ],
    ids=["nothing", "no-finish", "usage-only"],
)
def test_stream_without_finish_reason_is_an_upstream_error(events: list[dict[str, Any]], make_ctx: MakeCtx) -> None:
    translator = provider.chat_stream_translator(make_ctx(stream=True, include_usage=True))
    for payload in events:
        translator.feed("", json.dumps(payload))
    with pytest.raises(UpstreamError, match="finishReason"):
        translator.finish()


@pytest.mark.parametrize(
    "body",
    [
        {"usageMetadata": USAGE, **META},
        {"candidates": [], "promptFeedback": {"safetyRatings": []}},
        {"candidates": [{"content": {"parts": [{"text": "x"}]}, "index": 0}]},
        [],
        [chunk([{"text": "cut"}])],
    ],
    ids=["no-candidates", "feedback-without-block", "no-finish", "empty-array", "array-without-finish"],
)
def test_a_200_that_is_no_answer_is_an_upstream_error(body: Any, ctx: CallContext) -> None:
    with pytest.raises(UpstreamError) as info:
        parse(body, ctx)
    assert info.value.status_code == 502


@pytest.mark.parametrize("reason", ["SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY"])
def test_block_reason_is_content_filter_with_the_reason_kept(reason: str, make_ctx: MakeCtx) -> None:
    body = {"promptFeedback": {"blockReason": reason}, "usageMetadata": {"promptTokenCount": 4}, **META}
    result = parse(body, make_ctx())
    assert result.choices[0].finish_reason == "content_filter"
    assert result.choices[0].model_extra["native_finish_reason"] == reason
    chunks = stream([body], make_ctx(stream=True))
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    assert chunks[-1].choices[0].model_extra["native_finish_reason"] == reason
    assert chunks[0].choices[0].delta.role == "assistant"


# ------------------------------------------------------------------ through the public API


def sse(events: list[Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in events)


def complete_stream(content: bytes, content_type: str = "text/event-stream") -> list[ChatCompletionChunk]:
    transport = httpx.MockTransport(
        lambda _: httpx.Response(200, content=content, headers={"content-type": content_type})
    )
    out = modelmux.completion(
        "gemini/gemini-2.5-flash", [{"role": "user", "content": "hi"}], api_key="k", transport=transport, stream=True
    )
    return list(out)


@pytest.mark.parametrize("form", ["sse", "json-array"])
def test_cut_short_stream_raises_through_completion(form: str) -> None:
    events = [chunk([{"text": "Hel"}]), chunk([{"text": "lo"}])]
    content = sse(events) if form == "sse" else json.dumps(events).encode()
    with pytest.raises(UpstreamError):
        complete_stream(content, "text/event-stream" if form == "sse" else "application/json")


def test_in_band_error_after_content_through_completion() -> None:
    """(Chunks of the same network read as the error are the core's to deliver; here one event per read.)"""
    error = {"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}
    reads = [sse([chunk([{"text": "Hel"}])]), sse([error])]
    stream_ = modelmux.completion(
        "gemini/gemini-2.5-flash",
        [{"role": "user", "content": "hi"}],
        api_key="k",
        transport=httpx.MockTransport(lambda _: httpx.Response(200, content=iter(reads))),
        stream=True,
    )
    got: list[str | None] = []
    with pytest.raises(RateLimitError):
        for c in stream_:
            got.append(c.choices[0].delta.content if c.choices else None)
    assert got == ["Hel"]


@pytest.mark.parametrize("form", ["sse", "json-array"])
def test_finished_stream_through_completion(form: str) -> None:
    events = [chunk([{"text": "Hel"}]), chunk([{"text": "lo"}], "STOP", usageMetadata=USAGE)]
    content = sse(events) if form == "sse" else json.dumps(events).encode()
    chunks = complete_stream(content)
    built = modelmux.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == "Hello"
    assert built.choices[0].finish_reason == "stop"


def test_no_candidates_non_streamed_through_completion() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json={"usageMetadata": USAGE, **META}))
    with pytest.raises(UpstreamError):
        modelmux.completion(
            "gemini/gemini-2.5-flash", [{"role": "user", "content": "hi"}], api_key="k", transport=transport
        )


def test_error_wrapped_in_a_list_is_mapped(ctx: CallContext) -> None:
    translator = provider.chat_stream_translator(ctx)
    wrapped = [{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}]
    with pytest.raises(RateLimitError):
        translator.feed("", json.dumps(wrapped))


def test_cached_and_thought_tokens_in_a_stream(make_ctx: MakeCtx) -> None:
    usage = {
        "promptTokenCount": 100,
        "cachedContentTokenCount": 80,
        "candidatesTokenCount": 10,
        "thoughtsTokenCount": 30,
        "totalTokenCount": 140,
    }
    chunks = stream([chunk([{"text": "x"}], "STOP", usageMetadata=usage)], make_ctx(stream=True, include_usage=True))
    last = chunks[-1].usage
    assert last is not None
    assert (last.prompt_tokens, last.completion_tokens, last.total_tokens) == (100, 40, 140)
    assert last.prompt_tokens_details is not None and last.prompt_tokens_details.cached_tokens == 80
    assert last.completion_tokens_details is not None and last.completion_tokens_details.reasoning_tokens == 30
