"""The ``generateContent`` request body: messages, tools, generation config and caller extras.

Caller extras (``ctx.extra_body``, i.e. ``completion(..., top_k=40, safety_settings=[...])``) may be
spelled in snake_case or camelCase. Names of ``generationConfig`` fields (``top_k``, ``topK``,
``response_modalities``, ``thinkingConfig``…) go into ``generationConfig``; a ``generationConfig`` dict
is merged into the one built here; extra ``tools`` (``{"googleSearch": {}}``) are appended; known
top-level fields (``safetySettings``, ``cachedContent``…) are camel-cased; anything else is sent as
given. Caller values win over translated ones.
"""

from __future__ import annotations

from typing import Any

from .._base import CallContext
from .convert_config import convert_generation_config
from .convert_messages import convert_messages
from .convert_tools import convert_tool_choice, convert_tools

__all__ = ["GENERATION_CONFIG_FIELDS", "build_body"]

#: https://ai.google.dev/api/generate-content#generationconfig
GENERATION_CONFIG_FIELDS = frozenset(
    {
        "stopSequences",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "responseModalities",
        "candidateCount",
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "seed",
        "presencePenalty",
        "frequencyPenalty",
        "responseLogprobs",
        "logprobs",
        "enableEnhancedCivicAnswers",
        "speechConfig",
        "thinkingConfig",
        "imageConfig",
        "mediaResolution",
    }
)
_TOP_LEVEL_FIELDS = frozenset(
    {
        "contents",
        "tools",
        "toolConfig",
        "safetySettings",
        "systemInstruction",
        "generationConfig",
        "cachedContent",
    }
)
_THINKING_CONTROLS = ("thinkingBudget", "thinkingLevel")


def build_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """The native JSON body for OpenAI-format ``params``."""
    system, contents = convert_messages(params["messages"])
    body: dict[str, Any] = {"contents": contents}
    if system is not None:
        body["systemInstruction"] = system
    if params.get("tools"):
        tools = convert_tools(params["tools"], ctx)
        if tools:
            body["tools"] = tools
            tool_config = convert_tool_choice(params.get("tool_choice"), params.get("parallel_tool_calls"), ctx)
            if tool_config is not None:
                body["toolConfig"] = tool_config
    config = convert_generation_config(params, ctx)
    if config:
        body["generationConfig"] = config
    if ctx.extra_body:
        _merge_extra(body, ctx.extra_body)
    return body


def _merge_extra(body: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        name = _camel(key)
        if name in GENERATION_CONFIG_FIELDS:
            _merge_config(body, {name: value})
        elif name == "generationConfig" and isinstance(value, dict):
            _merge_config(body, {_camel(k): v for k, v in value.items()})
        elif name == "tools" and isinstance(value, list):
            body["tools"] = [*body.get("tools", ()), *value]
        elif name in _TOP_LEVEL_FIELDS:
            body[name] = value
        else:
            body[key] = value


def _merge_config(body: dict[str, Any], extra: dict[str, Any]) -> None:
    config = body.setdefault("generationConfig", {})
    for name, value in extra.items():
        if name == "thinkingConfig" and isinstance(value, dict) and isinstance(config.get(name), dict):
            mine = dict(config[name])
            theirs = {_camel(k): v for k, v in value.items()}
            if any(c in theirs for c in _THINKING_CONTROLS):  # budget and level together are a 400
                for control in _THINKING_CONTROLS:
                    mine.pop(control, None)
            config[name] = {**mine, **theirs}
        else:
            config[name] = value
    # Both schema fields together are a 400: the caller's one replaces the one built here.
    if "responseJsonSchema" in extra:
        config.pop("responseSchema", None)
    elif "responseSchema" in extra:
        config.pop("responseJsonSchema", None)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)
