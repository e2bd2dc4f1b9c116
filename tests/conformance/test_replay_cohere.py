"""Recorded Cohere v2 traffic (``cassettes/*/cohere-v2/``), translated and replayed through ``modelmux.completion``.

Every ``/v2/chat`` interaction is checked: the provider's pure functions against the native answer (JSON or
Cohere's named SSE events, read independently in :mod:`.cohere_native`); and end to end, as
``completion(model="cohere/<model>", messages=<the recorded conversation>, api_key=..., stream=...)``, in the
recorded mode and in the other one (the same answer re-expressed as a stream, or a stream folded into one
answer). What modelmux sends is compared with what the recording client sent and validated with the
``cohere`` SDK's own types.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
from typing import Any

import cohere
import pydantic
import pytest

import modelmux
from modelmux.errors import APIError
from modelmux.providers._base import CallContext
from modelmux.providers.cohere import provider

from .cassette import CASSETTES_ROOT, Interaction, iter_cassettes, load_cassette
from .checks import assert_chunks_valid, assert_matches
from .cohere_native import answer_as_sse, expected_from_cohere, native_answer, openai_request_from_native
from .expected import parse_sse
from .replay import ReplayServer, ReplayTransport

KEY = "test-key-cohere-0123456789"

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{it.index}")
    for path in iter_cassettes(CASSETTES_ROOT, {"cohere-v2"})
    for it in load_cassette(path)
    if it.path == "/v2/chat"
]
OK_CASES = [c for c in CASES if c.values[0].status < 400]
ERROR_CASES = [c for c in CASES if c.values[0].status >= 400]
SSE_CASES = [c for c in OK_CASES if c.values[0].stream_format == "sse"]

_MESSAGE = pydantic.TypeAdapter(cohere.ChatMessageV2)
_TOOL = pydantic.TypeAdapter(cohere.ToolV2)
_RESPONSE_FORMAT = pydantic.TypeAdapter(cohere.ResponseFormatV2)
_CHAT_FIELDS = set(inspect.signature(cohere.ClientV2.chat).parameters) - {"self", "request_options"}


def model_of(it: Interaction) -> str:
    return str(it.request_json["model"])


def is_stream(it: Interaction) -> bool:
    return bool(it.request_json.get("stream"))


def ctx_for(it: Interaction, *, stream: bool) -> CallContext:
    return CallContext("cohere", model_of(it), "https://api.cohere.com", api_key=KEY, stream=stream, include_usage=True)


def stream_translate(it: Interaction, body: bytes) -> modelmux.ChatCompletion:
    translator = provider.chat_stream_translator(ctx_for(it, stream=True))
    chunks: list[modelmux.ChatCompletionChunk] = []
    for event in parse_sse(body.decode()):
        chunks += translator.feed(event.event or "", event.data)
    chunks += translator.finish()
    assert_chunks_valid(chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    return modelmux.stream_chunk_builder(chunks)


def as_other_mode(it: Interaction) -> Interaction:
    """The same answer served in the other mode (JSON ↔ Cohere SSE)."""
    if it.status >= 400:
        return it
    if it.stream_format == "sse":
        body, kind = json.dumps(native_answer(it)).encode(), "application/json"
    else:
        body, kind = answer_as_sse(it.json()), "text/event-stream"
    headers = [(k, v) for k, v in it.response_headers if k not in {"content-type", "content-encoding"}]
    return dataclasses.replace(it, response_body=body, response_headers=[*headers, ("content-type", kind)])


def assert_error(err: APIError, it: Interaction) -> None:
    body = it.json()
    assert err.status_code == it.status
    assert err.message == body["message"]
    assert KEY not in str(err) + repr(err)
    expected = {401: modelmux.AuthenticationError, 400: modelmux.BadRequestError}[it.status]
    assert isinstance(err, expected)
    if body.get("error_type") == "TOO_MANY_TOKENS":
        assert type(err) is modelmux.ContextWindowExceededError


def _normal(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as compared: an assistant turn's empty text block next to tool calls says nothing (recording
    clients send one, modelmux leaves it out); everything else must be identical."""
    out = []
    for m in messages:
        m = dict(m)
        if m["role"] == "assistant" and m.get("tool_calls") and isinstance(m.get("content"), list):
            m["content"] = [b for b in m["content"] if b != {"type": "text", "text": ""}] or None
            if m["content"] is None:
                del m["content"]
        out.append(m)
    return out


def assert_sent_like_recorded(sent_body: bytes, it: Interaction, *, stream: bool) -> None:
    sent = json.loads(sent_body)
    recorded = it.request_json
    assert set(sent) <= _CHAT_FIELDS | {"stream"}
    assert sent["stream"] is stream
    for message in sent["messages"]:
        _MESSAGE.validate_python(message)
    for tool in sent.get("tools", []):
        _TOOL.validate_python(tool)
    if "response_format" in sent:
        _RESPONSE_FORMAT.validate_python(sent["response_format"])
    assert _normal(sent["messages"]) == _normal(recorded["messages"])
    assert {k: v for k, v in sent.items() if k not in ("messages", "stream")} == {
        k: v for k, v in recorded.items() if k not in ("messages", "stream")
    }


def call(it: Interaction, stream: bool, **options: Any) -> modelmux.ChatCompletion:
    kwargs = openai_request_from_native(it.request_json)
    result = modelmux.completion(
        f"cohere/{model_of(it)}",
        api_key=KEY,
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
        **kwargs,
        **options,
    )
    if isinstance(result, modelmux.ChatCompletion):
        return result
    chunks = list(result)
    assert_chunks_valid(chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    return modelmux.stream_chunk_builder(chunks)


# ------------------------------------------------------------------ the provider's pure functions


@pytest.mark.parametrize("it", OK_CASES)
def test_translation_matches_native(it: Interaction) -> None:
    if it.stream_format == "sse":
        result = stream_translate(it, it.decoded_body())
    else:
        result = provider.parse_chat_response(it.decoded_body(), ctx_for(it, stream=False))
    exp = expected_from_cohere(it)
    assert_matches(result, exp)
    assert result.choices[0].model_extra["native_finish_reason"] == exp.native_finish_reason


@pytest.mark.parametrize("it", OK_CASES)
def test_stream_equals_non_streamed_parse(it: Interaction) -> None:
    """One answer, both modes: what the stream accumulates to is what the JSON answer parses to."""
    answer = native_answer(it)
    whole = provider.parse_chat_response(json.dumps(answer).encode(), ctx_for(it, stream=False))
    sse = it.decoded_body() if it.stream_format == "sse" else answer_as_sse(answer)
    streamed = stream_translate(it, sse)
    assert streamed.model_dump(exclude={"created"}) == whole.model_dump(exclude={"created"})


@pytest.mark.parametrize("it", ERROR_CASES)
def test_error_mapping(it: Interaction) -> None:
    err = provider.map_error(it.status, dict(it.response_headers), it.decoded_body(), ctx_for(it, stream=False))
    assert_error(err, it)


# ------------------------------------------------------------------ end to end through the public API


def _end_to_end(it: Interaction, stream: bool) -> None:
    served = it if stream == is_stream(it) else as_other_mode(it)
    transport = ReplayTransport(served)
    if it.status >= 400:
        with pytest.raises(APIError) as info:
            call(it, stream, transport=transport)
        assert_error(info.value, it)
    else:
        assert_matches(call(it, stream, transport=transport), expected_from_cohere(it))
    sent = transport.requests[0]
    assert sent.url.path == "/v2/chat"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert_sent_like_recorded(sent.content, it, stream=stream)


@pytest.mark.parametrize("it", CASES)
def test_completion_end_to_end(it: Interaction) -> None:
    _end_to_end(it, is_stream(it))


@pytest.mark.parametrize("it", CASES)
def test_completion_end_to_end_in_the_other_mode(it: Interaction) -> None:
    _end_to_end(it, not is_stream(it))


@pytest.mark.parametrize("it", OK_CASES[::3] + ERROR_CASES[:1])
def test_acompletion_end_to_end(it: Interaction) -> None:
    stream = is_stream(it)

    async def run() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(
            f"cohere/{model_of(it)}",
            api_key=KEY,
            transport=ReplayTransport(it),
            stream=stream,
            stream_options={"include_usage": True} if stream else None,
            **openai_request_from_native(it.request_json),
        )
        if isinstance(result, modelmux.ChatCompletion):
            return result
        return modelmux.stream_chunk_builder([c async for c in result])

    if it.status >= 400:
        with pytest.raises(APIError) as info:
            asyncio.run(run())
        assert_error(info.value, it)
        return
    assert_matches(asyncio.run(run()), expected_from_cohere(it))


@pytest.mark.parametrize("it", SSE_CASES[:2] + [c for c in OK_CASES if c not in SSE_CASES][:2])
def test_completion_over_real_http_with_api_base(it: Interaction) -> None:
    """``api_base`` is the server root: the provider appends ``/v2/chat`` itself."""
    with ReplayServer([it]) as server:
        result = call(it, is_stream(it), api_base=server.url)
        assert_matches(result, expected_from_cohere(it))
        assert server.requests[0].url_path == "/v2/chat"
        assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("it", CASES)
def test_recorded_request_passed_as_is(it: Interaction) -> None:
    """The recorded (Cohere-shaped) request passed straight to ``completion()``, as a replay harness may do:
    its messages, ``tool_choice``, ``response_format`` and native fields reach Cohere unchanged."""
    recorded = dict(it.request_json)
    kwargs = {k: v for k, v in recorded.items() if k not in ("model", "stream")}
    if is_stream(it):
        kwargs["stream_options"] = {"include_usage": True}
    transport = ReplayTransport(it)
    if it.status >= 400:
        with pytest.raises(APIError):
            modelmux.completion(
                f"cohere/{model_of(it)}", api_key=KEY, transport=transport, stream=is_stream(it), **kwargs
            )
    else:
        result = modelmux.completion(
            f"cohere/{model_of(it)}", api_key=KEY, transport=transport, stream=is_stream(it), **kwargs
        )
        if not isinstance(result, modelmux.ChatCompletion):
            result = modelmux.stream_chunk_builder(list(result))
        assert_matches(result, expected_from_cohere(it))
    assert_sent_like_recorded(transport.requests[0].content, it, stream=is_stream(it))


def test_multi_turn_history_round_trips_through_openai_messages() -> None:
    """A recorded tool-calling conversation driven by what a plain OpenAI client keeps: modelmux's own
    answer (tool calls, and the tool plan as reasoning_content) goes back as the next turn's history."""
    path = CASSETTES_ROOT / "pydantic-ai/cohere-v2/test_tool_choice_matrix[auto-cohere].yaml"
    first, second = load_cassette(path)[:2]
    transport = ReplayTransport([first, second])
    kwargs = openai_request_from_native(first.request_json)
    answer = modelmux.completion(f"cohere/{model_of(first)}", api_key=KEY, transport=transport, **kwargs)
    assert answer.choices[0].finish_reason == "tool_calls"
    message = answer.choices[0].message
    history = [
        *kwargs["messages"],
        {
            "role": "assistant",
            "content": message.content,
            "reasoning_content": message.reasoning_content,
            "tool_calls": [c.model_dump() for c in message.tool_calls or []],
        },
        {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "Sunny, 22C in Paris"},
    ]
    final = modelmux.completion(
        f"cohere/{model_of(first)}", history, api_key=KEY, transport=transport, tools=kwargs["tools"]
    )
    assert_matches(final, expected_from_cohere(second))
    assert final.choices[0].message.model_extra["annotations"][0]["url_citation"]["url"].startswith("tool:")
    sent = json.loads(transport.requests[1].content)
    assert sent["messages"][1]["tool_plan"] == message.reasoning_content
    assert sent["messages"][1]["tool_calls"] == second.request_json["messages"][1]["tool_calls"]
    for m in sent["messages"]:
        _MESSAGE.validate_python(m)


# ------------------------------------------------------------------ streams cut short or failed


@pytest.mark.parametrize("it", SSE_CASES)
def test_recorded_stream_without_message_end_is_an_upstream_error(it: Interaction) -> None:
    kept = [e for e in parse_sse(it.text) if e.event != "message-end" and e.data.strip() != "[DONE]"]
    body = "".join(f"event: {e.event}\ndata: {e.data}\n\n" for e in kept).encode()
    cut = dataclasses.replace(it, response_body=body)
    text = expected_from_cohere(it).text
    delivered: list[str] = []
    with pytest.raises(modelmux.errors.UpstreamError) as info:
        stream = modelmux.completion(
            f"cohere/{model_of(it)}", api_key=KEY, transport=ReplayTransport(cut), stream=True,
            **openai_request_from_native(it.request_json),
        )  # fmt: skip
        for chunk in stream:
            delivered += [c.delta.content or "" for c in chunk.choices]
    assert "".join(delivered) == text  # what came before the cut is delivered first
    assert KEY not in str(info.value)


@pytest.mark.parametrize("stream", [False, True])
def test_finish_reason_error_is_an_upstream_error(stream: bool) -> None:
    it = OK_CASES[0].values[0]
    answer = {**native_answer(it), "finish_reason": "ERROR"}
    body = answer_as_sse(answer) if stream else json.dumps(answer).encode()
    failed = dataclasses.replace(it, response_body=body, response_headers=[])
    with pytest.raises(modelmux.errors.UpstreamError, match="ERROR"):
        call(it, stream, transport=ReplayTransport(failed))
