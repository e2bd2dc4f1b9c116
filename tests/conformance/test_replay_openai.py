"""Recorded OpenAI chat traffic replayed through ``modelmux.completion``; below, the same for the
OpenAI-compatible vendors (Groq, Mistral, Ollama) through their providers.

The recorded request is re-issued from its own OpenAI-format fields, so the body modelmux sends is
checked against what the real client sent (adjusted only by the vendor's documented profile), and the
answer against what the provider said: text, reasoning (``reasoning``, ``reasoning_content`` or Mistral
thinking chunks), tool calls, finish reason, usage and errors.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import modelmux
from modelmux.providers.compatible import VENDORS

from .cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import Expected, expected_for, expected_from_openai, parse_sse
from .replay import ReplayServer, ReplayTransport

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{i}")
    for path in iter_cassettes(CASSETTES_ROOT, {"openai-chat"})
    for i, it in enumerate(chat_interactions(path))
]


def call_args(it: Any) -> tuple[str, dict[str, Any]]:
    body = dict(it.request_json)
    model = "openai/" + body.pop("model")
    kwargs = {k: v for k, v in body.items() if k != "stream"}
    kwargs["stream"] = bool(body.get("stream"))
    return model, kwargs


def sent_matches_recorded(sent: dict[str, Any], recorded: dict[str, Any]) -> None:
    if "max_tokens" in recorded and "max_completion_tokens" not in recorded:
        recorded = dict(recorded)
        recorded["max_completion_tokens"] = recorded.pop("max_tokens")
    assert sent == {k: v for k, v in recorded.items() if not (k == "stream" and v is False)}


@pytest.mark.parametrize("it", CASES)
def test_replay(it: Any) -> None:
    model, kwargs = call_args(it)
    transport = ReplayTransport(it)
    exp = expected_for(it)
    if exp.is_error:
        with pytest.raises(modelmux.APIStatusError) as info:
            result = modelmux.completion(model, api_key="sk-replay-key-0123456789", transport=transport, **kwargs)
            list(result) if kwargs["stream"] else None
        err = info.value
        assert err.status_code == it.status
        assert type(err) is modelmux.errors.error_class_for_status(it.status) or isinstance(
            err, modelmux.errors.error_class_for_status(it.status)
        )
        assert exp.error_message and exp.error_message in err.message
        assert "sk-replay-key-0123456789" not in str(err) + repr(err)
        return
    result = modelmux.completion(model, api_key="sk-replay-key-0123456789", transport=transport, **kwargs)
    if kwargs["stream"]:
        chunks = list(result)
        assert_chunks_valid(chunks)
        result = modelmux.stream_chunk_builder(chunks)
    assert_matches(result, exp)
    sent_matches_recorded(json.loads(transport.requests[0].content), it.request_json)


OK_CASES = [c for c in CASES if c.values[0].status < 400]


@pytest.mark.parametrize("it", OK_CASES[:8])
def test_replay_async(it: Any) -> None:
    model, kwargs = call_args(it)
    exp = expected_for(it)

    async def run() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(model, api_key="k", transport=ReplayTransport(it), **kwargs)
        if kwargs["stream"]:
            return modelmux.stream_chunk_builder([c async for c in result])
        return result  # type: ignore[no-any-return]

    assert_matches(asyncio.run(run()), exp)


@pytest.mark.parametrize("it", CASES[:4])
def test_replay_over_real_http(it: Any) -> None:
    """As external graders do it: a replay server on loopback, reached through ``api_base``."""
    model, kwargs = call_args(it)
    exp = expected_for(it)
    with ReplayServer([it]) as server:
        if exp.is_error:
            with pytest.raises(modelmux.APIStatusError):
                modelmux.completion(model, api_key="k", api_base=server.url, **kwargs)
            return
        result = modelmux.completion(model, api_key="k", api_base=server.url, **kwargs)
        if kwargs["stream"]:
            result = modelmux.stream_chunk_builder(list(result))
        assert_matches(result, exp)
        assert server.requests[0].url_path.endswith("/v1/chat/completions")


# ---------------------------------------------------------------- OpenAI-compatible vendors

#: Recorded Groq, Mistral and Ollama traffic (see its INDEX.md): the vendors' profiles are checked against it.
COMPAT_ROOT = Path(__file__).parents[1] / "providers" / "openai" / "cassettes"
COMPAT_KEY = "sk-replay-key-0123456789abcdef"
#: cassette directory → modelmux provider
COMPAT_VENDOR_OF = {"groq": "groq", "mistral": "mistral", "ollama-openai-compat": "ollama"}

COMPAT_CASES = [
    pytest.param(
        it, COMPAT_VENDOR_OF[path.parent.name], id=f"{path.parent.parent.name}/{path.parent.name}/{path.stem}#{i}"
    )
    for path in sorted(COMPAT_ROOT.glob("*/*/*.y*ml"))
    for i, it in enumerate(chat_interactions(path))
]


def test_the_compatible_corpus_is_there() -> None:
    assert len(COMPAT_CASES) >= 45
    assert {vendor for _, vendor in (c.values for c in COMPAT_CASES)} == set(COMPAT_VENDOR_OF.values())


def _mistral_thinking(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    out = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "thinking":
            out += [p.get("text", "") for p in part.get("thinking") or [] if isinstance(p, dict)]
    return "".join(out)


def compat_expected_for(it: Interaction) -> Expected:
    """The conformance expectation, plus Mistral's thinking chunks as reasoning (the shared helper reads
    ``reasoning``/``reasoning_content`` only)."""
    body = it.decoded_body()
    exp = expected_from_openai(body, status=it.status)
    if it.status >= 400:
        return exp
    if it.is_stream:
        for event in parse_sse(body.decode()):
            if event.data.strip() and event.data.strip() != "[DONE]":
                for choice in json.loads(event.data).get("choices") or []:
                    exp.reasoning += _mistral_thinking((choice.get("delta") or {}).get("content"))
    else:
        for choice in json.loads(body).get("choices") or []:
            exp.reasoning += _mistral_thinking((choice.get("message") or {}).get("content"))
    return exp


def compat_call_args(it: Interaction, vendor: str) -> tuple[str, dict[str, Any]]:
    body = dict(it.request_json or {})
    model = f"{vendor}/{body.pop('model')}"
    kwargs = {k: v for k, v in body.items() if k != "stream"}
    kwargs["stream"] = bool(body.get("stream"))
    if vendor == "ollama":  # ollama/ speaks Ollama's own API; a /v1 base reaches its OpenAI route
        kwargs["api_base"] = "http://localhost:11434/v1"
    return model, kwargs


def compat_sent_matches_recorded(sent: dict[str, Any], recorded: dict[str, Any], vendor: str) -> None:
    profile = VENDORS[vendor].profile
    # None values are not sent (the core drops unset parameters); stream=false is the default.
    want = {k: v for k, v in recorded.items() if v is not None and not (k == "stream" and v is False)}
    if "tools" in want:  # a function tool written without "type" gets it (OpenAI requires it; all accept it)
        want["tools"] = [t if "type" in t else {"type": "function", **t} for t in want["tools"]]
    if profile.reasoning_back == "reasoning":  # the client sent both spellings; the vendor reads `reasoning`
        want["messages"] = [
            {k: v for k, v in m.items() if k != "reasoning_content"} if "reasoning" in m else m
            for m in want["messages"]
        ]
    for name in ("max_tokens", "max_completion_tokens"):
        if name in want:
            want[profile.max_tokens_field] = want.pop(name)
    if not profile.stream_options:
        want.pop("stream_options", None)
    assert sent == want


@pytest.mark.parametrize(("it", "vendor"), COMPAT_CASES)
def test_replay_compatible(it: Interaction, vendor: str) -> None:
    model, kwargs = compat_call_args(it, vendor)
    transport = ReplayTransport(it)
    exp = compat_expected_for(it)
    if exp.is_error:
        with pytest.raises(modelmux.APIStatusError) as info:
            result = modelmux.completion(model, api_key=COMPAT_KEY, transport=transport, **kwargs)
            list(result) if kwargs["stream"] else None
        err = info.value
        if it.status >= 400:
            assert isinstance(err, modelmux.errors.error_class_for_status(it.status))
        else:  # an error event inside a 200 stream: its kind names the class
            assert err.status_code in range(400, 600)
        if exp.error_message:
            assert exp.error_message in err.message
        assert COMPAT_KEY not in str(err) + repr(err)
        return
    result = modelmux.completion(model, api_key=COMPAT_KEY, transport=transport, **kwargs)
    if kwargs["stream"]:
        chunks = list(result)
        assert_chunks_valid(chunks)
        result = modelmux.stream_chunk_builder(chunks)
    assert_matches(result, exp)
    assert "reasoning" not in (result.choices[0].message.model_extra or {})
    compat_sent_matches_recorded(json.loads(transport.requests[0].content), it.request_json or {}, vendor)
