"""OpenAI ``tools``/``tool_choice``/``parallel_tool_calls`` → Gemini ``tools`` + ``toolConfig``.

https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes: ``AUTO`` (model decides),
``ANY`` (must call; ``allowedFunctionNames`` narrows the choice), ``NONE`` (no calls).
"""

from __future__ import annotations

from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .convert_schema import convert_schema

__all__ = ["convert_tool_choice", "convert_tools"]

_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def convert_tools(tools: list[dict[str, Any]], ctx: CallContext) -> list[dict[str, Any]]:
    """One Gemini tool holding a ``functionDeclaration`` per OpenAI function tool.

    A tool without parameters (or with an empty object schema) gets no ``parameters``, as Gemini's docs
    show for argument-less functions. ``strict`` has no Gemini equivalent and is ignored: Gemini always
    follows the declared schema loosely.
    """
    declarations: list[dict[str, Any]] = []
    for tool in tools:
        if tool.get("type", "function") != "function":
            ctx.unsupported("tools", f"tool type {tool.get('type')!r}; only function tools can be sent")
            continue
        fn = tool["function"]
        declaration: dict[str, Any] = {"name": fn["name"]}
        if fn.get("description"):
            declaration["description"] = fn["description"]
        parameters = fn.get("parameters")
        if parameters:
            converted = convert_schema(parameters)
            if converted.get("properties") or converted.get("type") not in (None, "OBJECT"):
                declaration["parameters"] = converted
        declarations.append(declaration)
    return [{"functionDeclarations": declarations}] if declarations else []


def convert_tool_choice(tool_choice: Any, parallel_tool_calls: Any, ctx: CallContext) -> dict[str, Any] | None:
    """Gemini ``toolConfig`` for an OpenAI ``tool_choice``; ``None`` when the default (AUTO) fits.

    ``parallel_tool_calls=False`` cannot be expressed (Gemini decides how many calls to make), so it goes
    through ``ctx.unsupported``; ``True`` is Gemini's behaviour anyway.
    """
    if parallel_tool_calls is False:
        ctx.unsupported("parallel_tool_calls", "Gemini cannot be limited to one tool call per turn")
    if tool_choice is None:
        return None
    if isinstance(tool_choice, str):
        mode = _MODES.get(tool_choice)
        if mode is None:
            raise BadRequestError(
                f"tool_choice must be 'auto', 'none', 'required' or a function, got {tool_choice!r}",
                provider="gemini",
                param="tool_choice",
            )
        return {"functionCallingConfig": {"mode": mode}}
    fn = tool_choice.get("function") if isinstance(tool_choice, dict) else None
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str) or not name:
        raise BadRequestError(
            "tool_choice must be {'type': 'function', 'function': {'name': ...}}",
            provider="gemini",
            param="tool_choice",
        )
    return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
