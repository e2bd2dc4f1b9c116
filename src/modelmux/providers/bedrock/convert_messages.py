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

import json
from collections.abc import Mapping
from typing import Any

from .convert_content import cache_point, convert_parts
from .errors import bad_request

__all__ = ["convert_messages"]

_SYSTEM_PARTS = frozenset({"text"})
_ASSISTANT_PARTS = frozenset({"text", "refusal"})
_TOOL_RESULT_PARTS = frozenset({"text", "image_url", "file"})


def convert_messages(messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Returns ``(system blocks, messages)`` in Converse's shape."""
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list", "messages")
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    counter = [0]
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, Mapping):
            raise bad_request(f"{where} must be an object", "messages")
        role = message.get("role")
        if role in ("system", "developer"):
            blocks = convert_parts(message.get("content"), where, allow=_SYSTEM_PARTS, counter=counter)
            system.extend(_with_cache_point(blocks, message))
            continue
        if role == "user":
            native_role, blocks = "user", convert_parts(message.get("content"), where, counter=counter)
        elif role == "assistant":
            native_role, blocks = "assistant", _assistant_blocks(message, where, counter)
        elif role == "tool":
            native_role, blocks = "user", [_tool_result(message, where, counter)]
        elif role == "function":
            raise bad_request(
                f"{where}: legacy 'function' messages are not supported; use tools and 'tool' messages", "messages"
            )
        else:
            raise bad_request(
                f"{where}: unknown role {role!r} (expected system, developer, user, assistant or tool)", "messages"
            )
        _append(turns, native_role, _with_cache_point(blocks, message))
    _strip_prefill(turns)
    if not turns:
        raise bad_request("at least one user or assistant message with content is required", "messages")
    return system, turns


def _with_cache_point(blocks: list[dict[str, Any]], message: Mapping[str, Any]) -> list[dict[str, Any]]:
    point = cache_point(message.get("cache_control"))
    if point is not None and blocks and "cachePoint" not in blocks[-1]:
        blocks.append(point)
    return blocks


def _append(turns: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        content = turns[-1]["content"] + blocks
        if role == "user":  # tool results open the user turn
            content = [b for b in content if "toolResult" in b] + [b for b in content if "toolResult" not in b]
        turns[-1]["content"] = content
    else:
        turns.append({"role": role, "content": blocks})


def _assistant_blocks(message: Mapping[str, Any], where: str, counter: list[int]) -> list[dict[str, Any]]:
    blocks = _reasoning_blocks(message.get("thinking_blocks"), where)
    content = message.get("content")
    if isinstance(content, list):  # refusal parts are the assistant's text too
        content = [
            {"type": "text", "text": p.get("refusal", "")}
            if isinstance(p, Mapping) and p.get("type") == "refusal"
            else p
            for p in content
        ]
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
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        raise bad_request(f"{where} must be an object with a 'function'", "messages")
    function = call["function"]
    call_id, name = call.get("id"), function.get("name")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise bad_request(f"{where} needs a non-empty 'id' and 'function.name'", "messages")
    arguments = function.get("arguments")
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        tool_input: Any = {}
    elif isinstance(arguments, str):
        try:
            tool_input = json.loads(arguments)
        except ValueError as exc:
            raise bad_request(
                f"{where} (id {call_id!r}, function {name!r}): arguments are not valid JSON: {exc}", "messages"
            ) from None
    else:
        tool_input = arguments
    if not isinstance(tool_input, dict):
        raise bad_request(
            f"{where} (id {call_id!r}, function {name!r}): arguments must be a JSON object, "
            f"got {type(tool_input).__name__}",
            "messages",
        )
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


def _strip_prefill(turns: list[dict[str, Any]]) -> None:
    """A final assistant turn may not end in whitespace."""
    if not turns or turns[-1]["role"] != "assistant":
        return
    content = turns[-1]["content"]
    while content and "text" in content[-1]:
        text = content[-1]["text"].rstrip()
        if text:
            content[-1]["text"] = text
            return
        content.pop()
    if not content:
        turns.pop()
