"""Mistral: its request schema, quirks and errors, through ``modelmux.completion`` with an injected transport.

Request bodies are checked against the official ``mistralai`` SDK's request models (a dev dependency):
every field must be one the SDK's model declares (Mistral answers 422 to any other) and validate.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mistralai.client.models import ChatCompletionRequest, ChatCompletionStreamRequest

import modelmux
from modelmux.errors import BadRequestError, ContextWindowExceededError, UnsupportedParamsError
from modelmux.providers.mistral import MISTRAL
from modelmux.providers.mistral import provider as mistral

KEY = "mistral-test-key-0123456789"
USER = [{"role": "user", "content": "hi"}]
ANSWER = {
    "id": "a",
    "object": "chat.completion",
    "created": 1,
    "model": "mistral-small-latest",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def assert_mistral_schema(body: dict[str, Any]) -> None:
    """``body`` validates as the SDK's request, and carries no field the SDK's models do not declare."""
    model = ChatCompletionStreamRequest if body.get("stream") else ChatCompletionRequest
    request = model.model_validate(body)
    declared = {f.alias or name for name, f in type(request).model_fields.items()}
    assert set(body) <= declared, set(body) - declared
    for message, parsed in zip(body["messages"], request.messages, strict=True):
        fields = {f.alias or name for name, f in type(parsed).model_fields.items()}
        assert set(message) <= fields, (message["role"], set(message) - fields)


def call(
    status: int = 200, answer: Any = ANSWER, **kwargs: Any
) -> tuple[modelmux.ChatCompletion | None, dict[str, Any], httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        content = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    kwargs.setdefault("messages", USER)
    result = modelmux.completion(
        "mistral/mistral-small-latest", api_key=KEY, transport=httpx.MockTransport(handler), **kwargs
    )
    body = json.loads(seen[0].content)
    assert_mistral_schema(body)
    return result, body, seen[0]


def test_url_key_and_the_length_cap() -> None:
    result, body, request = call(max_completion_tokens=5, temperature=0.2)
    assert str(request.url) == "https://api.mistral.ai/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert body == {"model": "mistral-small-latest", "messages": USER, "max_tokens": 5, "temperature": 0.2}
    assert result is not None and result.choices[0].message.content == "hello"


def test_seed_is_random_seed_and_native_fields_pass() -> None:
    _, body, _ = call(seed=7, safe_prompt=True, prompt_mode="reasoning")
    assert body["random_seed"] == 7 and "seed" not in body
    assert body["safe_prompt"] is True and body["prompt_mode"] == "reasoning"


def test_native_fields_are_declared() -> None:
    assert {"random_seed", "safe_prompt", "prompt_mode"} <= mistral.native_params
    assert "seed" in mistral.supported_params and "user" not in mistral.supported_params


def test_no_stream_options_and_usage_from_the_last_chunk() -> None:
    events = [
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "He"}}]},
        {
            "id": "s",
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": "y"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4},
        },
    ]
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, content=sse.encode(), headers={"content-type": "text/event-stream"})

    chunks = list(
        modelmux.completion(
            "mistral/m",
            USER,
            api_key=KEY,
            stream=True,
            stream_options={"include_usage": True},
            transport=httpx.MockTransport(handler),
        )
    )
    assert "stream_options" not in seen[0] and seen[0]["stream"] is True
    assert_mistral_schema(seen[0])
    built = modelmux.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == "Hey" and built.usage is not None and built.usage.total_tokens == 4


def test_parameters_mistral_cannot_take_are_refused_before_sending() -> None:
    with pytest.raises(UnsupportedParamsError) as info:
        call(user="u-1")
    assert info.value.param == "user"
    with pytest.raises(UnsupportedParamsError):
        call(logit_bias={"1": 2})


def test_a_name_on_a_user_message_is_refused_or_dropped() -> None:
    named = [{"role": "user", "content": "hi", "name": "ann"}]
    with pytest.raises(UnsupportedParamsError) as info:
        call(messages=named)
    assert info.value.param == "messages"
    with pytest.warns(modelmux.errors.DroppedParamWarning):
        _, body, _ = call(messages=named, drop_params=True)
    assert body["messages"] == USER and named[0]["name"] == "ann"  # the caller's list is not touched


def test_developer_goes_as_system_and_tool_names_stay() -> None:
    messages = [
        {"role": "developer", "content": "be brief"},
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "abcDEF123", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "abcDEF123", "name": "f", "content": "1"},
    ]
    _, body, _ = call(messages=messages)
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["messages"][1:] == messages[1:]  # native ids and the tool's name pass as they are


def test_foreign_tool_call_ids_map_to_nine_alphanumerics_consistently() -> None:
    history = [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "toolu_01A09q90qw90lq917835lq9",
                    "type": "function",
                    "function": {"name": "f", "arguments": "{}"},
                },
                {"id": "call_abc-123", "type": "function", "function": {"name": "g", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": "1"},
        {"role": "tool", "tool_call_id": "call_abc-123", "content": "2"},
    ]
    _, first, _ = call(messages=history)
    ids = [c["id"] for c in first["messages"][1]["tool_calls"]]
    assert all(len(i) == 9 and i.isalnum() and i.isascii() for i in ids) and len(set(ids)) == 2
    assert [m["tool_call_id"] for m in first["messages"][2:]] == ids  # each result names its call
    _, again, _ = call(messages=[*history, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "n"}])
    assert [c["id"] for c in again["messages"][1]["tool_calls"]] == ids  # the same on every request
    assert history[1]["tool_calls"][0]["id"].startswith("toolu_")  # the caller's history is not touched


def test_tools_get_a_parameters_schema_and_json_schema_a_name() -> None:
    fmt = {"type": "json_schema", "json_schema": {"schema": {"type": "object"}, "strict": True}}
    tools = [{"type": "function", "function": {"name": "now", "description": "time"}}]
    _, body, _ = call(tools=tools, tool_choice="required", response_format=fmt)
    assert body["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": {"type": "object"}, "strict": True},
    }
    assert body["tool_choice"] == "required"


def test_service_tier_in_mistral_words() -> None:
    _, body, _ = call(service_tier="default")
    assert body["service_tier"] == "standard_only"
    with pytest.raises(UnsupportedParamsError):
        call(service_tier="flex")


def test_streamed_tool_calls_that_come_whole_and_without_index() -> None:
    calls = [
        {"id": "aaaaaaaa1", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"id": "bbbbbbbb2", "function": {"name": "g", "arguments": "{}"}},
    ]
    events = [
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": calls}}]},
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "tool_calls"}]},
    ]
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=sse.encode()))
    chunks = list(modelmux.completion("mistral/m", USER, api_key=KEY, stream=True, transport=transport))
    deltas = [tc for c in chunks for ch in c.choices for tc in ch.delta.tool_calls or ()]
    assert [(d.index, d.id, d.type) for d in deltas] == [(0, "aaaaaaaa1", "function"), (1, "bbbbbbbb2", "function")]
    built = modelmux.stream_chunk_builder(chunks).choices[0].message
    assert built.tool_calls is not None
    assert [(t.id, t.function.name, t.function.arguments) for t in built.tool_calls] == [
        ("aaaaaaaa1", "f", '{"x": 1}'),
        ("bbbbbbbb2", "g", "{}"),
    ]


# ---------------------------------------------------------------- errors

DETAIL = [
    {
        "type": "extra_forbidden",
        "loc": ["body", "messages", 0, "user", "name"],
        "msg": "Extra inputs are not permitted",
        "input": "secret user text",
    },
    {"type": "extra_forbidden", "loc": ["body", "foo"], "msg": "Extra inputs are not permitted", "input": 1},
]
ENVELOPES = [
    {"object": "error", "message": {"detail": DETAIL}, "type": "invalid_request_error", "param": None, "code": None},
    {"object": "Error", "detail": DETAIL, "message": DETAIL, "type": "invalid_request_error", "code": 3001},
]


@pytest.mark.parametrize("envelope", ENVELOPES, ids=["2024", "2025"])
def test_422_validation_errors_name_the_field(envelope: dict[str, Any]) -> None:
    with pytest.raises(BadRequestError) as info:
        call(status=422, answer=envelope)
    err = info.value
    assert type(err) is BadRequestError and err.status_code == 422
    assert err.param == "messages[0].user.name" and err.code == "extra_forbidden"
    assert "messages[0].user.name: Extra inputs are not permitted" in err.message and "foo:" in err.message
    assert "secret user text" not in str(err) + json.dumps(err.body)
    assert KEY not in str(err) + repr(err)


def test_context_window_and_other_errors() -> None:
    too_long = {
        "object": "error",
        "message": "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context "
        "length",
        "type": "invalid_request_error",
        "param": None,
        "code": "3051",
    }
    with pytest.raises(ContextWindowExceededError):
        call(status=400, answer=too_long)
    with pytest.raises(modelmux.AuthenticationError) as info:
        call(status=401, answer={"message": "Unauthorized", "request_id": "r1"})
    assert info.value.message == "Unauthorized"
    with pytest.raises(modelmux.RateLimitError):
        call(status=429, answer={"object": "error", "message": "Requests rate limit exceeded", "type": "rate_limited"})
    with pytest.raises(BadRequestError) as bad:
        call(status=422, answer=b"not json")
    assert bad.value.status_code == 422


def test_the_profile() -> None:
    assert mistral.profile is MISTRAL
    assert MISTRAL.tool_call_ids == "alnum9" and MISTRAL.max_tokens_field == "max_tokens"
    assert MISTRAL.stream_options is False and MISTRAL.developer_role is False


def test_embeddings_in_mistral_words() -> None:
    from mistralai.client.models import EmbeddingRequest

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}]
        return httpx.Response(200, json={"object": "list", "data": data, "model": "mistral-embed", "usage": {
            "prompt_tokens": 2, "total_tokens": 2}})  # fmt: skip

    out = modelmux.embedding(
        "mistral/mistral-embed", "hi", dimensions=2, api_key=KEY, transport=httpx.MockTransport(handler)
    )
    body = json.loads(seen[0].content)
    assert str(seen[0].url) == "https://api.mistral.ai/v1/embeddings"
    assert body["output_dimension"] == 2 and "dimensions" not in body
    request = EmbeddingRequest.model_validate(body)
    assert set(body) <= {f.alias or n for n, f in type(request).model_fields.items()}
    assert out.data[0].embedding == [0.1, 0.2]
    with pytest.raises(UnsupportedParamsError):
        modelmux.embedding("mistral/mistral-embed", "hi", user="u", api_key=KEY, transport=httpx.MockTransport(handler))
