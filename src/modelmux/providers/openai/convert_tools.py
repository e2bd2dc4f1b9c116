"""``tools`` checked before they go out: a malformed tool is the caller's 400, never the server's 500.

Chat Completions takes two kinds of tool (API reference, "Create chat completion", ``tools``):
``{"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}`` and
``{"type": "custom", "custom": {"name", "description"?, "format"?}}`` where ``format`` is
``{"type": "text"}`` or ``{"type": "grammar", "grammar": {"definition", "syntax": "lark" | "regex"}}``.
Custom tools are OpenAI's own: a server whose profile says otherwise gets them reported as unsupported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .profile import Profile

__all__ = ["convert_tools"]

_GRAMMAR_SYNTAX = frozenset({"lark", "regex"})


def convert_tools(tools: Any, ctx: CallContext, profile: Profile) -> list[Any]:
    """The tools to send (fewer than given only when some were dropped under ``drop_params``).

    A function tool written without ``"type"`` gets ``"type": "function"``; everything else goes as given.

    Raises:
        BadRequestError: a tool has the wrong shape.
        UnsupportedParamsError: a custom tool for a server without them (unless ``drop_params``).
    """
    if not isinstance(tools, list):
        raise _bad(ctx, "tools must be a list of tool objects")
    out: list[Any] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise _bad(ctx, f"tools[{i}] must be an object, not {type(tool).__name__}")
        kind = tool.get("type", "function")
        if kind == "function":
            _check_function(ctx, i, tool.get("function"))
            out.append(tool if "type" in tool else {"type": "function", **tool})
        elif kind == "custom":
            _check_custom(ctx, i, tool.get("custom"))
            if profile.custom_tools:
                out.append(tool)
            else:
                ctx.unsupported("tools", f"tools[{i}] is a custom tool; {ctx.provider} takes function tools only")
        else:
            raise _bad(ctx, f"tools[{i}].type must be 'function' or 'custom', not {kind!r}")
    return out


def _bad(ctx: CallContext, message: str) -> BadRequestError:
    return BadRequestError(message, provider=ctx.provider, model=ctx.model, param="tools", code="invalid_tools")


def _check_name(ctx: CallContext, at: str, body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise _bad(ctx, f"{at} must be an object with a 'name'")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise _bad(ctx, f"{at}.name must be a non-empty string")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise _bad(ctx, f"{at}.description must be a string")
    return body


def _check_function(ctx: CallContext, i: int, fn: Any) -> None:
    at = f"tools[{i}].function"
    fn = _check_name(ctx, at, fn)
    parameters = fn.get("parameters")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise _bad(ctx, f"{at}.parameters must be a JSON Schema object")
    strict = fn.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise _bad(ctx, f"{at}.strict must be a boolean")


def _check_custom(ctx: CallContext, i: int, custom: Any) -> None:
    at = f"tools[{i}].custom"
    custom = _check_name(ctx, at, custom)
    fmt = custom.get("format")
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "text":
        return
    if kind != "grammar":
        raise _bad(ctx, f"{at}.format must be {{'type': 'text'}} or {{'type': 'grammar', 'grammar': {{...}}}}")
    grammar = fmt.get("grammar")
    if (
        not isinstance(grammar, Mapping)
        or not isinstance(grammar.get("definition"), str)
        or grammar.get("syntax") not in _GRAMMAR_SYNTAX
    ):
        raise _bad(ctx, f"{at}.format.grammar must be {{'definition': str, 'syntax': 'lark' | 'regex'}}")
