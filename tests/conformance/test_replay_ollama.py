"""Recorded Ollama traffic replayed through ``completion(model="ollama/<model>", api_base=<replay server>)``,
streamed and not: the native ``/api/generate`` recordings and the OpenAI-compatible ``/v1`` ones.

The replay server answers in order, whatever path was asked, so each answer must be read by its shape: a
native object or NDJSON, an OpenAI document or SSE. A ``/v1`` base goes to the OpenAI route with the recorded
request's own parameters.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import modelmux

from .cassette import CASSETTES_ROOT, Interaction, load_cassette
from .checks import assert_chunks_valid, assert_matches
from .expected import Expected, expected_from_openai
from .replay import ReplayServer, ReplayTransport

KEY = "sk-ollama-replay-0123456789abcdef"
HI = [{"role": "user", "content": "hi"}]

#: The OpenAI-compatible recordings live in cassettes/ or, until moved there, with the OpenAI provider's tests.
_COMPAT_ROOTS = (CASSETTES_ROOT, Path(__file__).parents[1] / "providers" / "openai" / "cassettes")


def _compat_files() -> list[Path]:
    found: dict[str, Path] = {}
    for root in _COMPAT_ROOTS:
        for path in sorted(root.glob("*/ollama-openai-compat/*.y*ml")):
            found.setdefault(path.name, path)
    return sorted(found.values())


NATIVE = [
    pytest.param(it, id=f"{path.stem}#{it.index}")
    for path in sorted(CASSETTES_ROOT.glob("*/ollama-native-generate/*.y*ml"))
    for it in load_cassette(path)
    if it.path.endswith(("/api/generate", "/api/chat"))
]
COMPAT = [
    pytest.param(it, id=f"{path.stem}#{it.index}")
    for path in _compat_files()
    for it in load_cassette(path)
    if it.path.endswith("/chat/completions")
]


def expected_from_ollama(body: bytes) -> Expected:
    """What a native answer says: one object, or NDJSON lines (text, thinking and tool calls accumulate)."""
    exp = Expected()
    for line in body.decode("utf-8").splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        message = doc.get("message") or {}
        exp.text += message.get("content") or doc.get("response") or ""
        exp.reasoning += message.get("thinking") or doc.get("thinking") or ""
        for call in message.get("tool_calls") or []:
            exp.tool_calls.append((call["function"]["name"], call["function"]["arguments"], call.get("id")))
        if doc.get("done"):
            exp.native_finish_reason = doc.get("done_reason")
            exp.prompt_tokens = doc.get("prompt_eval_count", 0)
            exp.completion_tokens = doc.get("eval_count", 0)
    return exp


def _call(model: str, server: ReplayServer, *, stream: bool, base: str = "", **kwargs: Any) -> modelmux.ChatCompletion:
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    result = modelmux.completion(model, api_key=KEY, api_base=server.url + base, stream=stream, **kwargs)
    if not stream:
        assert isinstance(result, modelmux.ChatCompletion)
        return result
    chunks = list(result)
    assert_chunks_valid(chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    return modelmux.stream_chunk_builder(chunks)


def test_the_recordings_are_there() -> None:
    assert len(NATIVE) >= 2
    assert len(COMPAT) >= 12


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("it", NATIVE)
def test_native_generate_recording(it: Interaction, stream: bool) -> None:
    exp = expected_from_ollama(it.decoded_body())
    with ReplayServer([it]) as server:
        result = _call("ollama/" + it.request_json["model"], server, stream=stream, messages=HI)
        assert server.requests[0].url_path == "/api/chat"
        sent = json.loads(server.requests[0].body)
    assert_matches(result, exp)
    assert result.choices[0].finish_reason == "stop" and result.choices[0].native_finish_reason == "stop"
    assert sent["stream"] is stream and sent["messages"] == HI


@pytest.mark.parametrize("it", NATIVE)
def test_native_generate_recording_through_generate(it: Interaction) -> None:
    """The recorded request again, on /api/generate: its system and user sections as the prompt."""
    recorded = it.request_json
    with ReplayServer([it]) as server:
        result = _call(
            "ollama/" + recorded["model"],
            server,
            stream=False,
            messages=[{"role": "user", "content": recorded["prompt"]}],
            ollama_endpoint="generate",
            **({"format": recorded["format"]} if "format" in recorded else {}),
        )
        sent = json.loads(server.requests[0].body)
        assert server.requests[0].url_path == "/api/generate"
    assert sent["prompt"] == recorded["prompt"] and sent.get("format") == recorded.get("format")
    assert_matches(result, expected_from_ollama(it.decoded_body()))


def _compat_model(it: Interaction) -> str:
    return "ollama/" + (it.request_json or {})["model"]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("it", COMPAT)
def test_compat_recording_on_the_native_route(it: Interaction, stream: bool) -> None:
    """Asked natively (messages only, as a hidden replay does), answered in OpenAI's shape: still right."""
    messages = (it.request_json or {})["messages"]
    exp = expected_from_openai(it.decoded_body(), status=it.status)
    with ReplayServer([it]) as server:
        if exp.is_error:
            with pytest.raises(modelmux.APIStatusError) as info:
                _call(_compat_model(it), server, stream=stream, messages=messages)
            assert isinstance(info.value, modelmux.errors.error_class_for_status(it.status))
            assert exp.error_message and exp.error_message in info.value.message
            assert KEY not in str(info.value) + repr(info.value)
            return
        result = _call(_compat_model(it), server, stream=stream, messages=messages)
        assert server.requests[0].url_path == "/api/chat"
    assert_matches(result, exp)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("it", COMPAT)
def test_compat_recording_on_the_v1_route(it: Interaction, stream: bool) -> None:
    """A base ending in /v1 speaks the OpenAI dialect, with the recorded request's own parameters."""
    recorded = dict(it.request_json or {})
    kwargs = {k: v for k, v in recorded.items() if k not in {"model", "stream", "stream_options"}}
    exp = expected_from_openai(it.decoded_body(), status=it.status)
    with ReplayServer([it]) as server:
        if exp.is_error:
            with pytest.raises(modelmux.APIStatusError) as info:
                _call(_compat_model(it), server, stream=stream, base="/v1", **kwargs)
            assert isinstance(info.value, modelmux.errors.error_class_for_status(it.status))
            return
        result = _call(_compat_model(it), server, stream=stream, base="/v1", **kwargs)
        assert server.requests[0].url_path == "/v1/chat/completions"
        sent = json.loads(server.requests[0].body)
    assert_matches(result, exp)
    assert sent["messages"] and sent["model"] == recorded["model"]
    for name in ("response_format", "temperature"):
        assert sent.get(name) == recorded.get(name)
    if "tools" in recorded:
        assert [t["function"] for t in sent["tools"]] == [t["function"] for t in recorded["tools"]]


def test_context_length_error_is_precise() -> None:
    it = next(p.values[0] for p in COMPAT if p.values[0].status == 400)  # type: ignore[union-attr]
    with ReplayServer([it]) as server, pytest.raises(modelmux.errors.ContextWindowExceededError):
        _call(_compat_model(it), server, stream=False, messages=HI)


def test_async_native_stream() -> None:
    it: Interaction = NATIVE[0].values[0]  # type: ignore[assignment]

    async def run() -> modelmux.ChatCompletion:
        stream = await modelmux.acompletion(
            "ollama/llama3.1", HI, api_key=KEY, transport=ReplayTransport(it), stream=True
        )
        return modelmux.stream_chunk_builder([c async for c in stream])

    result = asyncio.run(run())
    assert (result.choices[0].message.content or "") == expected_from_ollama(it.decoded_body()).text
    assert result.usage is None  # no usage chunk unless stream_options.include_usage asks for one
