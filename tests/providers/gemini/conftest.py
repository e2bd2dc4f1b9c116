"""Shared helpers for the Gemini provider tests: a call context and a wire-format oracle.

The oracle is google-genai's pydantic types, which forbid unknown fields and accept the camelCase
wire names as aliases, so every request body built here is checked field by field against Google's
own description of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google.genai import types as genai

from modelmux.providers._base import CallContext

MakeCtx = Callable[..., CallContext]


def _make_ctx(model: str = "gemini-2.5-flash", **kwargs: Any) -> CallContext:
    kwargs.setdefault("api_base", "https://generativelanguage.googleapis.com")
    kwargs.setdefault("api_key", "test-key")
    return CallContext("gemini", model, **kwargs)


def _validate_body(body: dict[str, Any]) -> None:
    """Validate a ``generateContent`` body with google-genai's models (extra fields forbidden)."""
    allowed = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings"}
    assert set(body) <= allowed, set(body) - allowed
    assert body["contents"], "contents must not be empty"
    for content in body["contents"]:
        assert content["role"] in {"user", "model"}
        assert content["parts"], "a content needs parts"
        genai.Content.model_validate(content)
    if "systemInstruction" in body:
        genai.Content.model_validate(body["systemInstruction"])
    for tool in body.get("tools", ()):
        genai.Tool.model_validate(tool)
    if "toolConfig" in body:
        genai.ToolConfig.model_validate(body["toolConfig"])
    if "generationConfig" in body:
        genai.GenerationConfig.model_validate(body["generationConfig"])
    for setting in body.get("safetySettings", ()):
        genai.SafetySetting.model_validate(setting)


@pytest.fixture
def make_ctx() -> MakeCtx:
    """``make_ctx(model="gemini-2.5-flash", **CallContext fields)``."""
    return _make_ctx


@pytest.fixture
def ctx() -> CallContext:
    return _make_ctx()


@pytest.fixture
def validate_body() -> Callable[[dict[str, Any]], None]:
    return _validate_body
