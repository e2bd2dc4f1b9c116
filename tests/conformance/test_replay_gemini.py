"""Recorded Gemini API traffic: translated by the provider, and replayed through ``modelmux.completion``.

Every ``:generateContent`` / ``:streamGenerateContent`` interaction under ``cassettes/*/gemini/`` is
checked twice: the provider's pure functions against the native body (JSON, JSON array, or SSE), and
the public API end to end through :class:`ReplayTransport` (the recorded request is not re-issued: it is
native, so the call is a plain "hi" to the recorded model; what modelmux sends is checked against
google-genai's wire types instead). Thought signatures are followed across recorded multi-turn
exchanges, through nothing but what a plain OpenAI client keeps.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from typing import Any

import pytest
from google.genai import types as genai

import modelmux
from modelmux.errors import APIError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider

from .cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import Expected, expected_for, parse_sse
from .replay import ReplayServer, ReplayTransport

KEY = "test-key-gemini-0123456789"
HI = [{"role": "user", "content": "hi"}]

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{it.index}")
    for path in iter_cassettes(CASSETTES_ROOT, {"gemini"})
    for it in chat_interactions(path)
    if it.provider_class == "gemini"
]
OK_CASES = [c for c in CASES if c.values[0].status < 400]
ERROR_CASES = [c for c in CASES if c.values[0].status >= 400]


def model_of(it: Interaction) -> str:
    return it.path.split("/models/", 1)[1].split(":", 1)[0]


def ctx_for(it: Interaction, *, include_usage: bool = True) -> CallContext:
    return CallContext(
        "gemini",
        model_of(it),
        "https://generativelanguage.googleapis.com",
        api_key=KEY,
        stream=it.stream_format == "sse",
        include_usage=include_usage,
    )


def translate(it: Interaction) -> modelmux.ChatCompletion:
    """The provider's own view of a recorded answer: parsed, or stream-translated and accumulated."""
    ctx = ctx_for(it)
    if it.stream_format != "sse":
        return provider.parse_chat_response(it.decoded_body(), ctx)
    translator = provider.chat_stream_translator(ctx)
    chunks: list[modelmux.ChatCompletionChunk] = []
    for event in parse_sse(it.text):
        chunks += translator.feed(event.event or "", event.data)
    chunks += translator.finish()
    assert_chunks_valid(chunks)
    return modelmux.stream_chunk_builder(chunks)


def assert_error(err: APIError, it: Interaction, exp: Expected) -> None:
    assert err.status_code == it.status
    assert err.message == exp.error_message
    assert KEY not in str(err) + repr(err)
    status = json.loads(it.decoded_body())["error"]["status"]
    expected_class = {
        "NOT_FOUND": modelmux.errors.NotFoundError,
        "RESOURCE_EXHAUSTED": modelmux.errors.RateLimitError,
        "INVALID_ARGUMENT": modelmux.errors.InvalidAPIKeyError,  # every recorded 400 is "API key not valid"
    }[status]
    assert type(err) is expected_class


def assert_sent_body_is_valid(request_body: bytes) -> None:
    body = json.loads(request_body)
    assert set(body) <= {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"}
    for content in body["contents"]:
        genai.Content.model_validate(content)
    if "generationConfig" in body:
        genai.GenerationConfig.model_validate(body["generationConfig"])


# ------------------------------------------------------------------ the provider's pure functions


@pytest.mark.parametrize("it", OK_CASES)
def test_translation_matches_native(it: Interaction) -> None:
    result = translate(it)
    exp = expected_for(it)
    assert_matches(result, exp)
    assert result.choices[0].model_extra["native_finish_reason"] == exp.native_finish_reason


@pytest.mark.parametrize("it", [c for c in OK_CASES if c.values[0].stream_format == "sse"])
def test_stream_equals_non_streamed_parse(it: Interaction) -> None:
    """The same answer as a JSON array (the non-SSE stream) parses to what the SSE stream accumulates to."""
    events = [e.data for e in parse_sse(it.text)]
    as_array = ("[" + ",".join(events) + "]").encode()
    whole = provider.parse_chat_response(as_array, ctx_for(it))
    assert translate(it).model_dump(exclude={"created"}) == whole.model_dump(exclude={"created"})


@pytest.mark.parametrize("it", ERROR_CASES)
def test_error_mapping(it: Interaction) -> None:
    err = provider.map_error(it.status, dict(it.response_headers), it.decoded_body(), ctx_for(it))
    assert_error(err, it, expected_for(it))


# ------------------------------------------------------------------ end to end through the public API


def replay(it: Interaction, transport: ReplayTransport) -> modelmux.ChatCompletion:
    stream = it.stream_format == "sse"
    result = modelmux.completion(
        f"gemini/{model_of(it)}",
        HI,
        api_key=KEY,
        transport=transport,
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
    )
    if isinstance(result, modelmux.ChatCompletion):
        return result
    chunks = list(result)
    assert_chunks_valid(chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    return modelmux.stream_chunk_builder(chunks)


@pytest.mark.parametrize("it", CASES)
def test_completion_end_to_end(it: Interaction) -> None:
    transport = ReplayTransport(it)
    exp = expected_for(it)
    if exp.is_error:
        with pytest.raises(APIError) as info:
            replay(it, transport)
        assert_error(info.value, it, exp)
    else:
        assert_matches(replay(it, transport), exp)
    sent = transport.requests[0]
    assert sent.url.path == f"/v1beta/models/{model_of(it)}:" + (
        "streamGenerateContent" if it.stream_format == "sse" else "generateContent"
    )
    assert ("alt=sse" in str(sent.url)) == (it.stream_format == "sse")
    assert sent.headers["x-goog-api-key"] == KEY
    assert KEY not in str(sent.url)
    assert_sent_body_is_valid(sent.content)


@pytest.mark.parametrize("it", OK_CASES[::3] + ERROR_CASES[:2])
def test_acompletion_end_to_end(it: Interaction) -> None:
    exp = expected_for(it)
    stream = it.stream_format == "sse"

    async def run() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(
            f"gemini/{model_of(it)}",
            HI,
            api_key=KEY,
            transport=ReplayTransport(it),
            stream=stream,
            stream_options={"include_usage": True} if stream else None,
        )
        if isinstance(result, modelmux.ChatCompletion):
            return result
        return modelmux.stream_chunk_builder([c async for c in result])

    if exp.is_error:
        with pytest.raises(APIError) as info:
            asyncio.run(run())
        assert_error(info.value, it, exp)
        return
    assert_matches(asyncio.run(run()), exp)


@pytest.mark.parametrize("it", OK_CASES[:3])
def test_completion_over_real_http(it: Interaction) -> None:
    with ReplayServer([it]) as server:
        result = replay_via_server(it, server.url)
        assert_matches(result, expected_for(it))
        assert server.requests[0].headers["x-goog-api-key"] == KEY
        assert server.requests[0].url_path.startswith(f"/v1beta/models/{model_of(it)}:")


def replay_via_server(it: Interaction, api_base: str) -> modelmux.ChatCompletion:
    stream = it.stream_format == "sse"
    result = modelmux.completion(
        f"gemini/{model_of(it)}",
        HI,
        api_key=KEY,
        api_base=api_base,
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
    )
    if isinstance(result, modelmux.ChatCompletion):
        return result
    return modelmux.stream_chunk_builder(list(result))


# ------------------------------------------------------------------ thought signatures across turns


def plain_openai_history(result: modelmux.ChatCompletion) -> dict[str, Any]:
    """The assistant message as an OpenAI-SDK user echoes it back (standard fields only)."""
    message = result.choices[0].message
    return {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls or []
        ],
    }


def signature_bytes(signature: str) -> bytes:
    return base64.urlsafe_b64decode(signature.replace("+", "-").replace("/", "_"))


def native_signatures(it: Interaction) -> list[str]:
    body = it.text
    chunks = [json.loads(e.data) for e in parse_sse(body)] if it.stream_format == "sse" else json.loads(body)
    chunks = chunks if isinstance(chunks, list) else [chunks]
    return [
        part["thoughtSignature"]
        for chunk in chunks
        for cand in chunk.get("candidates", [])
        for part in cand.get("content", {}).get("parts", [])
        if "functionCall" in part and "thoughtSignature" in part
    ]


@pytest.mark.parametrize(
    ("cassette", "stream"),
    [
        ("llm-gemini/gemini/test_tools_with_gemini_3_thought_signatures.yaml", False),
        ("pydantic-ai/gemini/test_google_streaming_tool_call_thought_signature.yaml", True),
    ],
)
def test_thought_signature_round_trip(cassette: str, stream: bool) -> None:
    first, second = chat_interactions(CASSETTES_ROOT / cassette)[:2]
    transport = ReplayTransport([first, second])
    model = f"gemini/{model_of(first)}"
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]

    def call(messages: list[dict[str, Any]]) -> modelmux.ChatCompletion:
        result = modelmux.completion(
            model,
            messages,
            api_key=KEY,
            transport=transport,
            tools=tools,
            stream=stream,
            stream_options={"include_usage": True} if stream else None,
        )
        return result if isinstance(result, modelmux.ChatCompletion) else modelmux.stream_chunk_builder(list(result))

    answer = call(HI)
    assert answer.choices[0].finish_reason == "tool_calls"
    assistant = plain_openai_history(answer)
    results = [{"role": "tool", "tool_call_id": c["id"], "content": "15"} for c in assistant["tool_calls"]]
    final = call([*HI, assistant, *results])
    assert_matches(final, expected_for(second))

    sent = json.loads(transport.requests[1].content)
    model_turn = sent["contents"][1]
    assert model_turn["role"] == "model"
    sent_signatures = [p["thoughtSignature"] for p in model_turn["parts"] if "thoughtSignature" in p]
    assert sent_signatures == native_signatures(first)
    assert sent_signatures, "the recording has a signature to carry"
    recorded = second.request_json
    if isinstance(recorded, dict):  # what the recording client sent back: the very same bytes
        recorded_signatures = [p.get("thoughtSignature") for c in recorded["contents"] for p in c["parts"]]
        # (google-genai re-encodes them URL-safe; Gemini accepts both alphabets, we send the original)
        assert [signature_bytes(s) for s in sent_signatures] == [signature_bytes(s) for s in recorded_signatures if s]
    responses = [p["functionResponse"] for p in sent["contents"][2]["parts"]]
    assert [r["name"] for r in responses] == [c["function"]["name"] for c in assistant["tool_calls"]]
    genai.Content.model_validate(model_turn)


# ------------------------------------------------------------------ recorded streams cut short


def without_finish(it: Interaction) -> tuple[Interaction, str]:
    """The recorded SSE stream cut before its first event with a finishReason, and the text it still has."""
    kept: list[str] = []
    for e in parse_sse(it.text):
        payload = json.loads(e.data)
        if any(c.get("finishReason") for c in payload.get("candidates", [])):
            break
        kept.append(e.data)
    body = "".join(f"data: {d}\r\n\r\n" for d in kept).encode()
    headers = [(k, v) for k, v in it.response_headers if k not in {"content-encoding", "content-length"}]
    text = "".join(
        p.get("text", "")
        for d in kept
        for c in json.loads(d).get("candidates", [])
        for p in c.get("content", {}).get("parts", [])
        if not p.get("thought")
    )
    return dataclasses.replace(it, response_body=body, response_headers=headers), text


@pytest.mark.parametrize("it", [c for c in OK_CASES if c.values[0].stream_format == "sse"])
def test_recorded_stream_without_its_finish_is_an_upstream_error(it: Interaction) -> None:
    cut, text = without_finish(it)
    stream = modelmux.completion(f"gemini/{model_of(it)}", HI, api_key=KEY, transport=ReplayTransport(cut), stream=True)
    delivered: list[str] = []
    with pytest.raises(modelmux.errors.UpstreamError) as info:
        for chunk in stream:
            delivered += [c.delta.content or "" for c in chunk.choices]
    assert "".join(delivered) == text  # what came before the cut is delivered first
    assert KEY not in str(info.value)


# ------------------------------------------------------------------ a history another provider wrote


def test_foreign_tool_calls_replayed_with_the_placeholder_signature() -> None:
    """Gemini 3 answering a history whose tool call an Anthropic model made: the call gets Google's
    documented placeholder signature, and the recorded answer to such a turn parses."""
    second = chat_interactions(CASSETTES_ROOT / "llm-gemini/gemini/test_tools_with_gemini_3_thought_signatures.yaml")[1]
    transport = ReplayTransport(second)
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    history = [
        *HI,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "toolu_01AbC", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "toolu_01AbC", "content": "15"},
    ]
    result = modelmux.completion(f"gemini/{model_of(second)}", history, api_key=KEY, transport=transport, tools=tools)
    assert_matches(result, expected_for(second))
    sent = json.loads(transport.requests[0].content)
    model_turn = sent["contents"][1]
    assert model_turn["parts"] == [
        {
            "functionCall": {"name": "f", "args": {}, "id": "toolu_01AbC"},
            "thoughtSignature": "skip_thought_signature_validator",
        }
    ]
    genai.Content.model_validate(model_turn)
    assert_sent_body_is_valid(transport.requests[0].content)
