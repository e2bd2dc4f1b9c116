"""OpenAI sampling/output parameters → Gemini ``generationConfig``.

https://ai.google.dev/api/generate-content#generationconfig and
https://ai.google.dev/gemini-api/docs/thinking.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .convert_json_schema import prepare_json_schema, uses_json_schema_fields
from .convert_schema import convert_schema

__all__ = ["THINKING_BUDGETS", "THINKING_LEVELS", "convert_generation_config", "convert_reasoning_effort"]

#: ``reasoning_effort`` → ``thinkingBudget`` (tokens) for Gemini 2.5 and unversioned aliases.
#: 0 turns thinking off (2.5 Flash/Flash-Lite; 2.5 Pro cannot think less than 128 tokens and answers 400).
THINKING_BUDGETS = {"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}

#: ``reasoning_effort`` → ``thinkingLevel`` for Gemini 3 and later, which prefer levels to budgets.
#: Only LOW and HIGH are accepted by every Gemini 3 model (Pro has no MINIMAL/MEDIUM), and Gemini 3
#: cannot stop thinking, so ``none``/``minimal`` ask for the least there is. For Flash's MINIMAL/MEDIUM,
#: pass ``thinkingConfig`` yourself (``extra_body={"thinkingConfig": {"thinkingLevel": "MEDIUM"}}``).
THINKING_LEVELS = {"none": "LOW", "minimal": "LOW", "low": "LOW", "medium": "HIGH", "high": "HIGH"}

_VERSION = re.compile(r"^gemini-(\d+)")


def convert_generation_config(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """The ``generationConfig`` for ``params`` (empty when nothing is set)."""
    config: dict[str, Any] = {}
    if "temperature" in params:
        config["temperature"] = params["temperature"]
    if "top_p" in params:
        config["topP"] = params["top_p"]
    max_tokens = params.get("max_completion_tokens", params.get("max_tokens"))
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = params.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    n = params.get("n")
    if n is not None and n != 1:
        # One candidate per request keeps streaming, tool calls and usage simple and is all that
        # Gemini 2.5+ reliably serves; n>1 is refused rather than silently shortened.
        ctx.unsupported("n", "modelmux asks Gemini for one candidate; make n requests instead")
    if "seed" in params:
        config["seed"] = params["seed"]
    if "presence_penalty" in params:
        config["presencePenalty"] = params["presence_penalty"]
    if "frequency_penalty" in params:
        config["frequencyPenalty"] = params["frequency_penalty"]
    config.update(_response_format(params.get("response_format"), ctx))
    effort = params.get("reasoning_effort")
    if effort is not None:
        thinking = convert_reasoning_effort(effort, ctx)
        if thinking is not None:
            config["thinkingConfig"] = thinking
    return config


def convert_reasoning_effort(effort: Any, ctx: CallContext) -> dict[str, Any] | None:
    """``thinkingConfig`` for an OpenAI ``reasoning_effort``; thoughts are included unless it is ``none``.

    Gemini 3+ (by model id) gets ``thinkingLevel`` (:data:`THINKING_LEVELS`), everything else a
    ``thinkingBudget`` (:data:`THINKING_BUDGETS`), which Gemini 3 also still accepts — so aliases such as
    ``gemini-flash-latest`` are safe whatever they point at.
    """
    if effort not in THINKING_BUDGETS:
        ctx.unsupported("reasoning_effort", f"{effort!r} is not one of {', '.join(THINKING_BUDGETS)}")
        return None
    match = _VERSION.match(ctx.model.removeprefix("models/"))
    thinking: dict[str, Any]
    if match and int(match.group(1)) >= 3:
        thinking = {"thinkingLevel": THINKING_LEVELS[effort]}
    else:
        thinking = {"thinkingBudget": THINKING_BUDGETS[effort]}
    thinking["includeThoughts"] = effort != "none"
    return thinking


def _response_format(response_format: Any, ctx: CallContext) -> dict[str, Any]:
    """``json_object`` → JSON mime type; ``json_schema`` → also the schema.

    The schema goes as ``responseJsonSchema`` (JSON Schema kept as written, see
    :mod:`.convert_json_schema`), or for Gemini 1.x as the converted ``responseSchema`` subset. Either
    gets ``propertyOrdering`` so the JSON keys come in the caller's order. A ``responseSchema`` given in
    ``extra_body`` replaces it.
    """
    if response_format is None:
        return {}
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "text":
        return {}
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        out: dict[str, Any] = {"responseMimeType": "application/json"}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if schema and uses_json_schema_fields(ctx.model):
            what = "response_format.json_schema.schema"
            out["responseJsonSchema"] = prepare_json_schema(schema, property_ordering=True, what=what)
        elif schema:
            out["responseSchema"] = convert_schema(schema, property_ordering=True)
        return out
    raise BadRequestError(
        f"response_format type must be 'text', 'json_object' or 'json_schema', got {kind!r}",
        provider="gemini",
        param="response_format",
    )
