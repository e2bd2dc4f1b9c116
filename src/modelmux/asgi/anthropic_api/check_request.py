"""The Messages request's fields, checked for JSON type, shape and size before any translation runs.

Field types from https://platform.claude.com/docs/en/api/messages; the sizes are the gateway's own
(:mod:`modelmux.asgi.bounds`), the same as for ``/v1/chat/completions``, so the work per request stays bounded
whichever dialect a client speaks. Block types are checked only as far as the translation reads them; a block type
the target cannot take is refused by :mod:`.convert_request` (or, passed through, by Anthropic itself).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..bounds import MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_PARTS_PER_MESSAGE, MAX_TOOLS, check_count
from ..routes.check_schema import check_schemas
from ..validate import bad_request, check_fields, expect

__all__ = ["check_messages_request"]

FIELDS: dict[str, tuple[str, ...]] = {
    "system": ("string", "array"),
    "max_tokens": ("integer",),
    "stream": ("boolean",),
    "temperature": ("number",),
    "top_p": ("number",),
    "top_k": ("integer",),
    "stop_sequences": ("array",),
    "metadata": ("object",),
    "tools": ("array",),
    "tool_choice": ("object",),
    "thinking": ("object",),
    "service_tier": ("string",),
    "output_config": ("object",),
    "output_format": ("object",),
}


def _object(value: Any, param: str) -> Mapping[str, Any]:
    expect(value, ("object",), param, nullable=False)
    assert isinstance(value, Mapping)
    return value


def _blocks(content: Any, at: str) -> int:
    """Checks a content value (a string or a list of typed blocks); returns how many blocks it has, nested
    ``tool_result`` content included."""
    expect(content, ("string", "array"), at, nullable=False)
    if isinstance(content, str):
        return 0
    check_count(len(content), MAX_PARTS_PER_MESSAGE, f"content blocks in {at}", at)
    count = len(content)
    for j, block in enumerate(content):
        here = f"{at}[{j}]"
        block = _object(block, here)
        kind = block.get("type")
        expect(kind, ("string",), f"{here}.type", nullable=False)
        if kind == "text":
            expect(block.get("text"), ("string",), f"{here}.text", nullable=False)
        elif kind in ("image", "document"):
            _object(block.get("source"), f"{here}.source")
        elif kind == "tool_use":
            expect(block.get("id"), ("string",), f"{here}.id", nullable=False)
            expect(block.get("name"), ("string",), f"{here}.name", nullable=False)
            expect(block.get("input"), ("object",), f"{here}.input")
        elif kind == "tool_result":
            expect(block.get("tool_use_id"), ("string",), f"{here}.tool_use_id", nullable=False)
            expect(block.get("is_error"), ("boolean",), f"{here}.is_error")
            if block.get("content") is not None:
                nested = block["content"]
                if isinstance(nested, list) and any(
                    isinstance(b, Mapping) and b.get("type") == "tool_result" for b in nested
                ):
                    raise bad_request(f"'{here}.content' may not hold tool_result blocks.", param=f"{here}.content")
                count += _blocks(nested, f"{here}.content")
        elif kind == "thinking":
            expect(block.get("thinking"), ("string",), f"{here}.thinking", nullable=False)
            expect(block.get("signature"), ("string",), f"{here}.signature")
        elif kind == "redacted_thinking":
            expect(block.get("data"), ("string",), f"{here}.data", nullable=False)
    return count


def _messages(messages: Any) -> None:
    expect(messages, ("array",), "messages", nullable=False)
    if not messages:
        raise bad_request("'messages' must contain at least one message.", param="messages")
    check_count(len(messages), MAX_MESSAGES, "messages", "messages")
    total = 0
    for i, m in enumerate(messages):
        at = f"messages[{i}]"
        message = _object(m, at)
        if message.get("role") not in ("user", "assistant"):
            raise bad_request(f"'{at}.role' must be 'user' or 'assistant'.", param=f"{at}.role")
        total += _blocks(message.get("content"), f"{at}.content")
        check_count(total, MAX_CONTENT_PARTS, "content blocks in the messages together", "messages")


def _tools(tools: list[Any]) -> Iterator[tuple[str, Any]]:
    """Checks each tool; yields ``(param, schema)`` for the custom tools' ``input_schema``."""
    check_count(len(tools), MAX_TOOLS, "tools", "tools")
    for i, tool in enumerate(tools):
        at = f"tools[{i}]"
        tool = _object(tool, at)
        expect(tool.get("type"), ("string",), f"{at}.type")
        expect(tool.get("name"), ("string",), f"{at}.name", nullable=False)
        if tool.get("type") in (None, "custom"):
            expect(tool.get("description"), ("string",), f"{at}.description")
            yield f"{at}.input_schema", _object(tool.get("input_schema"), f"{at}.input_schema")


def _tool_choice(choice: Mapping[str, Any]) -> None:
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool", "none"):
        raise bad_request("tool_choice.type must be 'auto', 'any', 'tool' or 'none'.", param="tool_choice.type")
    if kind == "tool":
        expect(choice.get("name"), ("string",), "tool_choice.name", nullable=False)
    expect(choice.get("disable_parallel_tool_use"), ("boolean",), "tool_choice.disable_parallel_tool_use")


def _thinking(thinking: Mapping[str, Any]) -> None:
    kind = thinking.get("type")
    if kind not in ("enabled", "disabled", "adaptive"):
        raise bad_request("thinking.type must be 'enabled', 'disabled' or 'adaptive'.", param="thinking.type")
    if kind == "enabled":
        expect(thinking.get("budget_tokens"), ("integer",), "thinking.budget_tokens", nullable=False)


def _output_format(body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Structured outputs (``output_config.format``, or the older ``output_format``): a JSON schema."""
    config = body.get("output_config") or {}
    param = "output_config.format" if config.get("format") is not None else "output_format"
    fmt = config.get("format") if config.get("format") is not None else body.get("output_format")
    if fmt is None:
        return []
    fmt = _object(fmt, param)
    if fmt.get("type") != "json_schema":
        raise bad_request(f"{param}.type must be 'json_schema'.", param=f"{param}.type")
    return [(f"{param}.schema", _object(fmt.get("schema"), f"{param}.schema"))]


def check_messages_request(body: Mapping[str, Any], *, count_only: bool = False) -> None:
    """400 for the first field of ``body`` with a wrong JSON type or shape, or over a size limit.

    Args:
        body: the parsed request.
        count_only: a ``/v1/messages/count_tokens`` body, which has no ``max_tokens``.
    """
    _messages(body.get("messages"))
    check_fields(body, FIELDS)
    if not count_only and body.get("max_tokens") is None:
        raise bad_request(
            "Missing required parameter: 'max_tokens'.", param="max_tokens", code="missing_required_parameter"
        )
    system = body.get("system")
    if isinstance(system, list):
        _blocks(system, "system")
        for j, block in enumerate(system):
            if block["type"] != "text":
                raise bad_request(f"'system[{j}]': the system prompt takes text blocks only.", param=f"system[{j}]")
    schemas = list(_tools(body.get("tools") or []))
    schemas += _output_format(body)
    check_schemas(schemas)
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"])
    if body.get("thinking") is not None:
        _thinking(body["thinking"])
    stops = body.get("stop_sequences")
    if stops is not None and not all(isinstance(s, str) for s in stops):
        raise bad_request("stop_sequences must be a list of strings.", param="stop_sequences")
    metadata = body.get("metadata")
    if metadata is not None:
        expect(metadata.get("user_id"), ("string",), "metadata.user_id")
