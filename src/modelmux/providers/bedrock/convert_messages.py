"""OpenAI ``messages`` → Converse ``system`` + ``messages``.

https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html and
https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html

* ``system`` / ``developer`` messages, wherever they appear, become ``system`` text blocks in order
  (``cache_control`` → a ``cachePoint`` after the block).
* ``user`` → text / image / document blocks (see :mod:`.convert_content`).
* ``assistant`` → its ``thinking_blocks`` first (as modelmux returns them: ``{"type": "thinking", "thinking",
  "signature"}`` or ``{"type": "redacted_thinking", "data"}``) as ``reasoningContent`` blocks, so extended
  thinking round-trips across tool calls; then text; then one ``toolUse`` per tool call (``input`` = the
  parsed JSON arguments). ``reasoning_content`` alone is not sent: models only accept reasoning they signed.
* ``tool`` → a ``toolResult`` block (``toolUseId`` = ``tool_call_id``) in a user turn; consecutive messages of
  one role are merged into one turn (Converse requires alternating roles) with ``toolResult`` blocks first.
* A message-level ``cache_control`` puts a ``cachePoint`` after the message's last block.
* A final assistant turn (prefill) loses trailing whitespace, which Claude on Bedrock rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._chat_turns import assemble_turns, refusals_as_text, tool_call_input, walk_messages
from .convert_content import cache_point, convert_parts
from .errors import bad_request

__all__ = ["convert_messages"]

_SYSTEM_PARTS = frozenset({"text"})
_ASSISTANT_PARTS = frozenset({"text", "refusal"})
_TOOL_RESULT_PARTS = frozenset({"text", "image_url", "file"})


def convert_messages(messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Returns ``(system blocks, messages)`` in Converse's shape."""
    system: list[dict[str, Any]] = []
    native: list[tuple[str, list[dict[str, Any]]]] = []
    counter = [0]
    for where, role, message in walk_messages(messages, bad_request):
        if role in ("system", "developer"):
            blocks = convert_parts(message.get("content"), where, allow=_SYSTEM_PARTS, counter=counter)
            system.extend(_with_cache_point(blocks, message))
            continue
        if role == "user":
            native_role, blocks = "user", convert_parts(message.get("content"), where, counter=counter)
        elif role == "assistant":
            native_role, blocks = "assistant", _assistant_blocks(message, where, counter)
        else:
            native_role, blocks = "user", [_tool_result(message, where, counter)]
        native.append((native_role, _with_cache_point(blocks, message)))
    return system, assemble_turns(native, bad_request, leads=_leads, is_text=_is_text)


def _with_cache_point(blocks: list[dict[str, Any]], message: Mapping[str, Any]) -> list[dict[str, Any]]:
    point = cache_point(message.get("cache_control"))
    if point is not None and blocks and "cachePoint" not in blocks[-1]:
        blocks.append(point)
    return blocks


def _leads(role: str, block: dict[str, Any]) -> bool:
    return role == "user" and "toolResult" in block  # tool results open a merged user turn


def _is_text(block: dict[str, Any]) -> bool:
    return "text" in block


def _assistant_blocks(message: Mapping[str, Any], where: str, counter: list[int]) -> list[dict[str, Any]]:
    blocks = _reasoning_blocks(message.get("thinking_blocks"), where)
    content = refusals_as_text(message.get("content"))  # refusal parts are the assistant's text too
    blocks += convert_parts(content, where, allow=_ASSISTANT_PARTS, counter=counter)
    tool_calls = message.get("tool_calls") or []
    if not isinstance(tool_calls, list):
        raise bad_request(f"{where}.tool_calls must be a list", "messages")
    for j, call in enumerate(tool_calls):
        blocks.append(_tool_use(call, f"{where}.tool_calls[{j}]"))
    return blocks


def _reasoning_blocks(value: Any, where: str) -> list[dict[str, Any]]:
    if not value:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{where}.thinking_blocks must be a list", "messages")
    blocks: list[dict[str, Any]] = []
    for j, block in enumerate(value):
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "thinking" and isinstance(block.get("thinking"), str):
            text: dict[str, Any] = {"text": block["thinking"]}
            if isinstance(block.get("signature"), str) and block["signature"]:
                text["signature"] = block["signature"]
            blocks.append({"reasoningContent": {"reasoningText": text}})
        elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
            blocks.append({"reasoningContent": {"redactedContent": block["data"]}})
        else:
            raise bad_request(
                f"{where}.thinking_blocks[{j}] must be a thinking or redacted_thinking block, "
                "as returned in message.thinking_blocks",
                "messages",
            )
    return blocks


def _tool_use(call: Any, where: str) -> dict[str, Any]:
    call_id, name, tool_input = tool_call_input(call, where, bad_request)
    return {"toolUse": {"toolUseId": call_id, "name": name, "input": tool_input}}


def _tool_result(message: Mapping[str, Any], where: str, counter: list[int]) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise bad_request(f"{where}: tool messages need a non-empty 'tool_call_id'", "messages")
    content = message.get("content")
    if isinstance(content, str) or content is None:
        blocks = [{"text": content}] if content and content.strip() else []
    else:
        blocks = [
            b for b in convert_parts(content, where, allow=_TOOL_RESULT_PARTS, counter=counter) if "cachePoint" not in b
        ]
    if not blocks:  # Converse rejects an empty result and blank text
        blocks = [{"text": "(empty)"}]
    return {"toolResult": {"toolUseId": call_id, "content": blocks}}
