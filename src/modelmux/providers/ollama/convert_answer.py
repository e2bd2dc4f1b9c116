"""Pieces of a native Ollama answer object (``/api/chat`` or ``/api/generate``, whole or one stream line) in
OpenAI's terms: its text, thinking, tool calls and usage (docs.ollama.com/api/chat, "Response")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from ...errors import UpstreamError
from .._base import CallContext
from .._shapes import make_usage
from .map_done_reason import BROKEN_DONE_REASONS

__all__ = ["answer_parts", "check_done_reason", "native_usage", "new_call_id"]


def new_call_id() -> str:
    """Ollama's native tool calls may come without ids; OpenAI's need one."""
    return f"call_{uuid.uuid4().hex[:24]}"


def answer_parts(doc: Mapping[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """``(text, thinking, tool calls)`` of a chat object (``message``) or a generate object (``response``).

    Tool calls come back in OpenAI's shape: ``arguments`` a JSON string, an id (Ollama's own when it sends one).
    """
    message = doc.get("message")
    if message is None:  # /api/generate
        return str(doc.get("response") or ""), str(doc.get("thinking") or ""), []
    if type(message) is not dict and not isinstance(message, Mapping):  # a dict (every parsed line) checked cheaply
        raise ValueError("message is not an object")
    calls = []
    for call in message.get("tool_calls") or ():
        fn = call["function"]
        arguments = fn.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
        calls.append(
            {
                "id": str(call.get("id") or new_call_id()),
                "type": "function",
                "function": {"name": str(fn["name"]), "arguments": arguments},
            }
        )
    return str(message.get("content") or ""), str(message.get("thinking") or ""), calls


def native_usage(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Usage from the final object: ``prompt_eval_count`` (left out by Ollama when the whole prompt was cached)
    and ``eval_count``."""
    return make_usage(int(doc.get("prompt_eval_count") or 0), int(doc.get("eval_count") or 0))


def check_done_reason(doc: Mapping[str, Any], ctx: CallContext) -> None:
    reason = doc.get("done_reason")
    if reason in BROKEN_DONE_REASONS:
        raise UpstreamError(
            f"Ollama ended the answer early (done_reason {reason!r})", provider=ctx.provider, model=ctx.model
        )
