"""OpenAI ``tools`` / ``tool_choice`` → Converse ``toolConfig``.

https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html

* A function tool → ``{"toolSpec": {name, description, inputSchema: {json: parameters}}}``; a missing
  ``parameters`` is the empty object schema; ``strict: true`` is kept (Bedrock's strict tool use); a
  ``cache_control`` on a tool → a ``cachePoint`` entry after it.
* ``tool_choice``: auto → ``{auto: {}}``, required → ``{any: {}}``, a named function → ``{tool: {name}}``.
  Converse has no ``none``: the tools are then left out of the request, which has the same effect, unless
  the conversation already holds tool calls or results (Converse requires ``toolConfig`` then), where it
  cannot be expressed.
* ``parallel_tool_calls``: Converse has no switch for it; ``True`` (the default) needs nothing, ``False``
  cannot be expressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base import CallContext
from .._json_output import JSON_TOOL_NAME
from .convert_content import cache_point
from .errors import bad_request

__all__ = ["JSON_TOOL_NAME", "convert_tool_choice", "convert_tools"]

_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


def convert_tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise bad_request("tools must be a list", "tools")
    converted: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise bad_request(f"tools[{i}] must be an object", "tools")
        function = tool.get("function")
        if tool.get("type") != "function" or not isinstance(function, Mapping):
            raise bad_request(f"tools[{i}]: only function tools are supported, got type {tool.get('type')!r}", "tools")
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request(f"tools[{i}].function.name must be a non-empty string", "tools")
        if name == JSON_TOOL_NAME:
            raise bad_request(f"tools[{i}]: the tool name {name!r} is reserved by modelmux", "tools")
        schema = function.get("parameters")
        if schema is None:
            schema = _EMPTY_SCHEMA
        elif not isinstance(schema, Mapping):
            raise bad_request(f"tools[{i}].function.parameters must be a JSON schema object", "tools")
        spec: dict[str, Any] = {"name": name, "inputSchema": {"json": dict(schema)}}
        if function.get("description"):
            spec["description"] = str(function["description"])
        if function.get("strict") is True:
            spec["strict"] = True
        converted.append({"toolSpec": spec})
        point = cache_point(tool.get("cache_control"))
        if point is not None:
            converted.append(point)
    return converted


def convert_tool_choice(tool_choice: Any, parallel_tool_calls: Any, ctx: CallContext) -> dict[str, Any] | None:
    """The native ``toolChoice``; ``None`` leaves Bedrock's default (auto). ``"none"`` is handled by the caller."""
    if parallel_tool_calls is False:
        ctx.unsupported("parallel_tool_calls", "the Converse API cannot forbid parallel tool calls")
    if tool_choice is None or tool_choice == "auto":
        return None
    if tool_choice == "required":
        return {"any": {}}
    if isinstance(tool_choice, Mapping) and tool_choice.get("type") == "function":
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if not isinstance(name, str) or not name:
            raise bad_request("tool_choice.function.name must be a non-empty string", "tool_choice")
        return {"tool": {"name": name}}
    raise bad_request(
        f"tool_choice must be 'auto', 'required', 'none' or a named function, got {tool_choice!r}", "tool_choice"
    )
