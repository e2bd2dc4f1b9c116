"""OpenAI ``tools`` / ``tool_choice`` / ``parallel_tool_calls`` → Cohere v2.

Cohere v2 tools have OpenAI's shape, ``{"type": "function", "function": {"name", "description",
"parameters"}}`` (https://docs.cohere.com/reference/chat, request ``tools``), so they pass through (only
the fields Cohere knows). OpenAI's per-function ``strict`` becomes Cohere's request-wide ``strict_tools``
when every tool asks for it (Cohere cannot be strict for some tools only; then it is not sent).

``tool_choice`` (https://docs.cohere.com/docs/tool-use-usage-patterns#forcing-tool-usage): ``auto`` is
Cohere's default (nothing sent), ``required`` → ``REQUIRED``, ``none`` → ``NONE``. Naming one function
(``{"type": "function", "function": {"name": …}}``) has no Cohere field; it is expressed as ``REQUIRED``
with only that tool offered, which forces exactly that call. ``parallel_tool_calls=False`` cannot be
expressed (Cohere decides how many calls to make): ``ctx.unsupported``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext

__all__ = ["convert_tools"]

_FUNCTION_FIELDS = ("name", "description", "parameters")


def _tool(tool: Any, i: int, ctx: CallContext) -> dict[str, Any]:
    function = tool.get("function") if isinstance(tool, Mapping) else None
    if not isinstance(tool, Mapping) or tool.get("type", "function") != "function" or not isinstance(function, Mapping):
        kind = tool.get("type") if isinstance(tool, Mapping) else type(tool).__name__
        raise BadRequestError(
            f"cohere takes function tools only; tools[{i}] is {kind!r}",
            provider=ctx.provider,
            model=ctx.model,
            param="tools",
        )
    native = {k: function[k] for k in _FUNCTION_FIELDS if function.get(k) is not None}
    native.setdefault("parameters", {"type": "object", "properties": {}})
    return {"type": "function", "function": native}


def convert_tools(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """The body fields for the request's tools: ``tools``, ``tool_choice``, ``strict_tools``."""
    tools = params.get("tools") or []
    body: dict[str, Any] = {}
    if params.get("parallel_tool_calls") is False:
        ctx.unsupported("parallel_tool_calls", "Cohere has no switch to make at most one tool call")
    if not tools:
        return body
    native = [_tool(t, i, ctx) for i, t in enumerate(tools)]
    if all(isinstance(t.get("function"), Mapping) and t["function"].get("strict") is True for t in tools):
        body["strict_tools"] = True
    choice = params.get("tool_choice")
    if isinstance(choice, str):  # Cohere's own spelling (REQUIRED, NONE) is accepted too
        choice = choice.lower()
    if choice == "required":
        body["tool_choice"] = "REQUIRED"
    elif choice == "none":
        body["tool_choice"] = "NONE"
    elif isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        native = [t for t in native if t["function"]["name"] == name]
        if not native:
            raise BadRequestError(
                f"tool_choice names {name!r}, which is not one of the tools",
                provider=ctx.provider,
                model=ctx.model,
                param="tool_choice",
            )
        body["tool_choice"] = "REQUIRED"
    elif choice not in (None, "auto"):
        raise BadRequestError(
            f"tool_choice {choice!r} is not auto, none, required or a function",
            provider=ctx.provider,
            model=ctx.model,
            param="tool_choice",
        )
    body["tools"] = native
    return body
