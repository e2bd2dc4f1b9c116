"""Anthropic content blocks → OpenAI content parts, tool calls and thinking blocks (the inverse of
:mod:`modelmux.providers.anthropic.convert_content` and ``convert_messages``).

* ``text`` → a text part; ``image`` (base64 or URL source) → an ``image_url`` part (a ``data:`` URL for base64);
  ``document`` with a base64 PDF → a ``file`` part with ``file_data``; a plain-text or content-blocks document →
  text parts. A URL document or a Files API ``file`` source names something only Anthropic can fetch: 400.
* ``tool_use`` → a function tool call whose ``arguments`` is the JSON of ``input``.
* ``thinking`` / ``redacted_thinking`` → ``thinking_blocks`` as modelmux returns them (signature included), so a
  Claude target behind another dialect (Bedrock, Vertex) gets them back; the OpenAI dialect drops them.
* ``cache_control`` is kept on the part only when the target reads it (see :mod:`.convert_request`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..validate import bad_request

__all__ = ["content_parts", "thinking_block", "tool_call"]


def _unsupported(kind: str, at: str) -> Exception:
    return bad_request(f"'{at}': a {kind} cannot be sent to this model.", param=at)


def _cached(part: dict[str, Any], block: Mapping[str, Any], cache: bool) -> dict[str, Any]:
    if cache and block.get("cache_control"):
        part["cache_control"] = block["cache_control"]
    return part


def _image(source: Mapping[str, Any], at: str) -> str:
    kind = source.get("type")
    if kind == "base64":
        media, data = source.get("media_type"), source.get("data")
        if not isinstance(media, str) or not isinstance(data, str):
            raise bad_request(f"'{at}.source' needs string media_type and data.", param=f"{at}.source")
        return f"data:{media};base64,{data}"
    if kind == "url" and isinstance(source.get("url"), str):
        return str(source["url"])
    raise _unsupported(f"{str(kind)[:40]} image source", at)


def _document(block: Mapping[str, Any], at: str, cache: bool) -> list[dict[str, Any]]:
    source = block["source"]
    kind = source.get("type")
    if kind == "base64" and isinstance(source.get("data"), str):
        media = source.get("media_type") or "application/pdf"
        file: dict[str, Any] = {"file_data": f"data:{media};base64,{source['data']}"}
        if isinstance(block.get("title"), str):
            file["filename"] = block["title"]
        return [_cached({"type": "file", "file": file}, block, cache)]
    if kind == "text" and isinstance(source.get("data"), str):
        return [_cached({"type": "text", "text": source["data"]}, block, cache)]
    if kind == "content" and isinstance(source.get("content"), (str, list)):
        return content_parts(source["content"], f"{at}.source.content", cache)
    raise _unsupported(f"{str(kind)[:40]} document source", at)


def content_parts(content: Any, at: str, cache: bool) -> list[dict[str, Any]]:
    """Text, image and document blocks (a user turn's, a tool result's, a system prompt's) → content parts."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    parts: list[dict[str, Any]] = []
    for j, block in enumerate(content):
        here = f"{at}[{j}]"
        kind = block["type"]
        if kind == "text":
            parts.append(_cached({"type": "text", "text": block["text"]}, block, cache))
        elif kind == "image":
            part = {"type": "image_url", "image_url": {"url": _image(block["source"], here)}}
            parts.append(_cached(part, block, cache))
        elif kind == "document":
            parts.extend(_document(block, here, cache))
        else:
            raise _unsupported(f"{str(kind)[:60]} block", here)
    return parts


def tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
    return {"id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": arguments}}


def thinking_block(block: Mapping[str, Any]) -> dict[str, Any]:
    if block["type"] == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block["data"]}
    return {"type": "thinking", "thinking": block["thinking"], "signature": block.get("signature") or ""}
