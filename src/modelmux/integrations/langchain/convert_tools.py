"""Tools in any form LangChain accepts → OpenAI tools, and LangChain's ``tool_choice`` → OpenAI's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

__all__ = ["convert_tool_choice", "convert_tools"]

ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool


def convert_tools(tools: Sequence[ToolLike], strict: bool | None = None) -> list[dict[str, Any]]:
    """BaseTools, functions, pydantic models, TypedDicts, JSON schemas or OpenAI tool dicts → OpenAI tools."""
    return [convert_to_openai_tool(t, strict=strict) for t in tools]


def convert_tool_choice(choice: Any, tools: Sequence[Mapping[str, Any]]) -> str | dict[str, Any] | None:
    """LangChain's ``tool_choice`` → OpenAI's.

    ``"any"`` / ``"required"`` → ``"required"``; ``"auto"`` / ``"none"`` as they are; a tool's name → that tool;
    ``True`` → the only tool (an error with several); an OpenAI dict passes through; ``None`` / ``False`` → none.
    """
    if choice is None or choice is False:
        return None
    if choice is True:
        if len(tools) != 1:
            raise ValueError(f"tool_choice=True needs exactly one tool; {len(tools)} were given")
        return {"type": "function", "function": {"name": tools[0]["function"]["name"]}}
    if isinstance(choice, Mapping):
        return dict(choice)
    if not isinstance(choice, str):
        raise ValueError(f"tool_choice must be a string, a bool or an OpenAI tool_choice dict, not {choice!r}")
    if choice in ("any", "required"):
        return "required"
    if choice in ("auto", "none"):
        return choice
    names = [t.get("function", {}).get("name") for t in tools]
    if choice not in names:
        raise ValueError(f"tool_choice {choice!r} names no bound tool (tools: {', '.join(map(str, names))})")
    return {"type": "function", "function": {"name": choice}}
