"""Vertex AI's models of late 2026: catalog rows (Gemini 3.x, Claude 4.6+ under dateless ids) and what the request
carries for them (Gemini 3's ``thinkingLevel``, each Claude model's own rules), also when the publisher is written."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import resolve
from modelmux.errors import UnsupportedParamsError

HI = [{"role": "user", "content": "hi"}]
GEMINI_ANSWER = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4},
    "modelVersion": "gemini-3.8-flash",
}
CLAUDE_ANSWER = {
    "id": "msg_vrtx_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-opus-4-7",
    "content": [{"type": "text", "text": "hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}


def _send(model: str, answer: dict[str, Any], **params: Any) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    modelmux.completion(
        model,
        HI,
        vertex_project="p",
        vertex_location="global",
        vertex_access_token="ya29.t",
        transport=httpx.MockTransport(handler),
        **params,
    )
    return seen[0]


@pytest.mark.parametrize(
    ("model", "window", "output"),
    [
        ("vertex/gemini-3.8-flash", 1048576, 65536),
        ("vertex/gemini-3.5-flash", 1048576, 65535),
        ("vertex/claude-opus-4-6", 1000000, 128000),
        ("vertex/claude-sonnet-4-6", 1000000, 64000),
        ("vertex/claude-fable-5", 1000000, 128000),
    ],
)
def test_vertex_rows_of_2026(model: str, window: int, output: int) -> None:
    info = resolve(model).info
    assert info is not None and info.provider == "vertex"
    assert (info.context_window, info.max_output_tokens) == (window, output)
    assert "reasoning" in info.capabilities


def test_bare_ids_stay_with_their_first_party() -> None:
    assert resolve("claude-opus-4-6").provider_name == "anthropic"
    assert resolve("gemini-3.8-flash").provider_name == "gemini"
    limits = resolve("vertex/gemini-3.1-pro-preview").info
    assert limits is not None and limits.context_window is None  # no Vertex page gave its limits: left out


@pytest.mark.parametrize("model", ["vertex/gemini-3.8-flash", "vertex/google/gemini-3.8-flash"])
def test_gemini_3_on_vertex_gets_a_thinking_level(model: str) -> None:
    sent = _send(model, GEMINI_ANSWER, reasoning_effort="low")
    assert str(sent.url).endswith("/publishers/google/models/gemini-3.8-flash:generateContent")
    config = json.loads(sent.content)["generationConfig"]
    assert config["thinkingConfig"] == {"thinkingLevel": "LOW", "includeThoughts": True}


@pytest.mark.parametrize("model", ["vertex/claude-opus-4-7", "vertex/anthropic/claude-opus-4-7"])
def test_claude_opus_4_7_on_vertex_takes_adaptive_thinking_and_effort(model: str) -> None:
    sent = _send(model, CLAUDE_ANSWER, reasoning_effort="xhigh", max_tokens=100)
    assert str(sent.url).endswith("/publishers/anthropic/models/claude-opus-4-7:rawPredict")
    body = json.loads(sent.content)
    assert body["thinking"]["type"] == "adaptive" and body["output_config"] == {"effort": "xhigh"}
    assert body["anthropic_version"] == "vertex-2023-10-16" and "model" not in body


@pytest.mark.parametrize(
    ("model", "params", "param"),
    [
        ("vertex/claude-fable-5", {"temperature": 0.2}, "temperature"),  # 4.7 and later: no sampling parameters
        ("vertex/anthropic/claude-opus-4-8", {"top_p": 0.5}, "top_p"),
        ("vertex/claude-fable-5", {"reasoning_effort": "none"}, "reasoning_effort"),  # thinking always on
    ],
)
def test_claude_rules_apply_on_vertex(model: str, params: dict[str, Any], param: str) -> None:
    with pytest.raises(UnsupportedParamsError) as caught:
        _send(model, CLAUDE_ANSWER, max_tokens=100, **params)
    assert caught.value.param == param
