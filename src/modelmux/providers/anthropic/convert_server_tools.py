"""Anthropic's own tool definitions given in ``tools=``: checked, then passed through unchanged.

Server tools run on Anthropic's side (web search, web fetch, code execution, tool search) and client tools
are Anthropic-defined tools the caller executes (bash, text editor, computer use, memory). Each is named by a
versioned ``type`` (``web_search_20250305``) and a fixed ``name``
(https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview, and each tool's page under
https://platform.claude.com/docs/en/agents-and-tools/tool-use/). A malformed definition is a
:class:`BadRequestError` naming the tool; a version modelmux does not know yet passes with the generic
checks (a versioned type and a non-empty name), so new versions work without a release.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import bad_request

__all__ = ["is_server_tool", "server_tool"]

_VERSIONED = re.compile(r"^([a-z][a-z0-9_]*?)_(\d{8})$")

_Check = Callable[[Any], bool]


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _optional(check: _Check) -> _Check:
    return lambda value: value is None or check(value)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _object(value: Any) -> bool:
    return isinstance(value, Mapping)


_DOMAINS: dict[str, _Check] = {
    "max_uses": _optional(_positive_int),
    "allowed_domains": _optional(_strings),
    "blocked_domains": _optional(_strings),
}

# family (the type without its date) → (the names the API accepts, {field: check}, required fields).
_FAMILIES: dict[str, tuple[frozenset[str], dict[str, _Check], frozenset[str]]] = {
    "web_search": (frozenset({"web_search"}), {**_DOMAINS, "user_location": _optional(_object)}, frozenset()),
    "web_fetch": (
        frozenset({"web_fetch"}),
        {**_DOMAINS, "citations": _optional(_object), "max_content_tokens": _optional(_positive_int)},
        frozenset(),
    ),
    "code_execution": (frozenset({"code_execution"}), {}, frozenset()),
    "bash": (frozenset({"bash"}), {}, frozenset()),
    "text_editor": (
        frozenset({"str_replace_editor", "str_replace_based_edit_tool"}),
        {"max_characters": _optional(_positive_int)},
        frozenset(),
    ),
    "computer": (
        frozenset({"computer"}),
        {
            "display_width_px": _positive_int,
            "display_height_px": _positive_int,
            "display_number": _optional(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        },
        frozenset({"display_width_px", "display_height_px"}),
    ),
    "memory": (frozenset({"memory"}), {}, frozenset()),
}
_COMMON: dict[str, _Check] = {
    "cache_control": _optional(_object),
    "defer_loading": _optional(lambda v: v in (True, False)),
}


def is_server_tool(tool: Mapping[str, Any]) -> bool:
    """A tool whose ``type`` is one of Anthropic's versioned tool types."""
    kind = tool.get("type")
    return isinstance(kind, str) and _VERSIONED.match(kind) is not None


def server_tool(tool: Mapping[str, Any], i: int) -> dict[str, Any]:
    """The tool as sent, after its shape is checked."""
    kind = str(tool["type"])
    match = _VERSIONED.match(kind)
    assert match is not None
    family = match.group(1)
    name = tool.get("name")
    where = f"tools[{i}] ({kind})"
    if not isinstance(name, str) or not name:
        raise bad_request(f"{where}: 'name' must be a non-empty string", "tools")
    names, fields, required = _FAMILIES.get(family, (frozenset(), {}, frozenset()))
    if names and name not in names:
        raise bad_request(f"{where}: the name must be {' or '.join(sorted(names))}, got {name[:100]!r}", "tools")
    missing = sorted(required - set(tool))
    if missing:
        raise bad_request(f"{where}: missing {', '.join(missing)}", "tools")
    for key, value in tool.items():
        check = fields.get(key) or _COMMON.get(key)
        if check is not None and not check(value):
            raise bad_request(f"{where}: invalid value for {key!r}: {repr(value)[:100]}", "tools")
    return dict(tool)
