"""Responses ``tools`` / ``tool_choice`` → chat ``tools`` / ``tool_choice`` (pure).

Function tools are flat in Responses (``{"type": "function", "name", "description", "parameters", "strict"}``,
https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools) and nested in chat
(``{"type": "function", "function": {...}}``).

OpenAI's built-in tools have no chat form. ``web_search`` (and ``web_search_preview``) becomes the target's own
search tool where it has one (:data:`WEB_SEARCH`); any other built-in tool (file_search, code_interpreter,
image_generation, computer_use, mcp…) runs only at OpenAI: a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import BadRequestError
from .errors import bad_item

__all__ = ["WEB_SEARCH", "convert_tool_choice", "convert_tools"]


def _anthropic_search(tool: Mapping[str, Any]) -> dict[str, Any]:
    # https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool: allowed_domains, user_location
    native: dict[str, Any] = {"type": "web_search_20250305", "name": "web_search"}
    domains = (tool.get("filters") or {}).get("allowed_domains")
    if isinstance(domains, list) and domains:
        native["allowed_domains"] = domains
    location = tool.get("user_location")
    if isinstance(location, Mapping):
        fields = {k: location[k] for k in ("city", "region", "country", "timezone") if isinstance(location.get(k), str)}
        if fields:
            native["user_location"] = {"type": "approximate", **fields}
    return native


def _gemini_search(tool: Mapping[str, Any]) -> dict[str, Any]:
    # https://ai.google.dev/gemini-api/docs/google-search: grounding takes no options
    return {"type": "google_search"}


#: The provider's own web search tool for OpenAI's ``web_search``, by provider. Vertex is left out: its model may be
#: a Gemini or a Claude, whose search tools differ.
WEB_SEARCH: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "anthropic": _anthropic_search,
    "gemini": _gemini_search,
}
_SEARCH_TYPES = frozenset(
    {"web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"}
)


def _function(tool: Mapping[str, Any], at: str) -> dict[str, Any]:
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise bad_item(f"'{at}.name' must be a non-empty string.", f"{at}.name")
    function: dict[str, Any] = {"name": name}
    if isinstance(tool.get("description"), str):
        function["description"] = tool["description"]
    if tool.get("parameters") is not None:
        function["parameters"] = tool["parameters"]
    if isinstance(tool.get("strict"), bool):
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


def convert_tools(tools: Any, provider: str) -> list[dict[str, Any]]:
    """Chat tools for ``provider`` (the registry name of the target's provider)."""
    if not isinstance(tools, list):
        raise bad_item("'tools' must be a list.", "tools")
    out: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        at = f"tools[{i}]"
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind == "function":
            out.append(_function(tool, at))
        elif kind in _SEARCH_TYPES and provider in WEB_SEARCH:
            out.append(WEB_SEARCH[provider](tool))
        else:
            raise BadRequestError(
                f"'{at}': the {str(kind)[:60]} tool is not available for {provider} models"
                + (f"; web search is, for {', '.join(sorted(WEB_SEARCH))}." if kind in _SEARCH_TYPES else "."),
                param=f"{at}.type",
                code="unsupported_tool",
                status_code=400,
            )
    return out


def convert_tool_choice(choice: Any) -> str | dict[str, Any]:
    """``auto`` / ``none`` / ``required`` as they are; ``{"type": "function", "name"}`` → a named function."""
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, Mapping) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise bad_item(
        "'tool_choice' must be 'auto', 'none', 'required' or {'type': 'function', 'name': ...} for this model.",
        "tool_choice",
    )
