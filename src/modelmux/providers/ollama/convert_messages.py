"""OpenAI chat messages → Ollama ``/api/chat`` messages (docs.ollama.com/api/chat, "Message").

Ollama's message: ``role`` (system, user, assistant, tool), ``content`` text, ``images`` (base64, no data-URL
prefix), ``thinking`` (an assistant's earlier reasoning), ``tool_calls`` (``function.arguments`` an object, not
a JSON string) and, on a tool result, ``tool_name`` (Ollama matches results to calls by name, not id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext

__all__ = ["convert_messages", "message_text", "split_content"]


def _bad(detail: str) -> BadRequestError:
    return BadRequestError(detail, provider="ollama", param="messages", code="invalid_messages")


def _image(part: Mapping[str, Any], ctx: CallContext) -> str | None:
    """An ``image_url`` part as Ollama's base64 string; Ollama cannot fetch URLs itself."""
    ref = part.get("image_url")
    url = ref.get("url") if isinstance(ref, Mapping) else ref
    if not isinstance(url, str):
        raise _bad("an image_url part needs a url")
    head, sep, data = url.partition(",")
    if url.startswith("data:") and sep and head.endswith(";base64"):
        return data
    ctx.unsupported("messages", "Ollama takes images as base64 only: pass a data:image/...;base64, URL")
    return None


def split_content(content: Any, ctx: CallContext) -> tuple[str, list[str]]:
    """Message content (a string or content parts) → ``(text, base64 images)``; text parts are concatenated."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise _bad("message content must be a string or a list of content parts")
    texts: list[str] = []
    images: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            image = _image(part, ctx)
            if image is not None:
                images.append(image)
        else:
            ctx.unsupported("messages", f"Ollama has no {kind!r} content parts (text and images only)")
    return "".join(texts), images


def message_text(message: Mapping[str, Any], ctx: CallContext) -> str:
    """A message's text; images where only text fits are reported as unsupported."""
    text, images = split_content(message.get("content"), ctx)
    if images:
        ctx.unsupported("messages", f"Ollama takes no images on a {message.get('role')} message")
    return text


def _arguments(raw: Any) -> dict[str, Any]:
    """OpenAI's JSON-string arguments → the object Ollama wants."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        raise _bad("tool call arguments must be a JSON object") from None
    if not isinstance(value, dict):
        raise _bad("tool call arguments must be a JSON object")
    return value


def _assistant(message: Mapping[str, Any], ctx: CallContext, names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": message_text(message, ctx)}
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        out["thinking"] = reasoning
    calls = []
    for call in message.get("tool_calls") or ():
        fn = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise _bad("an assistant tool call needs function.name")
        if call.get("id"):
            names[str(call["id"])] = fn["name"]
        calls.append({"function": {"name": fn["name"], "arguments": _arguments(fn.get("arguments"))}})
    legacy = message.get("function_call")
    if isinstance(legacy, Mapping) and isinstance(legacy.get("name"), str):
        calls.append({"function": {"name": legacy["name"], "arguments": _arguments(legacy.get("arguments"))}})
    if calls:
        out["tool_calls"] = calls
    return out


def convert_messages(messages: list[Any], ctx: CallContext) -> list[dict[str, Any]]:
    """The conversation in Ollama's shape, in order (system messages stay where they are)."""
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool_call_id → function name, for the results that follow
    for message in messages:
        if not isinstance(message, Mapping):
            raise _bad("each message must be an object")
        role = message.get("role")
        if role in ("system", "developer"):
            out.append({"role": "system", "content": message_text(message, ctx)})
        elif role == "user":
            text, images = split_content(message.get("content"), ctx)
            user: dict[str, Any] = {"role": "user", "content": text}
            if images:
                user["images"] = images
            out.append(user)
        elif role == "assistant":
            out.append(_assistant(message, ctx, names))
        elif role in ("tool", "function"):
            result: dict[str, Any] = {"role": "tool", "content": message_text(message, ctx)}
            name = names.get(str(message.get("tool_call_id"))) or message.get("name")
            if isinstance(name, str) and name:
                result["tool_name"] = name
            out.append(result)
        else:
            raise _bad(f"unknown message role {role!r}")
    return out
