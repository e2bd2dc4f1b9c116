"""OpenAI dialect through the public API, with an injected transport."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai.types.chat as oa
import pytest
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

import modelmux
from modelmux.providers.openai.provider import join_url

KEY = "sk-test-0123456789abcdefghij"


def completion_json(**message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop", "logprobs": None}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7, "new_field": 1},
    }


class Recorder:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.requests[-1].content)  # type: ignore[no-any-return]


def call(rec: Recorder, **kw: Any) -> Any:
    kw.setdefault("messages", [{"role": "user", "content": "hi"}])
    return modelmux.completion(kw.pop("model", "openai/gpt-4o"), api_key=KEY, transport=httpx.MockTransport(rec), **kw)


def test_request_is_the_openai_request() -> None:
    rec = Recorder(httpx.Response(200, json=completion_json(content="hello")))
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    out = call(rec, temperature=0.5, max_tokens=10, tools=tools, tool_choice="required", seed=1, user="u", top_k=3)
    req = rec.requests[0]
    assert str(req.url) == "https://api.openai.com/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert rec.body == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
        "max_completion_tokens": 10,
        "tools": tools,
        "tool_choice": "required",
        "seed": 1,
        "user": "u",
        "top_k": 3,
    }
    # The body is a valid request by the official SDK's own request type (unknown provider extras aside).
    sdk_body = {k: v for k, v in rec.body.items() if k != "top_k"}
    TypeAdapter(CompletionCreateParamsNonStreaming).validate_python(sdk_body)
    oa.ChatCompletion.model_validate(out.model_dump())
    assert out.choices[0].message.content == "hello"
    assert out.usage.new_field == 1  # unknown fields are kept


def test_compatible_vendor_keeps_max_tokens_and_its_base() -> None:
    rec = Recorder(httpx.Response(200, json=completion_json(content="x")))
    call(rec, model="mistral/mistral-small-latest", max_tokens=10)
    assert str(rec.requests[0].url) == "https://api.mistral.ai/v1/chat/completions"
    assert rec.body["max_tokens"] == 10


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/v1/chat/completions"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000/v1/chat/completions"),
        ("http://h/v1", "http://h/v1/chat/completions"),
        ("http://h/openai/v1/", "http://h/openai/v1/chat/completions"),
        ("http://h/v1/chat/completions", "http://h/v1/chat/completions"),
    ],
)
def test_api_base(base: str, url: str) -> None:
    assert join_url(base, "/chat/completions") == url


def test_output_only_fields_are_not_sent_back() -> None:
    rec = Recorder(httpx.Response(200, json=completion_json(content="x")))
    history = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b", "reasoning_content": "r", "thinking_blocks": []},
        {"role": "user", "content": "c"},
    ]
    call(rec, messages=history)
    assert rec.body["messages"][1] == {"role": "assistant", "content": "b"}
    assert history[1]["reasoning_content"] == "r"  # the caller's list is not mutated


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choices = [{"index": 0, "delta": delta, "finish_reason": finish}] if delta is not None else []
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": choices, **extra}


STREAM = sse(
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hel"}),
    chunk({"content": "lo"}),
    chunk(
        {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}]}
    ),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
    chunk({}, "tool_calls"),
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    },
)


def test_stream_and_rebuild() -> None:
    rec = Recorder(httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"}))
    chunks = list(call(rec, stream=True, stream_options={"include_usage": True}))
    assert rec.body["stream"] is True and rec.body["stream_options"] == {"include_usage": True}
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())
    full = modelmux.stream_chunk_builder(chunks)
    oa.ChatCompletion.model_validate(full.model_dump())
    msg = full.choices[0].message
    assert msg.content == "Hello"
    assert msg.tool_calls[0].id == "call_1" and msg.tool_calls[0].function.arguments == '{"a": 1}'
    assert full.choices[0].finish_reason == "tool_calls"
    assert full.usage.total_tokens == 7


def test_stream_closed_early_closes_the_response() -> None:
    closed: list[bool] = []

    class Body(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield STREAM[:200]
            yield STREAM[200:]

        def close(self) -> None:
            closed.append(True)

    rec = Recorder(httpx.Response(200, stream=Body()))
    stream = call(rec, stream=True)
    next(stream)
    stream.close()
    assert closed


def test_async_completion_and_stream() -> None:
    async def main() -> tuple[Any, list[Any]]:
        t = httpx.MockTransport(Recorder(httpx.Response(200, json=completion_json(content="hey"))))
        one = await modelmux.acompletion("openai/gpt-4o", [{"role": "user", "content": "x"}], api_key=KEY, transport=t)
        t2 = httpx.MockTransport(Recorder(httpx.Response(200, content=STREAM)))
        s = await modelmux.acompletion(
            "openai/gpt-4o", [{"role": "user", "content": "x"}], api_key=KEY, transport=t2, stream=True
        )
        return one, [c async for c in s]

    one, chunks = asyncio.run(main())
    assert one.choices[0].message.content == "hey"
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "Hello"


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, {"error": {"message": "bad", "type": "invalid_request_error", "code": None}}, modelmux.BadRequestError),
        (
            400,
            {"error": {"message": "too long", "code": "context_length_exceeded"}},
            modelmux.ContextWindowExceededError,
        ),
        (
            401,
            {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}},
            modelmux.AuthenticationError,
        ),
        (403, {"error": {"message": "no"}}, modelmux.PermissionDeniedError),
        (
            404,
            {"error": {"message": "The model `x` does not exist", "code": "model_not_found"}},
            modelmux.NotFoundError,
        ),
        (429, {"error": {"message": "slow", "code": "rate_limit_exceeded"}}, modelmux.RateLimitError),
        (500, {"error": {"message": "oops"}}, modelmux.InternalServerError),
        (503, {"error": {"message": "busy"}}, modelmux.ServiceUnavailableError),
    ],
)
def test_errors(status: int, body: dict[str, Any], cls: type[Exception]) -> None:
    rec = Recorder(httpx.Response(status, json=body, headers={"x-request-id": "req_1", "retry-after": "2"}))
    with pytest.raises(cls) as info:
        call(rec)
    err = info.value
    assert type(err) is cls
    assert err.status_code == status and err.provider == "openai" and err.request_id == "req_1"  # type: ignore[attr-defined]
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in str(err.args)
    if cls is modelmux.RateLimitError:
        assert err.retry_after == 2.0  # type: ignore[attr-defined]


def test_garbage_answer_is_an_upstream_error() -> None:
    with pytest.raises(modelmux.UpstreamError):
        call(Recorder(httpx.Response(200, content=b"<html>gateway</html>")))


def test_stream_error_status_raises_before_iterating() -> None:
    with pytest.raises(modelmux.RateLimitError):
        call(Recorder(httpx.Response(429, json={"error": {"message": "x"}})), stream=True)


def test_error_event_mid_stream() -> None:
    body = (
        sse(chunk({"content": "a"}))[:-14]
        + b'data: {"error": {"message": "server had an error", "type": "server_error"}}\n\n'
    )
    stream = call(Recorder(httpx.Response(200, content=body)), stream=True)
    with pytest.raises(modelmux.InternalServerError, match="server had an error"):
        list(stream)


def test_malformed_stream_event_is_an_upstream_error() -> None:
    stream = call(Recorder(httpx.Response(200, content=b"data: {not json\n\n")), stream=True)
    with pytest.raises(modelmux.UpstreamError):
        list(stream)


def test_connection_errors_are_mapped() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    with pytest.raises(modelmux.APIConnectionError):
        modelmux.completion(
            "openai/gpt-4o", [{"role": "user", "content": "x"}], api_key=KEY, transport=httpx.MockTransport(refuse)
        )
    with pytest.raises(modelmux.APITimeoutError):
        modelmux.completion(
            "openai/gpt-4o", [{"role": "user", "content": "x"}], api_key=KEY, transport=httpx.MockTransport(slow)
        )


def test_compatible_server_quirks_still_give_valid_openai_objects() -> None:
    """Nulls and invented finish reasons from OpenAI-compatible servers are normalised."""
    body = completion_json(
        content=None, tool_calls=[{"id": "0", "type": "function", "function": {"name": "f", "arguments": None}}]
    )
    body["choices"][0]["finish_reason"] = "eos"
    body["usage"] = {"prompt_tokens": 3, "completion_tokens": None, "total_tokens": None}
    out = call(Recorder(httpx.Response(200, json=body)))
    oa.ChatCompletion.model_validate(out.model_dump())
    assert out.choices[0].finish_reason == "stop" and out.choices[0].native_finish_reason == "eos"  # type: ignore[attr-defined]
    assert out.choices[0].message.tool_calls[0].function.arguments == "{}"  # type: ignore[index]
    assert out.usage.completion_tokens == 0  # type: ignore[union-attr]

    stream = sse(chunk({"content": "x"}), chunk({}, "max_tokens"))
    chunks = list(call(Recorder(httpx.Response(200, content=stream)), stream=True))
    assert chunks[-1].choices[0].finish_reason == "length"


def test_async_stream_drain_hands_over_what_one_read_translated() -> None:
    """A relay can forward every chunk of one network read in one write (the gateway does)."""

    async def run() -> tuple[int, list[Any], list[Any]]:
        t = httpx.MockTransport(Recorder(httpx.Response(200, content=STREAM)))  # the whole stream in one read
        stream = await modelmux.acompletion(
            "openai/gpt-4o", [{"role": "user", "content": "x"}], api_key=KEY, transport=t, stream=True
        )
        first = await stream.__anext__()
        rest = stream.drain()
        after = [c async for c in stream]
        return (1 if first else 0), rest, after

    first, rest, after = asyncio.run(run())
    assert first == 1 and len(rest) == 7 and after == []
