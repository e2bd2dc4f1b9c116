"""Typical LiteLLM snippets (from LiteLLM's docs), run unchanged but for ``import modelmux as litellm``.

Each test is written as LiteLLM users write it, on the offline mock or on an injected transport that answers as the
provider would.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import httpx
import pydantic
import pytest

import modelmux as litellm
from modelmux.exceptions import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    RateLimitError,
    Timeout,
)

KEY = "sk-test-0123456789abcdefghij"
MESSAGES = [{"content": "Hello, how are you?", "role": "user"}]


def openai_answer(content: str = "I'm fine", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        **extra,
    }


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini", "choices": [choice]}


class Recorder:
    """An httpx handler that records requests and answers with a fixed response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return self.response


def openai(rec: Recorder) -> dict[str, Any]:
    return {"api_key": KEY, "transport": httpx.MockTransport(rec)}


# ----------------------------------------------------------------------------------------------- completion


def test_completion_reads_as_a_dict_and_as_attributes() -> None:
    response = litellm.completion(model="mock/demo", messages=MESSAGES)
    content = response["choices"][0]["message"]["content"]
    assert content and content == response.choices[0].message.content
    assert response.choices[0].message["content"] == content
    assert response.choices[0]["finish_reason"] == "stop"
    assert "usage" in response and response.get("usage") is response.usage
    assert response["usage"]["total_tokens"] == response.usage.total_tokens > 0  # type: ignore[union-attr]
    assert "nope" not in response and response.get("nope", 42) == 42
    with pytest.raises(KeyError):
        response["nope"]


def test_mock_response_with_any_model_name() -> None:
    response = litellm.completion(model="gpt-3.5-turbo", messages=MESSAGES, mock_response="It's simple to use and easy")
    assert response["choices"][0]["message"]["content"] == "It's simple to use and easy"


def test_completion_on_an_injected_transport_keeps_provider_extras_readable() -> None:
    rec = Recorder(httpx.Response(200, json=openai_answer(service_tier="default")))
    response = litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, **openai(rec))
    assert response["choices"][0]["message"]["content"] == "I'm fine"
    assert response["service_tier"] == "default" and "service_tier" in response  # an extra field, kept as sent
    assert rec.bodies[0]["messages"] == MESSAGES


WEATHER = {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}


def test_tool_calls_read_as_dicts() -> None:
    tools = [{"type": "function", "function": {"name": "get_current_weather", "parameters": WEATHER}}]
    response = litellm.completion(model="mock/demo", messages=MESSAGES, tools=tools, tool_choice="auto")
    call = response["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_current_weather"
    assert "location" in json.loads(call["function"]["arguments"])


def test_function_calling_loop_from_litellms_docs() -> None:
    tools = [{"type": "function", "function": {"name": "get_current_weather", "parameters": WEATHER}}]
    messages: list[Any] = [{"role": "user", "content": "What's the weather like in Paris?"}]
    response = litellm.completion(model="mock/demo", messages=messages, tools=tools, tool_choice="auto")
    response_message = response.choices[0].message
    tool_calls = response_message.tool_calls
    assert tool_calls
    messages.append(response_message)  # the message model goes back in as it is
    for tool_call in tool_calls:
        assert tool_call.function is not None
        args = json.loads(tool_call.function.arguments)
        messages.append(
            {
                "tool_call_id": tool_call.id,
                "role": "tool",
                "name": tool_call.function.name,
                "content": json.dumps({"location": args.get("location"), "temperature": "22"}),
            }
        )
    second = litellm.completion(model="mock/demo", messages=messages, tools=tools)
    assert second["choices"][0]["message"]["content"] and not second["choices"][0]["message"]["tool_calls"]


# ------------------------------------------------------------------------------------------------ streaming


def test_streaming_then_stream_chunk_builder() -> None:
    chunks = []
    response = litellm.completion(model="mock/demo", messages=MESSAGES, stream=True)
    text = ""
    for part in response:
        text += part.choices[0].delta.content or ""
        assert part["choices"][0]["delta"].get("content") == part.choices[0].delta.content
        chunks.append(part)
    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert text and rebuilt["choices"][0]["message"]["content"] == text
    assert rebuilt.choices[0].finish_reason == "stop"


def test_stream_chunk_builder_on_an_injected_transport() -> None:
    body = sse(chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk({}, "stop"))
    rec = Recorder(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    chunks = list(litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, stream=True, **openai(rec)))
    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert rebuilt["choices"][0]["message"]["content"] == "Hello"
    assert rebuilt["choices"][0]["finish_reason"] == "stop"
    assert rebuilt["model"] == "gpt-4o-mini"


def test_stream_usage_comes_from_the_stream_not_an_estimate() -> None:
    chunks = list(
        litellm.completion(model="mock/demo", messages=MESSAGES, stream=True, stream_options={"include_usage": True})
    )
    assert all(isinstance(c, litellm.ModelResponseStream) for c in chunks)
    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert isinstance(rebuilt, litellm.ModelResponse) and isinstance(rebuilt.usage, litellm.Usage)
    assert rebuilt["usage"]["completion_tokens"] > 0
    # LiteLLM estimates usage from ``messages`` when the stream did not report it; modelmux does not guess.
    plain = list(litellm.completion(model="mock/demo", messages=MESSAGES, stream=True))
    assert litellm.stream_chunk_builder(plain, messages=MESSAGES).get("usage") is None


def test_acompletion_and_async_streaming() -> None:
    async def run() -> tuple[str | None, str]:
        response = await litellm.acompletion(model="mock/demo", messages=MESSAGES)
        stream = await litellm.acompletion(model="mock/demo", messages=MESSAGES, stream=True)
        text = ""
        async for part in stream:
            text += part["choices"][0]["delta"]["content"] or ""
        return response["choices"][0]["message"]["content"], text

    whole, streamed = asyncio.run(run())
    assert whole and streamed and whole == streamed


# ------------------------------------------------------------------------------------------------ embedding


def test_embedding_data_reads_as_dicts() -> None:
    response = litellm.embedding(model="mock/embed", input=["good morning from litellm"])
    vector = response.data[0]["embedding"]
    assert isinstance(vector, list) and vector == response["data"][0]["embedding"] == response.data[0].embedding
    assert response["usage"]["prompt_tokens"] >= 0


# ----------------------------------------------------------------------------------------------- exceptions


def failing(status: int, error: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    return openai(Recorder(httpx.Response(status, json={"error": error}, headers=headers)))


def test_rate_limit_caught_by_litellm_names() -> None:
    error = {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}
    try:
        litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, **failing(429, error, {"retry-after": "2"}))
    except litellm.exceptions.RateLimitError as e:
        assert e.status_code == 429 and e.llm_provider == e.provider == "openai"
        assert e.model == "gpt-4o-mini" and "Rate limit reached" in e.message
        assert isinstance(e, RateLimitError) and isinstance(e, litellm.RateLimitError)
    else:
        pytest.fail("no RateLimitError")


def test_auth_and_context_window_errors() -> None:
    with pytest.raises(AuthenticationError) as auth:
        litellm.completion(
            model="openai/gpt-4o-mini", messages=MESSAGES, **failing(401, {"message": "bad key", "code": "x"})
        )
    assert auth.value.status_code == 401 and auth.value.llm_provider == "openai"
    too_long = {"message": "maximum context length is 8192 tokens", "code": "context_length_exceeded"}
    with pytest.raises(ContextWindowExceededError) as ctx:
        litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, **failing(400, too_long))
    assert isinstance(ctx.value, BadRequestError) and ctx.value.status_code == 400


def test_timeout_is_litellm_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(litellm.Timeout) as caught:
        litellm.completion(
            model="openai/gpt-4o-mini", messages=MESSAGES, api_key=KEY, transport=httpx.MockTransport(handler)
        )
    assert isinstance(caught.value, Timeout) and isinstance(caught.value, APIConnectionError)
    assert caught.value.llm_provider == "openai"


def test_mock_errors_carry_the_provider() -> None:
    with pytest.raises(litellm.exceptions.RateLimitError) as caught:
        litellm.completion(model="mock/demo", messages=MESSAGES, mock_response=litellm.RateLimitError("slow down"))
    assert caught.value.llm_provider == caught.value.provider


# ---------------------------------------------------------------------------------------- response_format


class CalendarEvent(pydantic.BaseModel):
    name: str
    date: str
    participants: list[str]


def test_response_format_pydantic_class_on_the_mock() -> None:
    response = litellm.completion(model="mock/demo", messages=MESSAGES, response_format=CalendarEvent)
    event = CalendarEvent.model_validate_json(response.choices[0].message.content or "")
    assert isinstance(event.participants, list)


def test_response_format_pydantic_class_is_sent_as_strict_json_schema() -> None:
    event = {"name": "Science fair", "date": "Friday", "participants": ["Alice", "Bob"]}
    rec = Recorder(httpx.Response(200, json=openai_answer(json.dumps(event))))
    response = litellm.completion(
        model="openai/gpt-4o-mini", messages=MESSAGES, response_format=CalendarEvent, **openai(rec)
    )
    assert rec.bodies[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "CalendarEvent",
            "strict": True,
            "schema": {
                "type": "object",
                "title": "CalendarEvent",
                "properties": {
                    "name": {"title": "Name", "type": "string"},
                    "date": {"title": "Date", "type": "string"},
                    "participants": {"title": "Participants", "type": "array", "items": {"type": "string"}},
                },
                "required": ["name", "date", "participants"],
                "additionalProperties": False,
            },
        },
    }
    assert CalendarEvent.model_validate_json(response["choices"][0]["message"]["content"]).participants == [
        "Alice",
        "Bob",
    ]


# -------------------------------------------------------------------------------------- process-wide settings


def test_module_settings_raise_and_point_to_the_explicit_api() -> None:
    with pytest.raises(litellm.ModuleSettingError, match=r"functools\.partial"):
        litellm.drop_params = True  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"modelmux\.callbacks\.register\(handler\)"):
        litellm.success_callback = ["langfuse"]  # type: ignore[attr-defined]
    assert "drop_params" not in vars(litellm)
    completion = functools.partial(litellm.completion, drop_params=True)
    with pytest.warns(litellm.DroppedParamWarning):
        response = completion(model="mock/demo", messages=MESSAGES, litellm_call_id="abc")
    assert response["choices"][0]["message"]["content"]


# ---------------------------------------------------------------------------------------- keys, cost, tokens


def test_key_from_the_environment_cost_and_token_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=openai_answer())

    response = litellm.completion(model="gpt-4o-mini", messages=MESSAGES, transport=httpx.MockTransport(handler))
    assert seen == [f"Bearer {KEY}"]
    cost = litellm.completion_cost(completion_response=response)
    assert isinstance(cost, float) and cost > 0
    assert litellm.token_counter(model="gpt-3.5-turbo", messages=MESSAGES) > 0
