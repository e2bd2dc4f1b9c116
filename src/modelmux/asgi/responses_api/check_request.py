"""The sizes of a Responses request, bounded before any translation runs (the same bounds as
``/v1/chat/completions``, :mod:`modelmux.asgi.bounds`): input items, content parts, tools, the JSON schemas of
function tools and ``text.format``, and the JSON inside function-call arguments. Field types and item shapes are
checked by the translation itself (:mod:`modelmux._responses.convert_request`), whose errors are 400s too."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..bounds import MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_PARTS_PER_MESSAGE, MAX_TOOLS, check_count
from ..routes.check_schema import check_schemas
from ..validate import embedded_json

__all__ = ["check_responses_request"]


def _input(items: Any) -> None:
    if not isinstance(items, list):
        return
    check_count(len(items), MAX_MESSAGES, "input items", "input")
    parts = 0
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        content = item.get("content")
        if isinstance(content, list):
            check_count(len(content), MAX_PARTS_PER_MESSAGE, f"content parts in input[{i}]", f"input[{i}].content")
            parts += len(content)
        for name in ("output", "summary"):  # a tool's output parts, a reasoning item's summary parts
            nested = item.get(name)
            if isinstance(nested, list):
                parts += len(nested)
        if item.get("type") == "function_call" and isinstance(item.get("arguments"), str):
            embedded_json(item["arguments"], f"input[{i}].arguments")
    check_count(parts, MAX_CONTENT_PARTS, "content parts in the input together", "input")


def _schemas(body: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    tools = body.get("tools")
    if isinstance(tools, list):
        check_count(len(tools), MAX_TOOLS, "tools", "tools")
        for i, tool in enumerate(tools):
            if isinstance(tool, Mapping) and isinstance(tool.get("parameters"), Mapping):
                yield f"tools[{i}].parameters", tool["parameters"]
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(fmt, Mapping) and isinstance(fmt.get("schema"), Mapping):
        yield "text.format.schema", fmt["schema"]


#: ``include`` names a handful of values (https://platform.openai.com/docs/api-reference/responses/create).
MAX_INCLUDE = 32


def check_responses_request(body: Mapping[str, Any]) -> None:
    """400 (``request_too_complex`` or ``invalid_json``) for a request over the gateway's bounds."""
    _input(body.get("input"))
    include = body.get("include")
    if isinstance(include, list):
        check_count(len(include), MAX_INCLUDE, "include values", "include")
    check_schemas(_schemas(body))
