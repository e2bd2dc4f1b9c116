"""Recorded Anthropic traffic replayed end to end through ``modelmux.completion`` / ``acompletion``.

Each recorded answer is served (in small pieces for streams) to a call for ``anthropic/<recorded model>``;
the result is checked against what the native answer says (``expected.py``), a stream against the
non-streamed parse of the same answer (the official SDK's accumulation of the events), and errors for
their class, status, provider message and the absence of the API key.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import openai.types.chat as oa
import pydantic
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import MessageParam

import modelmux
from modelmux.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    NotFoundError,
)
from modelmux.providers._base import CallContext
from modelmux.providers.anthropic import provider

from .cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import expected_for, parse_sse
from .replay import ReplayServer, ReplayTransport

KEY = "test-key"
HI = [{"role": "user", "content": "hi"}]

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{i}")
    for path in iter_cassettes(CASSETTES_ROOT, {"anthropic"})
    for i, it in enumerate(chat_interactions(path))
]
OK_CASES = [c for c in CASES if c.values[0].status < 400]
ERROR_CASES = [c for c in CASES if c.values[0].status >= 400]

# Native error type → the class modelmux raises (a refinement of the status's class).
ERROR_CLASS = {
    "authentication_error": AuthenticationError,
    "not_found_error": NotFoundError,
    "invalid_request_error": BadRequestError,
}


def call_kwargs(it: Interaction) -> dict[str, Any]:
    recorded = it.request_json
    kwargs: dict[str, Any] = {"api_key": KEY, "stream": it.is_stream, "max_tokens": recorded["max_tokens"]}
    if it.is_stream:
        kwargs["stream_options"] = {"include_usage": True}
    return kwargs


def model_of(it: Interaction) -> str:
    return "anthropic/" + it.request_json["model"]


def non_streamed_equivalent(it: Interaction) -> modelmux.ChatCompletion:
    """The recorded stream as one native Message (accumulated by the official SDK), parsed by modelmux."""
    snapshot = None
    buffers: dict[int, bytes] = {}
    for event in parse_sse(it.text):
        payload = json.loads(event.data)
        if payload.get("type") not in ("ping", "error"):
            snapshot = accumulate_event(event=payload, current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None
    ctx = CallContext("anthropic", it.request_json["model"], "https://api.anthropic.com")
    return provider.parse_chat_response(snapshot.to_json().encode(), ctx)


def check_sent(transport: ReplayTransport, it: Interaction) -> None:
    request = transport.requests[0]
    assert request.url.path == "/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    sent = json.loads(request.content)
    recorded = it.request_json
    assert sent["model"] == recorded["model"]
    assert sent["max_tokens"] == recorded["max_tokens"]
    assert sent.get("stream", False) == bool(recorded.get("stream"))
    assert sent["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


@pytest.mark.parametrize("it", OK_CASES)
def test_replay(it: Interaction) -> None:
    transport = ReplayTransport(it)
    result = modelmux.completion(model_of(it), HI, transport=transport, **call_kwargs(it))
    if it.is_stream:
        chunks = list(result)
        assert_chunks_valid(chunks)
        assert chunks[0].choices[0].delta.role == "assistant"
        result = modelmux.stream_chunk_builder(chunks)
        expected = non_streamed_equivalent(it)
        assert result.model_dump(exclude={"created"}) == expected.model_dump(exclude={"created"})
    assert_matches(result, expected_for(it))
    check_sent(transport, it)


@pytest.mark.parametrize("it", ERROR_CASES)
def test_replay_errors(it: Interaction) -> None:
    exp = expected_for(it)
    native_type = json.loads(it.decoded_body())["error"]["type"]
    with pytest.raises(modelmux.APIStatusError) as info:
        result = modelmux.completion(model_of(it), HI, transport=ReplayTransport(it), **call_kwargs(it))
        if it.is_stream:
            list(result)
    err = info.value
    assert isinstance(err, ERROR_CLASS[native_type])
    assert err.status_code == it.status
    assert err.provider == "anthropic"
    assert exp.error_message and err.message == exp.error_message
    assert err.request_id
    assert KEY not in str(err) + repr(err)


def test_context_window_error_class() -> None:
    (it,) = [c.values[0] for c in ERROR_CASES if b"prompt is too long" in c.values[0].decoded_body()]
    with pytest.raises(ContextWindowExceededError):
        modelmux.completion(model_of(it), HI, transport=ReplayTransport(it), **call_kwargs(it))


def test_stream_without_include_usage_has_no_usage_chunk() -> None:
    it = next(c.values[0] for c in OK_CASES if c.values[0].is_stream)
    chunks = list(modelmux.completion(model_of(it), HI, transport=ReplayTransport(it), api_key=KEY, stream=True))
    assert all(c.choices and c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason is not None


STREAM_CASES = [c for c in OK_CASES if c.values[0].is_stream]
ASYNC_CASES = STREAM_CASES[:5] + [c for c in OK_CASES if not c.values[0].is_stream][:5]


@pytest.mark.parametrize("it", ASYNC_CASES)
def test_replay_async(it: Interaction) -> None:
    async def run() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(model_of(it), HI, transport=ReplayTransport(it), **call_kwargs(it))
        if it.is_stream:
            return modelmux.stream_chunk_builder([c async for c in result])
        return result  # type: ignore[no-any-return]

    assert_matches(asyncio.run(run()), expected_for(it))


@pytest.mark.parametrize("it", ERROR_CASES[:2])
def test_replay_async_errors(it: Interaction) -> None:
    async def run() -> None:
        await modelmux.acompletion(model_of(it), HI, transport=ReplayTransport(it), **call_kwargs(it))

    with pytest.raises(modelmux.APIStatusError) as info:
        asyncio.run(run())
    assert info.value.status_code == it.status
    assert KEY not in str(info.value) + repr(info.value)


@pytest.mark.parametrize("it", [*OK_CASES[:2], *STREAM_CASES[:2]])
def test_replay_over_real_http(it: Interaction) -> None:
    with ReplayServer([it]) as server:
        result = modelmux.completion(model_of(it), HI, api_base=server.url, **call_kwargs(it))
        if it.is_stream:
            result = modelmux.stream_chunk_builder(list(result))
        assert_matches(result, expected_for(it))
        assert server.requests[0].url_path == "/v1/messages"


# ---------------------------------------------------------------- server tools: a pause_turn conversation continues

PAUSE_TURN = sorted(p for p in iter_cassettes(CASSETTES_ROOT, {"anthropic"}) if "pause_turn" in p.stem)


MESSAGE_PARAM = pydantic.TypeAdapter(MessageParam)


def _drain(value: Any) -> Any:
    """Iterate what pydantic validates lazily (``Iterable`` fields of the SDK's TypedDicts)."""
    if isinstance(value, Iterator):
        return [_drain(v) for v in value]
    if isinstance(value, dict):
        return {k: _drain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drain(v) for v in value]
    return value


def native_param(block: dict[str, Any]) -> dict[str, Any]:
    """A response block as the caller sent it back: the SDK's ``citations: null`` on text left out."""
    return {k: v for k, v in block.items() if not (k == "citations" and v is None)}


# pydantic-ai stored request bodies NFKC-normalised with typographic quotes and dashes made ASCII (INDEX.md),
# while its stream bodies are byte-exact: compare what was sent in that same form.
_ASCII = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def as_recorded(value: Any) -> Any:
    return json.loads(unicodedata.normalize("NFKC", json.dumps(value, ensure_ascii=False)).translate(_ASCII))


def result_of(value: Any, stream: bool) -> modelmux.ChatCompletion:
    return modelmux.stream_chunk_builder(list(value)) if stream else value  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", PAUSE_TURN, ids=lambda p: p.stem)
def test_pause_turn_conversation_continues_with_server_blocks_in_order(path: Any) -> None:
    """Turn 1 stops with pause_turn mid web search; its message, sent back as modelmux returned it, must
    reproduce the native blocks (server_tool_use, web_search_tool_result, cited text…) in their order, as
    recorded in the second request; both answers keep their server blocks and URL citations."""
    first, second = chat_interactions(path)[:2]
    stream = first.is_stream
    transport = ReplayTransport([first, second])
    recorded = first.request_json
    # Server tools go in extra_body here: the core's tools= check is relaxed for native tool types elsewhere.
    kwargs: dict[str, Any] = {
        "api_key": KEY,
        "stream": stream,
        "max_tokens": recorded["max_tokens"],
        "reasoning_effort": "high",  # budget 4096 on claude-sonnet-4-5, as recorded
        "extra_body": {k: recorded[k] for k in ("tools", "tool_choice") if k in recorded},
        "transport": transport,
    }
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    question = [{"role": "user", "content": recorded["messages"][0]["content"][0]["text"]}]
    answer = result_of(modelmux.completion(model_of(first), question, **kwargs), stream)
    choice = answer.choices[0]
    assert choice.native_finish_reason == "pause_turn" and choice.finish_reason == "stop"  # type: ignore[attr-defined]
    assert_matches(answer, expected_for(first))
    message = choice.message
    blocks = message.content_blocks  # type: ignore[attr-defined]
    assert {"server_tool_use", "web_search_tool_result"} <= {b["type"] for b in blocks}
    sent_first = json.loads(transport.requests[0].content)
    assert sent_first["thinking"] == recorded["thinking"]
    assert sent_first["tools"] == recorded["tools"]

    again = result_of(modelmux.completion(model_of(first), [*question, message], **kwargs), stream)
    sent = json.loads(transport.requests[1].content)["messages"]
    expected_turns = second.request_json["messages"]
    assert sent[0] == expected_turns[0]
    assert sent[1]["role"] == "assistant"
    # pydantic-ai rebuilt the blocks it sent from its own parts and left out ``caller`` (which the API
    # accepts back: ServerToolUseBlockParam / WebSearchToolResultBlockParam.caller); modelmux keeps it.
    got = [{k: v for k, v in b.items() if k != "caller"} for b in as_recorded(sent[1]["content"])]
    assert got == [native_param(b) for b in expected_turns[1]["content"]]
    _drain(MESSAGE_PARAM.validate_python(sent[1]))
    assert_matches(again, expected_for(second))
    reply = again.choices[0].message
    assert again.choices[0].finish_reason == "stop"
    assert reply.annotations  # type: ignore[attr-defined]
    for note in reply.annotations:  # type: ignore[attr-defined]
        span = note["url_citation"]
        assert span["url"].startswith("http") and 0 <= span["start_index"] < span["end_index"] <= len(reply.content)
    oa.ChatCompletionMessage.model_validate(reply.model_dump())
