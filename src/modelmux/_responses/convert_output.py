"""A chat completion → a Responses ``Response`` object, as a plain dict (pure).

https://platform.openai.com/docs/api-reference/responses/object. The output items, in the order a reasoning model
gives them: a ``reasoning`` item (the message's ``reasoning_content`` as its summary; thinking blocks with their
signatures kept in ``encrypted_content``, see :mod:`.convert_input`), a ``message`` with an ``output_text`` part
(``url_citation`` annotations flattened from chat's ``{"url_citation": {...}}``) and/or a ``refusal`` part, then one
``function_call`` per tool call. ``finish_reason`` ``length`` makes the response ``incomplete`` with reason
``max_output_tokens``; ``content_filter`` with reason ``content_filter``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from ..types import ChatCompletion, ChatCompletionMessage, Usage
from .convert_input import reasoning_payload

__all__ = [
    "annotations_of",
    "convert_completion",
    "convert_usage",
    "map_status",
    "new_id",
    "reasoning_item",
    "skeleton",
]


def new_id(prefix: str) -> str:
    """An id in OpenAI's style (``resp_…``, ``msg_…``, ``fc_…``, ``rs_…``): unguessable, since a stored response is
    read by its id."""
    return f"{prefix}_{secrets.token_hex(24)}"


def _echo_tool(tool: Any) -> Any:
    if isinstance(tool, Mapping) and tool.get("type") == "function":
        out = {"type": "function", "name": tool.get("name"), "parameters": tool.get("parameters"), "strict": None}
        if tool.get("strict") is not None:
            out["strict"] = tool["strict"]
        if tool.get("description") is not None:
            out["description"] = tool["description"]
        return out
    return tool


def skeleton(body: Mapping[str, Any], *, model: str, response_id: str | None = None) -> dict[str, Any]:
    """The response before any output: the request's settings echoed, status ``in_progress``."""
    reasoning = body.get("reasoning")
    return {
        "id": response_id or new_id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")} if reasoning else None,
        "store": body.get("store", True),
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [_echo_tool(t) for t in body.get("tools") or ()],
        "top_p": body.get("top_p"),
        "truncation": "disabled",
        "usage": None,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def convert_usage(usage: Usage | None) -> dict[str, Any] | None:
    """Chat usage in the Responses shape (``input_tokens``, ``output_tokens`` and their details)."""
    if usage is None:
        return None
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    written = (usage.model_extra or {}).get("cache_creation_input_tokens")
    reasoning = usage.completion_tokens_details.reasoning_tokens if usage.completion_tokens_details else None
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {
            "cached_tokens": cached or 0,
            "cache_write_tokens": written if isinstance(written, int) else 0,
        },
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning or 0},
        "total_tokens": usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    }


def map_status(finish_reason: str | None) -> tuple[str, dict[str, Any] | None]:
    """``(status, incomplete_details)`` for a chat ``finish_reason``."""
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def annotations_of(raw: Any) -> list[dict[str, Any]]:
    """Chat ``url_citation`` annotations (``{"type", "url_citation": {...}}``) → Responses' flat ones."""
    out: list[dict[str, Any]] = []
    for item in raw or ():
        inner = item.get("url_citation") if isinstance(item, Mapping) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("url"), str):
            out.append(
                {
                    "type": "url_citation",
                    "url": inner["url"],
                    "title": str(inner.get("title") or ""),
                    "start_index": int(inner.get("start_index") or 0),
                    "end_index": int(inner.get("end_index") or 0),
                }
            )
    return out


def reasoning_item(text: str, blocks: list[Any] | None, item_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id or new_id("rs"), "type": "reasoning", "summary": []}
    if text:
        item["summary"] = [{"type": "summary_text", "text": text}]
    if blocks:
        item["encrypted_content"] = reasoning_payload(blocks)
    return item


def _items(message: ChatCompletionMessage, status: str) -> list[dict[str, Any]]:
    extra = message.model_extra or {}
    items: list[dict[str, Any]] = []
    blocks = extra.get("thinking_blocks")
    if message.reasoning_content or blocks:
        items.append(reasoning_item(message.reasoning_content or "", blocks if isinstance(blocks, list) else None))
    content: list[dict[str, Any]] = []
    if message.content:
        annotations = annotations_of(extra.get("annotations"))
        content.append({"type": "output_text", "text": message.content, "annotations": annotations})
    if message.refusal:
        content.append({"type": "refusal", "refusal": message.refusal})
    if content:
        items.append(
            {"id": new_id("msg"), "type": "message", "role": "assistant", "status": status, "content": content}
        )
    for call in message.tool_calls or ():
        function = call.function
        if function is None:
            continue
        items.append(
            {
                "id": new_id("fc"),
                "type": "function_call",
                "call_id": call.id or new_id("call"),
                "name": function.name,
                "arguments": function.arguments,
                "status": "completed",
            }
        )
    return items


def convert_completion(completion: ChatCompletion, base: dict[str, Any]) -> dict[str, Any]:
    """The finished response: ``base`` (:func:`skeleton`) with the first choice's output, status and usage."""
    choice = completion.choices[0] if completion.choices else None
    status, incomplete = map_status(choice.finish_reason if choice else None)
    response = dict(base)
    response["status"] = status
    response["incomplete_details"] = incomplete
    response["output"] = _items(choice.message, status) if choice else []
    response["usage"] = convert_usage(completion.usage)
    if status == "completed":
        response["completed_at"] = int(time.time())
    return response
