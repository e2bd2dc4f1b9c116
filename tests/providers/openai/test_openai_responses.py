"""Non-streamed answers of OpenAI and the compatible vendors → our types: custom tool calls, reasoning
spellings, finish reasons, errors in a 200. Outputs are checked with the official SDK's own types."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai.types.chat as oa
import pytest

import modelmux
from modelmux._registry import get_provider
from modelmux.providers._base import CallContext
from modelmux.providers.openai.map_finish_reason import (
    BROKEN,
    DEFAULT,
    FINISH_REASONS,
    OPENAI_FINISH_REASONS,
    map_finish_reason,
)

KEY = "sk-test-0123456789abcdefghijkl"


def answer(message: dict[str, Any], finish: str | None = "stop", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        **extra,
    }


def parse(body: dict[str, Any] | bytes, name: str = "openai") -> modelmux.ChatCompletion:
    provider: Any = get_provider(name)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return provider.parse_chat_response(raw, CallContext(name, "m", "http://h", api_key=KEY))


def valid(result: modelmux.ChatCompletion) -> oa.ChatCompletion:
    return oa.ChatCompletion.model_validate(result.model_dump())


# ---------------------------------------------------------------- custom tool calls


def test_custom_tool_calls_parse() -> None:
    calls = [
        {"id": "call_c", "type": "custom", "custom": {"name": "code_exec", "input": "print('hi')"}},
        {"id": "call_f", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
    ]
    result = parse(answer({"content": None, "tool_calls": calls}, "tool_calls"))
    sdk = valid(result)
    custom, function = result.choices[0].message.tool_calls or []
    assert custom.type == "custom" and custom.function is None
    assert custom.model_extra == {"custom": {"name": "code_exec", "input": "print('hi')"}}
    assert function.function is not None and function.function.arguments == '{"a": 1}'
    assert isinstance(sdk.choices[0].message.tool_calls[0], oa.ChatCompletionMessageCustomToolCall)  # type: ignore[index]
    # What the gateway serialises (None fields left out) is OpenAI's shape exactly.
    dumped = result.model_dump(exclude_none=True)["choices"][0]["message"]["tool_calls"]
    assert dumped == calls


@pytest.mark.parametrize(
    "call",
    [
        {"id": "c", "type": "custom"},
        {"id": "c", "type": "custom", "custom": "print(1)"},
        {"id": "c", "type": "function"},
        {"id": "c", "type": "web_search", "web_search": {}},
    ],
)
def test_malformed_tool_calls_are_an_upstream_error(call: dict[str, Any]) -> None:
    body = answer({"tool_calls": [call]}, "tool_calls")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with pytest.raises(modelmux.UpstreamError):
        modelmux.completion("openai/gpt-5", [{"role": "user", "content": "x"}], api_key=KEY, transport=transport)


# ---------------------------------------------------------------- reasoning spellings


@pytest.mark.parametrize("name", ["groq", "openrouter", "ollama", "together_ai", "hosted_vllm", "openai"])
def test_reasoning_field_becomes_reasoning_content(name: str) -> None:
    details = [{"type": "reasoning.text", "text": "think"}]
    result = parse(answer({"content": "4", "reasoning": "think", "reasoning_details": details}), name)
    message = result.choices[0].message
    assert message.reasoning_content == "think" and message.content == "4"
    assert "reasoning" not in (message.model_extra or {})
    assert message.model_extra == {"reasoning_details": details}  # kept, to be sent back
    valid(result)


@pytest.mark.parametrize("name", ["deepseek", "xai", "fireworks_ai", "hosted_vllm"])
def test_reasoning_content_stays(name: str) -> None:
    result = parse(answer({"content": "4", "reasoning_content": "think"}), name)
    assert result.choices[0].message.reasoning_content == "think"


def test_mistral_thinking_chunks_become_reasoning_content() -> None:
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "12 * 12 "}, {"type": "text", "text": "= 144"}]},
        {"type": "text", "text": "14"},
        {"type": "text", "text": "4"},
        {"type": "reference", "reference_ids": [1]},
    ]
    result = parse(answer({"content": content}), "mistral")
    message = result.choices[0].message
    assert message.content == "144" and message.reasoning_content == "12 * 12 = 144"
    assert message.model_extra == {"content_parts": [{"type": "reference", "reference_ids": [1]}]}
    valid(result)


def test_only_thinking_leaves_no_content() -> None:
    content = [{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]}]
    message = parse(answer({"content": content, "tool_calls": []}), "mistral").choices[0].message
    assert message.content is None and message.reasoning_content == "hm"


def test_vendor_service_tier_is_kept_as_native() -> None:
    result = parse(answer({"content": "x"}, service_tier="on_demand"), "groq")
    assert result.model_extra == {"native_service_tier": "on_demand"}
    valid(result)
    assert parse(answer({"content": "x"}, service_tier="default")).model_extra == {"service_tier": "default"}


# ---------------------------------------------------------------- finish reasons


def test_the_table_maps_into_openai_values_and_has_a_default() -> None:
    assert set(FINISH_REASONS.values()) <= OPENAI_FINISH_REASONS and DEFAULT in OPENAI_FINISH_REASONS
    assert all(key == key.lower() for key in FINISH_REASONS)
    assert not BROKEN & set(FINISH_REASONS)
    for value in OPENAI_FINISH_REASONS:
        assert map_finish_reason(value) == value


@pytest.mark.parametrize(
    ("native", "mapped"),
    [
        ("insufficient_system_resource", "length"),  # DeepSeek
        ("model_length", "length"),  # Mistral
        ("eos", "stop"),  # vLLM / Ollama
        ("eos_token", "stop"),  # TGI
        ("stop_sequence", "stop"),
        ("end_turn", "stop"),  # Anthropic relayed by a router
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("SAFETY", "content_filter"),  # Gemini relayed by a router
        ("MAX_TOKENS", "length"),
        ("MALFORMED_FUNCTION_CALL", "stop"),
        ("something_new", "stop"),  # undocumented: the default
    ],
)
def test_vendor_finish_reasons(native: str, mapped: str) -> None:
    result = parse(answer({"content": "x"}, native), "hosted_vllm")
    choice = result.choices[0]
    assert choice.finish_reason == mapped and choice.native_finish_reason == native  # type: ignore[attr-defined]
    valid(result)


def test_openai_values_are_not_marked_native() -> None:
    choice = parse(answer({"content": "x"}, "length")).choices[0]
    assert choice.finish_reason == "length" and "native_finish_reason" not in (choice.model_extra or {})


@pytest.mark.parametrize("native", ["error", "abort", "ERROR"])
def test_a_broken_off_answer_is_an_upstream_error(native: str) -> None:
    with pytest.raises(modelmux.UpstreamError, match="broke off"):
        parse(answer({"content": "half an ans"}, native), "mistral")


# ---------------------------------------------------------------- errors inside a 200


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        ({"error": {"message": "Rate limit", "code": 429}}, modelmux.RateLimitError),  # OpenRouter
        ({"error": {"message": "no route", "code": 502}}, modelmux.UpstreamError),
        ({"error": {"message": "bad", "type": "invalid_request_error"}}, modelmux.BadRequestError),
        ({"object": "error", "message": "bad", "type": "BadRequestError", "code": 400}, modelmux.BadRequestError),
        (answer({"content": ""}, error={"message": "upstream died", "code": 503}), modelmux.ServiceUnavailableError),
    ],
)
def test_an_error_object_in_a_200_is_that_error(body: dict[str, Any], cls: type[Exception]) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with pytest.raises(cls) as info:
        modelmux.completion("openrouter/x/y", [{"role": "user", "content": "x"}], api_key=KEY, transport=transport)
    assert info.value.provider == "openrouter"  # type: ignore[attr-defined]


def test_an_error_on_a_broken_off_choice_is_that_error() -> None:
    body = answer({"content": "par"}, "error")
    body["choices"][0]["error"] = {"code": 429, "message": "Provider rate limited"}
    with pytest.raises(modelmux.RateLimitError, match="Provider rate limited"):
        parse(body, "openrouter")


def test_an_echoed_key_is_redacted() -> None:
    body = {"error": {"message": f"bad key {KEY}", "code": 401}}
    with pytest.raises(modelmux.AuthenticationError) as info:
        parse(body, "openrouter")
    assert KEY not in str(info.value) + repr(info.value.body) + info.value.message  # type: ignore[attr-defined]
