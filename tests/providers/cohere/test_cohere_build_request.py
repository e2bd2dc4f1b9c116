"""The ``/v2/chat`` body: OpenAI params → Cohere fields, messages, tools, response formats; checked with the
``cohere`` SDK's request types (the oracle for field names and shapes)."""

from __future__ import annotations

import inspect
import json
from typing import Any

import cohere
import httpx
import pydantic
import pytest

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers._base import CallContext
from modelmux.providers.cohere import provider
from modelmux.providers.cohere.provider import endpoint_url

CHAT_FIELDS = set(inspect.signature(cohere.ClientV2.chat).parameters) - {"self", "request_options"}
MESSAGE = pydantic.TypeAdapter(cohere.ChatMessageV2)
TOOL = pydantic.TypeAdapter(cohere.ToolV2)
RESPONSE_FORMAT = pydantic.TypeAdapter(cohere.ResponseFormatV2)
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def ctx(**kwargs: Any) -> CallContext:
    kwargs.setdefault("api_key", "test-key")
    return CallContext("cohere", "command-a-03-2025", "https://api.cohere.com", **kwargs)


def body_for(params: dict[str, Any], **ctx_kwargs: Any) -> dict[str, Any]:
    request = provider.build_chat_request(
        {"messages": [{"role": "user", "content": "hi"}], **params}, ctx(**ctx_kwargs)
    )
    body: dict[str, Any] = request.json
    assert set(body) <= CHAT_FIELDS | {"stream"}, set(body) - CHAT_FIELDS
    for message in body["messages"]:
        MESSAGE.validate_python(message)
    for tool in body.get("tools", ()):
        TOOL.validate_python(tool)
    if "response_format" in body:
        RESPONSE_FORMAT.validate_python(body["response_format"])
    return body


def test_sampling_params_are_renamed() -> None:
    body = body_for(
        {
            "temperature": 0.2,
            "top_p": 0.9,
            "max_completion_tokens": 50,
            "stop": "END",
            "seed": 7,
            "presence_penalty": 0.1,
            "frequency_penalty": 0.3,
        }
    )
    assert body == {
        "model": "command-a-03-2025",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "p": 0.9,
        "max_tokens": 50,
        "stop_sequences": ["END"],
        "seed": 7,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.3,
        "stream": False,
    }
    assert body_for({"max_tokens": 9, "stop": ["a", "b"]})["stop_sequences"] == ["a", "b"]


def test_response_formats() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert body_for({"response_format": {"type": "json_object"}})["response_format"] == {"type": "json_object"}
    spec = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": True}}
    assert body_for({"response_format": spec})["response_format"] == {"type": "json_object", "json_schema": schema}
    assert "response_format" not in body_for({"response_format": {"type": "text"}})
    with pytest.raises(BadRequestError, match=r"json_schema\.schema"):
        body_for({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}})


@pytest.mark.parametrize(
    ("choice", "native", "names"),
    [
        ("auto", None, ["weather", "time"]),
        ("required", "REQUIRED", ["weather", "time"]),
        ("none", "NONE", ["weather", "time"]),
        ({"type": "function", "function": {"name": "time"}}, "REQUIRED", ["time"]),
    ],
)
def test_tool_choice(choice: Any, native: str | None, names: list[str]) -> None:
    time_tool = {"type": "function", "function": {"name": "time"}}
    body = body_for({"tools": [WEATHER, time_tool], "tool_choice": choice})
    assert body.get("tool_choice") == native
    assert [t["function"]["name"] for t in body["tools"]] == names
    assert body["tools"][-1]["function"]["parameters"] == {"type": "object", "properties": {}}


def test_strict_tools_only_when_every_tool_is_strict() -> None:
    strict = {"type": "function", "function": {**WEATHER["function"], "strict": True}}
    assert body_for({"tools": [strict]})["strict_tools"] is True
    assert "strict_tools" not in body_for({"tools": [strict, WEATHER]})
    assert "strict" not in body_for({"tools": [strict]})["tools"][0]["function"]


def test_what_cohere_cannot_express() -> None:
    with pytest.raises(UnsupportedParamsError, match="parallel_tool_calls"):
        body_for({"tools": [WEATHER], "parallel_tool_calls": False})
    with pytest.raises(UnsupportedParamsError, match="'n'"):
        body_for({"n": 2})
    with pytest.warns(modelmux.DroppedParamWarning):
        assert "n" not in body_for({"n": 2}, drop_params=True)
    with pytest.raises(BadRequestError, match="function tools only"):
        body_for({"tools": [{"type": "custom", "custom": {"name": "x"}}]})
    with pytest.raises(BadRequestError, match="not one of the tools"):
        body_for({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}})


def test_reasoning_effort_and_native_fields() -> None:
    assert body_for({"reasoning_effort": "high"})["thinking"] == {"type": "enabled"}
    assert body_for({"reasoning_effort": "none"})["thinking"] == {"type": "disabled"}
    docs = [{"id": "d1", "data": {"title": "t", "text": "x"}}]
    body = body_for({}, extra_body={"documents": docs, "thinking": {"type": "enabled", "token_budget": 500}})
    assert body["documents"] == docs and body["thinking"]["token_budget"] == 500


def test_messages_every_role() -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "developer", "content": [{"type": "text", "text": "and kind"}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "I will look it up.",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": {"city": "x"}}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]},
        {"role": "assistant", "content": "It is sunny.", "reasoning_content": "easy"},
    ]
    body = body_for({"messages": messages})
    assert body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "system", "content": [{"type": "text", "text": "and kind"}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "x"}'}}
            ],
            "tool_plan": "I will look it up.",
        },
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]},
        {
            "role": "assistant",
            "content": [{"type": "thinking", "thinking": "easy"}, {"type": "text", "text": "It is sunny."}],
        },
    ]


@pytest.mark.parametrize(
    "message",
    [
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}]},
        {"role": "function", "name": "f", "content": "x"},
        {"role": "tool", "content": "no id"},
    ],
)
def test_untranslatable_messages_are_bad_requests(message: dict[str, Any]) -> None:
    with pytest.raises(BadRequestError):
        body_for({"messages": [message]})


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.cohere.com", "https://api.cohere.com/v2/chat"),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9/v2/chat"),
        ("https://proxy.example/cohere/v2", "https://proxy.example/cohere/v2/chat"),
    ],
)
def test_api_base_gets_the_native_path(base: str, url: str) -> None:
    assert endpoint_url(base, "chat") == url


def test_headers_and_url_through_completion() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = {
            "id": "r1",
            "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
            "usage": {
                "billed_units": {"input_tokens": 1, "output_tokens": 1},
                "tokens": {"input_tokens": 9, "output_tokens": 2},
            },
        }
        return httpx.Response(200, json=answer)

    result = modelmux.completion(
        "cohere/command-a-03-2025",
        [{"role": "user", "content": "hi"}],
        api_key="secret-key-123",
        transport=httpx.MockTransport(handler),
        documents=["Paris is in France."],
        safety_mode="OFF",
    )
    assert result.choices[0].message.content == "ok"
    assert result.usage is not None and result.usage.prompt_tokens == 9 and result.usage.completion_tokens == 2
    assert seen[0].url == "https://api.cohere.com/v2/chat"
    assert seen[0].headers["authorization"] == "Bearer secret-key-123"
    sent = json.loads(seen[0].content)
    assert sent["documents"] == ["Paris is in France."] and sent["safety_mode"] == "OFF"
