"""OpenAI chat messages → the message dicts Hugging Face chat templates read.

Templates concatenate ``content`` as a string, so text parts are joined with a newline and a missing content
becomes ``""``; ``developer`` is the ``system`` role. Assistant tool calls keep OpenAI's shape, with
``function.arguments`` parsed into an object (what HF templates expect and ``tojson``), and tool results keep
``tool_call_id`` and ``name``. Only function tools can be described to a template.
"""

from __future__ import annotations

import json
from typing import Any

from .._base import CallContext

__all__ = ["convert_messages", "convert_tools"]


def _text(content: Any, ctx: CallContext) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            texts.append(part.get("text") or "")
        elif kind == "refusal":
            texts.append(part.get("refusal") or "")
        else:
            ctx.unsupported("messages", f"{kind} content: a raw-prompt server takes text only")
    return "\n".join(texts)


def _arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def _tool_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": call.get("id"),
            "type": "function",
            "function": {
                "name": call.get("function", {}).get("name"),
                "arguments": _arguments(call.get("function", {}).get("arguments")),
            },
        }
        for call in calls
    ]


def convert_messages(messages: list[dict[str, Any]], ctx: CallContext) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "developer":
            role = "system"
        elif role == "function":  # the deprecated function-result role
            role = "tool"
        converted: dict[str, Any] = {"role": role, "content": _text(message.get("content"), ctx)}
        if role == "assistant":
            if message.get("tool_calls"):
                converted["tool_calls"] = _tool_calls(message["tool_calls"])
            reasoning = message.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                converted["reasoning_content"] = reasoning
        if role == "tool" and message.get("tool_call_id"):
            converted["tool_call_id"] = message["tool_call_id"]
        if message.get("name"):
            converted["name"] = message["name"]
        out.append(converted)
    return out


def convert_tools(tools: list[dict[str, Any]], ctx: CallContext) -> list[dict[str, Any]]:
    """The function tools, as given (``{"type": "function", "function": {...}}``, the shape HF templates take)."""
    kept: list[dict[str, Any]] = []
    for tool in tools:
        if tool.get("type") == "function":
            kept.append(tool)
        else:
            ctx.unsupported("tools", f"{tool.get('type')} tools: only function tools can be written into a prompt")
    return kept
