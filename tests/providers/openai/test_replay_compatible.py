"""Recorded Groq, Mistral and Ollama traffic replayed through the compatible providers.

The recorded request is re-issued from its own OpenAI-format fields, so the body modelmux sends is checked
against what the real client sent (adjusted only by the vendor's documented profile), and the answer
against what the vendor said: text, reasoning (``reasoning``, ``reasoning_content`` or Mistral thinking
chunks), tool calls, finish reason, usage and errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conformance.cassette import Interaction, chat_interactions
from tests.conformance.checks import assert_chunks_valid, assert_matches
from tests.conformance.expected import Expected, expected_from_openai, parse_sse
from tests.conformance.replay import ReplayTransport

import modelmux
from modelmux.providers.compatible import VENDORS

ROOT = Path(__file__).parent / "cassettes"
KEY = "sk-replay-key-0123456789abcdef"
#: cassette directory → modelmux provider
VENDOR_OF = {"groq": "groq", "mistral": "mistral", "ollama-openai-compat": "ollama"}

CASES = [
    pytest.param(it, VENDOR_OF[path.parent.name], id=f"{path.parent.parent.name}/{path.parent.name}/{path.stem}#{i}")
    for path in sorted(ROOT.glob("*/*/*.y*ml"))
    for i, it in enumerate(chat_interactions(path))
]


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 45
    assert {vendor for _, vendor in (c.values for c in CASES)} == set(VENDOR_OF.values())


def _mistral_thinking(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    out = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "thinking":
            out += [p.get("text", "") for p in part.get("thinking") or [] if isinstance(p, dict)]
    return "".join(out)


def expected_for(it: Interaction) -> Expected:
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


def call_args(it: Interaction, vendor: str) -> tuple[str, dict[str, Any]]:
    body = dict(it.request_json or {})
    model = f"{vendor}/{body.pop('model')}"
    kwargs = {k: v for k, v in body.items() if k != "stream"}
    kwargs["stream"] = bool(body.get("stream"))
    return model, kwargs


def sent_matches_recorded(sent: dict[str, Any], recorded: dict[str, Any], vendor: str) -> None:
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


@pytest.mark.parametrize(("it", "vendor"), CASES)
def test_replay(it: Interaction, vendor: str) -> None:
    model, kwargs = call_args(it, vendor)
    transport = ReplayTransport(it)
    exp = expected_for(it)
    if exp.is_error:
        with pytest.raises(modelmux.APIStatusError) as info:
            result = modelmux.completion(model, api_key=KEY, transport=transport, **kwargs)
            list(result) if kwargs["stream"] else None
        err = info.value
        if it.status >= 400:
            assert isinstance(err, modelmux.errors.error_class_for_status(it.status))
        else:  # an error event inside a 200 stream: its kind names the class
            assert err.status_code in range(400, 600)
        if exp.error_message:
            assert exp.error_message in err.message
        assert KEY not in str(err) + repr(err)
        return
    result = modelmux.completion(model, api_key=KEY, transport=transport, **kwargs)
    if kwargs["stream"]:
        chunks = list(result)
        assert_chunks_valid(chunks)
        result = modelmux.stream_chunk_builder(chunks)
    assert_matches(result, exp)
    assert "reasoning" not in (result.choices[0].message.model_extra or {})
    sent_matches_recorded(json.loads(transport.requests[0].content), it.request_json or {}, vendor)
