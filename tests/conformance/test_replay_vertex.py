"""Recorded Vertex AI (Gemini) traffic replayed through ``modelmux.completion(model="vertex/<model>", ...)``.

Every ``:generateContent`` / ``:streamGenerateContent`` interaction under ``cassettes/*/vertex-gemini/`` is
replayed in the mode it was recorded in, and again in the other one (a JSON answer served as the one-event SSE
stream Vertex sends for it; an SSE stream served as the JSON array ``:streamGenerateContent`` answers without
``alt=sse``), through an injected transport and through a real loopback server given as ``api_base``. The
OpenAI-format result is checked against what the native answer says; what modelmux sends is checked against the
recorded URL and against google-genai's wire types.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from typing import Any

import pytest
from google.genai import types as genai

import modelmux
from modelmux._registry import resolve
from modelmux.errors import APIError
from modelmux.providers._base import CallContext

from .cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import Expected, expected_for, parse_sse
from .replay import ReplayServer, ReplayTransport

KEY = "test-key-vertex-0123456789"
HI = [{"role": "user", "content": "hi"}]
_PATH = re.compile(r"^/(?P<version>[^/]+)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/google/")

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{it.index}")
    for path in iter_cassettes(CASSETTES_ROOT, {"vertex-gemini"})
    for it in chat_interactions(path)
    if it.provider_class == "vertex-gemini"
]
OK_CASES = [c for c in CASES if c.values[0].status < 400]
ERROR_CASES = [c for c in CASES if c.values[0].status >= 400]


def test_corpus_is_all_here() -> None:
    assert len(CASES) >= 18 and ERROR_CASES and any(c.values[0].stream_format == "sse" for c in CASES)


def model_of(it: Interaction) -> str:
    return it.path.split("/models/", 1)[1].split(":", 1)[0]


def where(it: Interaction) -> dict[str, str]:
    """Version, project and location as recorded (ruby_llm's placeholders replaced by real-looking values)."""
    match = _PATH.match(it.path)
    assert match, it.path
    found = match.groupdict()
    if found["project"].startswith("<"):
        found["project"] = "ruby-llm-test"
    if found["location"].startswith("<"):
        found["location"] = "us-central1"
    return found


def expected_path(it: Interaction, stream: bool) -> str:
    w = where(it)
    method = "streamGenerateContent" if stream else "generateContent"
    return (
        f"/{w['version']}/projects/{w['project']}/locations/{w['location']}"
        f"/publishers/google/models/{model_of(it)}:{method}"
    )


def as_other_mode(it: Interaction) -> Interaction:
    """The same answer in the other framing: JSON → one SSE event; SSE → a JSON array of its events."""
    if it.stream_format == "sse":
        events = [e.data for e in parse_sse(it.text)]
        body = ("[" + ",".join(events) + "]").encode()
        content_type = "application/json; charset=UTF-8"
        url = it.url.replace(":streamGenerateContent?alt=sse", ":generateContent")
    else:
        body = b"data: " + json.dumps(it.json(), separators=(",", ":")).encode() + b"\r\n\r\n"
        content_type = "text/event-stream"
        url = it.url.replace(":generateContent", ":streamGenerateContent?alt=sse")
    headers = [(k, v) for k, v in it.response_headers if k not in ("content-type", "content-encoding")]
    return dataclasses.replace(
        it, url=url, response_body=body, response_headers=[*headers, ("content-type", content_type)]
    )


def call_options(it: Interaction) -> dict[str, Any]:
    w = where(it)
    return {
        "api_key": KEY,
        "vertex_project": w["project"],
        "vertex_location": w["location"],
        "api_version": w["version"],
    }


def run(it: Interaction, stream: bool, **kwargs: Any) -> modelmux.ChatCompletion:
    result = modelmux.completion(
        f"vertex/{model_of(it)}",
        HI,
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
        **call_options(it),
        **kwargs,
    )
    if isinstance(result, modelmux.ChatCompletion):
        return result
    chunks = list(result)
    assert_chunks_valid(chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    return modelmux.stream_chunk_builder(chunks)


def assert_error(err: APIError, it: Interaction, exp: Expected) -> None:
    assert err.status_code == it.status
    assert err.message == exp.error_message
    assert err.provider == "vertex"
    assert KEY not in str(err) + repr(err) + json.dumps(err.body)
    status = json.loads(it.decoded_body())["error"]["status"]
    assert status == "INVALID_ARGUMENT"  # the corpus' errors: a context overflow and an unreachable URL
    if "token count" in (exp.error_message or ""):
        assert type(err) is modelmux.errors.ContextWindowExceededError
    else:
        assert type(err) is modelmux.errors.BadRequestError


def assert_sent_body_is_valid(request_body: bytes) -> None:
    body = json.loads(request_body)
    assert set(body) <= {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"}
    for content in body["contents"]:
        genai.Content.model_validate(content)
    if "generationConfig" in body:
        genai.GenerationConfig.model_validate(body["generationConfig"])


def assert_sent(sent: Any, it: Interaction, stream: bool) -> None:
    assert sent.url.path == expected_path(it, stream)
    assert ("alt=sse" in str(sent.url)) == stream
    assert sent.headers["x-goog-api-key"] == KEY
    assert "authorization" not in sent.headers
    assert KEY not in str(sent.url)
    assert_sent_body_is_valid(sent.content)


@pytest.mark.parametrize("other_mode", [False, True], ids=["as-recorded", "other-mode"])
@pytest.mark.parametrize("it", CASES)
def test_completion_end_to_end(it: Interaction, other_mode: bool) -> None:
    exp = expected_for(it)
    served = as_other_mode(it) if other_mode and not exp.is_error else it
    stream = served.stream_format == "sse"
    transport = ReplayTransport(served)
    if exp.is_error:
        with pytest.raises(APIError) as info:
            run(it, stream=other_mode, transport=transport)
        assert_error(info.value, it, exp)
        stream = other_mode
    else:
        assert_matches(run(served, stream=stream, transport=transport), exp)
    assert_sent(transport.requests[0], it, stream)


@pytest.mark.parametrize("it", CASES)
def test_completion_over_real_http(it: Interaction) -> None:
    """``api_base`` given: the provider appends its native path (version, project, location, model, method)."""
    exp = expected_for(it)
    stream = it.stream_format == "sse"
    with ReplayServer([it]) as server:
        if exp.is_error:
            with pytest.raises(APIError) as info:
                run(it, stream=stream, api_base=server.url)
            assert_error(info.value, it, exp)
        else:
            assert_matches(run(it, stream=stream, api_base=server.url), exp)
        sent = server.requests[0]
        assert sent.url_path == expected_path(it, stream)
        assert sent.headers["x-goog-api-key"] == KEY
        assert_sent_body_is_valid(sent.body)


@pytest.mark.parametrize("it", OK_CASES[::2] + ERROR_CASES)
def test_acompletion_with_a_token_provider(it: Interaction) -> None:
    """The async path, authenticated by an async token provider instead of a key."""
    exp = expected_for(it)
    stream = it.stream_format == "sse"
    transport = ReplayTransport(it)
    options = call_options(it)
    del options["api_key"]

    async def token() -> str:
        return "ya29.test-access-token-0123456789"

    async def go() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(
            f"vertex/{model_of(it)}",
            HI,
            stream=stream,
            stream_options={"include_usage": True} if stream else None,
            transport=transport,
            vertex_token_provider=token,
            **options,
        )
        if isinstance(result, modelmux.ChatCompletion):
            return result
        return modelmux.stream_chunk_builder([c async for c in result])

    if exp.is_error:
        with pytest.raises(APIError) as info:
            asyncio.run(go())
        assert "ya29.test-access-token" not in str(info.value) + repr(info.value)
    else:
        assert_matches(asyncio.run(go()), exp)
    sent = transport.requests[0]
    assert sent.headers["authorization"] == "Bearer ya29.test-access-token-0123456789"
    assert "x-goog-api-key" not in sent.headers
    assert sent.url.path == expected_path(it, stream)


# ------------------------------------------------------------ Claude on Vertex: the Anthropic dialect, rawPredict

CLAUDE_CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{it.index}")
    for path in iter_cassettes(CASSETTES_ROOT, {"anthropic"})
    for it in chat_interactions(path)
    if it.provider_class == "anthropic" and isinstance(it.request_json, dict) and it.request_json.get("model")
]


def test_claude_corpus_is_here() -> None:
    assert len(CLAUDE_CASES) > 40


@pytest.mark.parametrize("it", CLAUDE_CASES)
def test_claude_on_vertex_end_to_end(it: Interaction) -> None:
    """Every recorded Anthropic answer, served by ``:rawPredict`` / ``:streamRawPredict``, reads as it does
    through the Anthropic provider; the request is the Messages body without ``model``, with Vertex's version."""
    from modelmux.providers.anthropic import provider as anthropic

    exp = expected_for(it)
    stream = it.stream_format == "sse"
    model = it.request_json["model"]
    transport = ReplayTransport(it)
    token = "ya29.vertex-claude-token-0123456789"
    if exp.is_error:
        with pytest.raises(APIError) as info:
            run_claude(model, stream, transport, token)
        ctx = CallContext("vertex", model, "")
        native = anthropic.map_error(it.status, dict(it.response_headers), it.decoded_body(), ctx)
        assert type(info.value) is type(native)
        assert info.value.message == native.message and info.value.provider == "vertex"
        assert token not in str(info.value) + repr(info.value)
    else:
        assert_matches(run_claude(model, stream, transport, token), exp)
    sent = transport.requests[0]
    method = "streamRawPredict" if stream else "rawPredict"
    assert sent.url.path == f"/v1/projects/p1/locations/us-east5/publishers/anthropic/models/{model}:{method}"
    assert str(sent.url).startswith("https://us-east5-aiplatform.googleapis.com/")
    assert sent.headers["authorization"] == f"Bearer {token}"
    assert "x-api-key" not in sent.headers and "anthropic-version" not in sent.headers
    body = json.loads(sent.content)
    assert "model" not in body
    assert body["anthropic_version"] == "vertex-2023-10-16"
    info = resolve(f"vertex/{model}").info  # the catalog's Vertex row, if any, sets the default max_tokens
    direct = anthropic.build_chat_request(
        {"messages": HI}, CallContext("anthropic", model, "", stream=stream, info=info)
    )
    direct = direct.json
    assert body == {**{k: v for k, v in direct.items() if k != "model"}, "anthropic_version": "vertex-2023-10-16"}
    assert body.get("stream", False) is stream


def run_claude(model: str, stream: bool, transport: ReplayTransport, token: str) -> modelmux.ChatCompletion:
    result = modelmux.completion(
        f"vertex/{model}",
        HI,
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
        transport=transport,
        vertex_project="p1",
        vertex_location="us-east5",
        vertex_access_token=token,
    )
    if isinstance(result, modelmux.ChatCompletion):
        return result
    chunks = list(result)
    assert_chunks_valid(chunks)
    return modelmux.stream_chunk_builder(chunks)


@pytest.mark.parametrize(
    "it",
    [c for c in CLAUDE_CASES if c.values[0].status < 400][:2] + [c for c in CLAUDE_CASES if c.values[0].is_stream][:2],
)
def test_claude_on_vertex_over_real_http(it: Interaction) -> None:
    """``api_base`` given: ``…/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict`` appended."""
    model = it.request_json["model"]
    stream = it.stream_format == "sse"
    with ReplayServer([it]) as server:
        result = modelmux.completion(
            f"vertex/{model}",
            HI,
            stream=stream,
            stream_options={"include_usage": True} if stream else None,
            api_base=server.url,
            vertex_project="p1",
            vertex_location="europe-west1",
            vertex_token_provider=lambda: "ya29.http-token",
        )
        whole = result if isinstance(result, modelmux.ChatCompletion) else modelmux.stream_chunk_builder(list(result))
        assert_matches(whole, expected_for(it))
        sent = server.requests[0]
        method = "streamRawPredict" if stream else "rawPredict"
        assert sent.url_path == f"/v1/projects/p1/locations/europe-west1/publishers/anthropic/models/{model}:{method}"
        assert sent.headers["authorization"] == "Bearer ya29.http-token"
        assert json.loads(sent.body)["anthropic_version"] == "vertex-2023-10-16"
