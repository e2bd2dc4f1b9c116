"""Cohere ``/v2/chat`` answer → OpenAI ``ChatCompletion``.

https://docs.cohere.com/reference/chat (response). ``message.content`` blocks: ``text`` blocks are joined
into ``content``; ``thinking`` blocks (reasoning models) go to ``reasoning_content``. ``message.tool_plan``
— the plan Cohere writes before calling tools ("I will look up the weather…") — is reasoning, not answer
text, so it also goes to ``reasoning_content`` (after any thinking, separated by a blank line); sent back
on an assistant turn with tool calls it becomes ``tool_plan`` again (:mod:`.convert_messages`).
``tool_calls`` keep Cohere's ids and JSON-string arguments; ``citations`` become ``annotations``
(:mod:`.convert_citations`); usage: :mod:`.convert_usage`. A failed generation (``finish_reason``
``ERROR``) is an :class:`~modelmux.errors.UpstreamError`.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion, make_tool_call
from .convert_citations import citation_annotations
from .convert_usage import convert_usage
from .map_finish_reason import finish_error, map_finish_reason

__all__ = ["join_reasoning", "parse_response", "read_tool_call"]


def join_reasoning(thinking: str, plan: str) -> str:
    """Thinking text, then the tool plan, a blank line between them when both are there."""
    return f"{thinking}\n\n{plan}" if thinking and plan else thinking or plan


def read_tool_call(call: Any) -> dict[str, Any]:
    """One Cohere tool call (OpenAI-shaped already) as an OpenAI tool call."""
    function = call["function"]
    # A call without parameters may come with empty arguments: "{}", as the stream accumulates it.
    return make_tool_call(str(call["id"]), str(function["name"]), function.get("arguments") or "{}")


def _annotations(message: dict[str, Any], offsets: dict[int, int]) -> list[dict[str, Any]]:
    default = min(offsets.values()) if offsets else 0
    out: list[dict[str, Any]] = []
    for citation in message.get("citations") or ():
        index = citation.get("content_index") if isinstance(citation, dict) else None
        offset = offsets.get(index, default) if isinstance(index, int) else default
        out += citation_annotations([citation], offset)
    return out


def parse_response(body: bytes, ctx: CallContext) -> ChatCompletion:
    data = from_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        raise ValueError("a Cohere chat answer has a 'message' object")
    native = data.get("finish_reason")
    failed = finish_error(native)
    if failed:
        raise UpstreamError(failed, provider=ctx.provider, model=ctx.model, native_type=native)
    message = data["message"]
    content = message.get("content") or []
    if isinstance(content, str):  # tolerated: a plain string answer
        content = [{"type": "text", "text": content}]
    text, thinking = "", ""
    offsets: dict[int, int] = {}  # content index → where that text block starts in ``content``
    for index, block in enumerate(content):
        if block.get("type") == "text":
            offsets[index] = len(text)
            text += block.get("text") or ""
        elif block.get("type") == "thinking":
            thinking += block.get("thinking") or ""
    tool_calls = [read_tool_call(c) for c in message.get("tool_calls") or ()]
    annotations = _annotations(message, offsets)
    return make_completion(
        id=str(data.get("id") or f"chatcmpl-{uuid.uuid4().hex}"),
        model=ctx.model,
        content=text or None,
        finish_reason=map_finish_reason(native),
        native_finish_reason=native,
        tool_calls=tool_calls,
        reasoning_content=join_reasoning(thinking, message.get("tool_plan") or ""),
        usage=convert_usage(data.get("usage")),
        message_extra={"annotations": annotations} if annotations else None,
    )
