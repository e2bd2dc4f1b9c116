"""Converse answers, ConverseStream events and error answers → OpenAI-format results and exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bedrock_helpers import events_from_converse, make_ctx

from modelmux import ChatCompletion, ChatCompletionChunk, stream_chunk_builder
from modelmux.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UpstreamError,
)
from modelmux.providers.bedrock import provider
from modelmux.providers.bedrock.errors import InvalidCredentialsError
from modelmux.providers.bedrock.map_stop_reason import map_stop_reason

USAGE = {
    "inputTokens": 10,
    "outputTokens": 5,
    "totalTokens": 45,
    "cacheReadInputTokens": 20,
    "cacheWriteInputTokens": 10,
}


def answer(
    content: list[dict[str, Any]], stop: str = "end_turn", usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": usage or USAGE,
    }


def parse(data: dict[str, Any]) -> ChatCompletion:
    return provider.parse_chat_response(json.dumps(data).encode(), make_ctx())


def translate(events: list[tuple[str, Any]], include_usage: bool = True) -> list[ChatCompletionChunk]:
    translator = provider.chat_stream_translator(make_ctx(include_usage=include_usage))
    chunks: list[ChatCompletionChunk] = []
    for name, payload in events:
        chunks += translator.feed(name, json.dumps(payload))
    return chunks + translator.finish()


def both(data: dict[str, Any]) -> tuple[ChatCompletion, ChatCompletion]:
    return parse(data), stream_chunk_builder(translate(events_from_converse(data)))


def same(a: ChatCompletion, b: ChatCompletion) -> None:
    def view(r: ChatCompletion) -> dict[str, Any]:
        d = r.model_dump(exclude={"id", "created"})
        for call in d["choices"][0]["message"].get("tool_calls") or []:
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])
        return d

    assert view(a) == view(b)


@pytest.mark.parametrize(
    ("native", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("malformed_tool_use", "tool_calls"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("malformed_model_output", "stop"),
        ("something_new", "stop"),
        (None, "stop"),
    ],
)
def test_every_stop_reason(native: str | None, finish: str) -> None:
    assert map_stop_reason(native, has_tool_calls=True) == finish
    assert map_stop_reason("tool_use", has_tool_calls=False) == "stop"


def test_text_usage_and_cache_tokens() -> None:
    plain, streamed = both(answer([{"text": "Hello "}, {"text": "world"}]))
    same(plain, streamed)
    assert plain.choices[0].message.content == "Hello world"
    usage = plain.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (40, 5, 45)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 20
    dumped = usage.model_dump()
    assert dumped["cache_read_input_tokens"] == 20 and dumped["cache_creation_input_tokens"] == 10


def test_guardrail_intervention_is_a_content_filter() -> None:
    plain, streamed = both(answer([{"text": "Sorry, the model cannot answer this question."}], "guardrail_intervened"))
    same(plain, streamed)
    assert plain.choices[0].finish_reason == "content_filter"
    assert plain.choices[0].native_finish_reason == "guardrail_intervened"


def test_tool_calls_and_server_tools() -> None:
    data = answer(
        [
            {
                "toolUse": {
                    "toolUseId": "srv",
                    "name": "nova_code_interpreter",
                    "type": "server_tool_use",
                    "input": {"x": 1},
                }
            },
            {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Paris"}}},
            {"toolUse": {"toolUseId": "t2", "name": "get_time", "input": {}}},
        ],
        "tool_use",
    )
    plain, streamed = both(data)
    same(plain, streamed)
    calls = plain.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("t1", "get_weather", {"city": "Paris"}),
        ("t2", "get_time", {}),
    ]
    assert plain.choices[0].finish_reason == "tool_calls" and plain.choices[0].message.content is None


def test_the_json_tool_becomes_content() -> None:
    data = answer(
        [{"toolUse": {"toolUseId": "j", "name": "modelmux_json_output", "input": {"city": "Paris"}}}], "tool_use"
    )
    plain, streamed = both(data)
    same(plain, streamed)
    assert json.loads(plain.choices[0].message.content or "") == {"city": "Paris"}
    assert plain.choices[0].finish_reason == "stop" and not plain.choices[0].message.tool_calls


def test_reasoning_with_signatures_and_redacted_content() -> None:
    data = answer(
        [
            {"reasoningContent": {"reasoningText": {"text": "Think. ", "signature": "sig1"}}},
            {"reasoningContent": {"redactedContent": "b3BhcXVl"}},
            {"reasoningContent": {"reasoningText": {"text": "Unsigned."}}},
            {"text": "Answer"},
        ]
    )
    plain, streamed = both(data)
    same(plain, streamed)
    message = plain.choices[0].message
    assert message.reasoning_content == "Think. Unsigned."
    assert message.model_dump()["thinking_blocks"] == [
        {"type": "thinking", "thinking": "Think. ", "signature": "sig1"},
        {"type": "redacted_thinking", "data": "b3BhcXVl"},
    ]


def test_citations_content_is_text() -> None:
    plain = parse(answer([{"citationsContent": {"content": [{"text": "Ruby "}, {"text": "1993"}], "citations": []}}]))
    assert plain.choices[0].message.content == "Ruby 1993"


def test_stream_chunk_order_and_usage_chunk() -> None:
    chunks = translate(events_from_converse(answer([{"text": "Hi"}])))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in translate(events_from_converse(answer([{"text": "Hi"}])), include_usage=False))


def test_the_last_stop_event_wins() -> None:
    events = events_from_converse(answer([{"text": "Hi"}]))
    events.insert(-1, ("messageStop", {"stopReason": "max_tokens"}))
    finishes = [c.choices[0].finish_reason for c in translate(events) if c.choices and c.choices[0].finish_reason]
    assert finishes == ["length"]


@pytest.mark.parametrize("missing", ["messageStop", "metadata"])
def test_a_cut_stream_is_an_upstream_error(missing: str) -> None:
    events = [e for e in events_from_converse(answer([{"text": "Hi"}])) if e[0] != missing]
    with pytest.raises(UpstreamError, match=missing):
        translate(events)


@pytest.mark.parametrize(
    ("name", "cls", "status"),
    [
        ("throttlingException", RateLimitError, 429),
        ("modelStreamErrorException", UpstreamError, 424),
        ("validationException", BadRequestError, 400),
        ("internalServerException", InternalServerError, 500),
        ("serviceUnavailableException", ServiceUnavailableError, 503),
    ],
)
def test_exceptions_in_the_stream(name: str, cls: type[Exception], status: int) -> None:
    translator = provider.chat_stream_translator(make_ctx())
    translator.feed("messageStart", '{"role": "assistant"}')
    with pytest.raises(cls) as info:
        translator.feed(name, json.dumps({"message": "went wrong", "originalMessage": "details"}))
    assert getattr(info.value, "status_code", None) == status
    assert "went wrong" in str(info.value)


def test_error_message_in_the_stream() -> None:
    translator = provider.chat_stream_translator(make_ctx())
    with pytest.raises(InternalServerError):
        translator.feed("error", json.dumps({"code": "InternalServerException", "message": "boom"}))


@pytest.mark.parametrize(
    ("status", "error_type", "message", "cls"),
    [
        (400, "ValidationException", "Malformed input request", BadRequestError),
        (400, "ValidationException", "Input is too long for requested model.", ContextWindowExceededError),
        (403, "AccessDeniedException", "You don't have access to the model", PermissionDeniedError),
        (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            InvalidCredentialsError,
        ),
        (403, None, "The security token included in the request is expired", InvalidCredentialsError),
        (401, None, "Invalid API Key format", AuthenticationError),
        (404, "ResourceNotFoundException", "Model not found", NotFoundError),
        (429, "ThrottlingException", "Too many requests", RateLimitError),
        (424, "ModelErrorException", "The model failed", UpstreamError),
        (500, "InternalServerException", "oops", InternalServerError),
        (503, "ServiceUnavailableException", "later", ServiceUnavailableError),
        (418, None, "odd", BadRequestError),
    ],
)
def test_http_errors(status: int, error_type: str | None, message: str, cls: type[Exception]) -> None:
    headers = {"x-amzn-requestid": "req-1"}
    if error_type:
        headers["x-amzn-errortype"] = f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"
    err = provider.map_error(status, headers, json.dumps({"message": message}).encode(), make_ctx())
    assert type(err) is cls
    assert err.status_code == status and err.message == message and err.request_id == "req-1"
    assert err.native_type == error_type


def test_bad_credentials_are_both_authentication_and_permission_errors() -> None:
    err = provider.map_error(
        403, {}, b'{"message": "The security token included in the request is invalid."}', make_ctx()
    )
    assert isinstance(err, AuthenticationError) and isinstance(err, PermissionDeniedError)
    assert err.type == "authentication_error" and err.status_code == 403


def test_unreadable_error_body() -> None:
    err = provider.map_error(502, {}, b"<html>bad gateway</html>", make_ctx())
    assert isinstance(err, UpstreamError) and "bad gateway" in err.message


def test_garbage_answer_is_not_a_success() -> None:
    with pytest.raises((KeyError, ValueError, TypeError)):
        provider.parse_chat_response(b'{"unexpected": true}', make_ctx())
