from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletion as OpenAIChatCompletion

from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.convert_usage import convert_usage
from modelmux.types import ChatCompletion

USAGE = {"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 7, "totalTokenCount": 22}


def parse(response: Any, ctx: CallContext) -> ChatCompletion:
    result = provider.parse_chat_response(json.dumps(response).encode(), ctx)
    OpenAIChatCompletion.model_validate(result.model_dump())
    return result


def response(parts: list[dict[str, Any]], finish: str | None = "STOP", **extra: Any) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": USAGE, "modelVersion": "gemini-2.5-flash", **extra}


def test_text_and_thoughts(ctx: CallContext) -> None:
    result = parse(
        response(
            [{"text": "Let me think", "thought": True}, {"text": "Hello"}, {"text": ", world"}],
            responseId="resp-1",
        ),
        ctx,
    )
    assert result.id == "resp-1"
    assert result.model == "gemini-2.5-flash"
    message = result.choices[0].message
    assert message.role == "assistant"
    assert message.content == "Hello, world"
    assert message.reasoning_content == "Let me think"
    assert message.tool_calls is None
    assert result.choices[0].finish_reason == "stop"
    assert result.choices[0].model_extra["native_finish_reason"] == "STOP"


def test_function_calls_become_tool_calls(ctx: CallContext) -> None:
    result = parse(
        response(
            [
                {"text": "Checking both."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Zürich"}}},
                {"functionCall": {"name": "now"}},
            ],
            responseId="resp-2",
        ),
        ctx,
    )
    message = result.choices[0].message
    assert message.content == "Checking both."
    calls = message.tool_calls or []
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Zürich"}),
        ("now", {}),
    ]
    assert calls[1].function.arguments == '{"city": "Zürich"}'
    assert all(c.id.startswith("call_") and c.type == "function" for c in calls)
    assert len({c.id for c in calls}) == 3
    assert result.choices[0].finish_reason == "tool_calls"


def test_tool_call_ids_are_stable_per_response(ctx: CallContext) -> None:
    body = response([{"functionCall": {"name": "f", "args": {}}}], responseId="same")
    first = parse(body, ctx).choices[0].message.tool_calls
    second = parse(body, ctx).choices[0].message.tool_calls
    assert first and second and first[0].id == second[0].id
    no_id = response([{"functionCall": {"name": "f", "args": {}}}])
    a = parse(no_id, ctx).choices[0].message.tool_calls
    b = parse(no_id, ctx).choices[0].message.tool_calls
    assert a and b and a[0].id != b[0].id  # random, but still unique


def test_gemini_function_call_id_is_used_when_present(ctx: CallContext) -> None:
    calls = (
        parse(response([{"functionCall": {"id": "fc-9", "name": "f", "args": {}}}]), ctx).choices[0].message.tool_calls
    )
    assert calls and calls[0].id == "fc-9"


def test_native_finish_reason_is_kept(ctx: CallContext) -> None:
    result = parse(response([{"text": "partial"}], finish="MAX_TOKENS"), ctx)
    assert result.choices[0].finish_reason == "length"
    assert result.choices[0].model_extra["native_finish_reason"] == "MAX_TOKENS"


def test_candidate_without_content(ctx: CallContext) -> None:
    body = {"candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": []}], "usageMetadata": USAGE}
    result = parse(body, ctx)
    assert result.choices[0].message.content is None
    assert result.choices[0].finish_reason == "content_filter"


def test_blocked_prompt_has_no_candidates(ctx: CallContext) -> None:
    body = {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 4}}
    result = parse(body, ctx)
    assert result.choices[0].message.content is None
    assert result.choices[0].finish_reason == "content_filter"
    assert result.choices[0].model_extra["native_finish_reason"] == "PROHIBITED_CONTENT"
    assert result.model == ctx.model
    assert result.id.startswith("chatcmpl-")
    assert result.usage is not None and result.usage.prompt_tokens == 4


def test_usage() -> None:
    assert convert_usage(
        {
            "promptTokenCount": 100,
            "candidatesTokenCount": 20,
            "thoughtsTokenCount": 30,
            "cachedContentTokenCount": 60,
            "toolUsePromptTokenCount": 5,
            "totalTokenCount": 155,
        }
    ) == {
        "prompt_tokens": 105,
        "completion_tokens": 50,
        "total_tokens": 155,
        "prompt_tokens_details": {"cached_tokens": 60},
        "completion_tokens_details": {"reasoning_tokens": 30},
    }
    assert convert_usage(None) is None
    assert convert_usage({"promptTokenCount": 3})["completion_tokens"] == 0  # type: ignore[index]


def test_usage_on_the_completion(ctx: CallContext) -> None:
    usage = parse(response([{"text": "x"}]), ctx).usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (10, 12, 22)
    assert usage.completion_tokens_details and usage.completion_tokens_details.reasoning_tokens == 7


def test_json_array_from_stream_without_sse_is_merged(ctx: CallContext) -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "thinking", "thought": True}]}}], "responseId": "r"},
        {"candidates": [{"content": {"parts": [{"text": "Hel"}]}}], "responseId": "r"},
        {
            "candidates": [{"content": {"parts": [{"text": "lo"}]}, "finishReason": "STOP"}],
            "usageMetadata": USAGE,
            "responseId": "r",
        },
    ]
    result = parse(chunks, ctx)
    assert result.choices[0].message.content == "Hello"
    assert result.choices[0].message.reasoning_content == "thinking"
    assert result.usage is not None and result.usage.completion_tokens == 12


def test_unknown_parts_are_skipped(ctx: CallContext) -> None:
    result = parse(
        response([{"executableCode": {"code": "1+1", "language": "PYTHON"}}, {"text": "2"}, {"inlineData": {}}]), ctx
    )
    assert result.choices[0].message.content == "2"


def test_garbage_raises_value_error(ctx: CallContext) -> None:
    with pytest.raises(ValueError):
        provider.parse_chat_response(b"not json", ctx)
    with pytest.raises(ValueError):
        provider.parse_chat_response(b'"a string"', ctx)
