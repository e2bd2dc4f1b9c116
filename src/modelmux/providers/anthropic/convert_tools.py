"""OpenAI ``tools`` / ``tool_choice`` / ``parallel_tool_calls`` → Anthropic ``tools`` / ``tool_choice``.

https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use

* A function tool becomes ``{name, description, input_schema}``; ``parameters`` missing, ``{}`` or without
  ``type`` becomes an object schema (Anthropic requires ``type: object``, see :mod:`.convert_schema`).
  ``strict: true`` is sent as Anthropic's strict tool use on models with structured outputs, with the schema
  normalised for constrained decoding (:func:`.convert_schema.strict_schema`); elsewhere it is dropped with a
  warning and the schema is sent as given. ``cache_control`` on a tool is kept.
* Anthropic's own tool definitions (``{"type": "web_search_20250305", "name": "web_search", ...}``, code
  execution, web fetch, bash, text editor, computer use, memory…) pass through unchanged after a shape check
  (:mod:`.convert_server_tools`); their result blocks come back in ``message.content_blocks``.
* OpenAI ``custom`` tools (free-form text or grammar input, https://platform.openai.com/docs/guides/
  function-calling#custom-tools) have no Anthropic equivalent: Anthropic tool inputs are JSON objects and
  it cannot enforce a grammar, and a custom tool call would come back as a function call the caller did not
  define. They go through ``ctx.unsupported("tools")`` (refused, or dropped with ``drop_params``).
* ``tool_choice``: auto → ``{type: auto}``, required → ``{type: any}``, none → ``{type: none}``, a named
  function → ``{type: tool, name}``.
* ``parallel_tool_calls=False`` → ``disable_parallel_tool_use: true`` on the tool choice (``auto`` when
  none was given); it has no meaning with ``none``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base import CallContext
from .convert_response_format import JSON_TOOL_NAME
from .convert_schema import object_schema, strict_schema
from .convert_server_tools import is_server_tool, server_tool
from .errors import bad_request
from .profile import ModelProfile
from .warn import warn

__all__ = ["convert_tool_choice", "convert_tools"]


def convert_tools(tools: Any, profile: ModelProfile, ctx: CallContext) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise bad_request("tools must be a list", "tools")
    converted: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise bad_request(f"tools[{i}] must be an object", "tools")
        kind = tool.get("type")
        if is_server_tool(tool):
            converted.append(server_tool(tool, i))
            continue
        if kind == "custom":
            ctx.unsupported("tools", f"tools[{i}] is an OpenAI custom tool; Anthropic tools take JSON object inputs")
            continue
        function = tool.get("function")
        if kind != "function" or not isinstance(function, Mapping):
            raise bad_request(
                f"tools[{i}]: expected a function tool or an Anthropic tool type such as web_search_20250305, "
                f"got type {str(kind)[:100]!r}",
                "tools",
            )
        converted.append(_function_tool(function, tool, i, profile, ctx))
    return converted


def _function_tool(
    function: Mapping[str, Any], tool: Mapping[str, Any], i: int, profile: ModelProfile, ctx: CallContext
) -> dict[str, Any]:
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise bad_request(f"tools[{i}].function.name must be a non-empty string", "tools")
    if name == JSON_TOOL_NAME:  # its calls would be read as the structured answer
        raise bad_request(f"tools[{i}]: the tool name {name!r} is reserved by modelmux", "tools")
    where = f"tools[{i}].function.parameters"
    schema = object_schema(function.get("parameters"), where, "tools")
    native: dict[str, Any] = {"name": name, "input_schema": schema}
    description = function.get("description")
    if description:
        native["description"] = description
    if function.get("strict") is True:
        if profile.native_json_schema:
            native["input_schema"] = strict_schema(schema, where, "tools")
            native["strict"] = True
        else:
            warn(ctx, f"tool {name!r}: strict schema adherence needs a model with structured outputs; not enforced")
    if tool.get("cache_control"):
        native["cache_control"] = tool["cache_control"]
    return native


def convert_tool_choice(tool_choice: Any, parallel_tool_calls: Any) -> dict[str, Any] | None:
    """The native ``tool_choice``, or ``None`` to leave Anthropic's default (auto, parallel allowed)."""
    if tool_choice is None or tool_choice == "auto":
        choice: dict[str, Any] | None = {"type": "auto"} if parallel_tool_calls is False else None
    elif tool_choice == "required":
        choice = {"type": "any"}
    elif tool_choice == "none":
        return {"type": "none"}
    elif isinstance(tool_choice, Mapping) and tool_choice.get("type") == "function":
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if not isinstance(name, str) or not name:
            raise bad_request("tool_choice.function.name must be a non-empty string", "tool_choice")
        choice = {"type": "tool", "name": name}
    else:
        raise bad_request(
            f"tool_choice must be 'auto', 'required', 'none' or a named function, got {tool_choice!r}",
            "tool_choice",
        )
    if choice is not None and parallel_tool_calls is False:
        choice["disable_parallel_tool_use"] = True
    return choice
