"""OpenAI ``messages`` → Anthropic ``system`` + ``messages``.

Rules (https://platform.claude.com/docs/en/api/messages):

* ``system`` and ``developer`` messages, wherever they appear, become the top-level ``system`` text blocks,
  in order (``cache_control`` on parts is kept).
* ``user`` content → text / image / document blocks (see :mod:`.convert_content`).
* ``assistant`` → its ``thinking_blocks`` first (as returned by modelmux, signatures included, so extended
  thinking round-trips), then text, then the ``refusal`` text (an assistant message that is only a refusal,
  content null, stays an assistant turn: Anthropic has no refusal block, and Claude's own refusals are
  text), then one ``tool_use`` block per tool call (``input`` = the parsed JSON of ``arguments``).
  ``reasoning_content`` alone is not sent: Anthropic only accepts thinking blocks that carry the signature it
  issued. A message carrying ``content_blocks`` (an answer with server tool blocks or citations, see
  :mod:`.native_blocks`) is sent as those blocks, in their original order.
* ``tool`` → a ``tool_result`` block (``tool_use_id`` = ``tool_call_id``) in a user turn.
* Consecutive messages of the same Anthropic role are merged into one turn (in place: linear in the number
  of blocks). A merged user turn has its ``tool_result`` blocks first and a merged assistant turn its
  thinking / redacted thinking blocks first, as Anthropic requires; the order is otherwise kept.
* ``name`` fields are dropped; empty or whitespace-only text is skipped; a message-level
  ``cache_control`` is put on the message's last block.
* A final assistant turn (prefill) loses its trailing whitespace, which Anthropic rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._chat_turns import assemble_turns, refusals_as_text, tool_call_input, walk_messages
from .convert_content import convert_parts, text_block
from .errors import bad_request
from .native_blocks import CONTENT_BLOCKS, native_turn

__all__ = ["convert_messages"]

_TOOL_RESULT_PARTS = frozenset({"text", "image_url"})
_SYSTEM_PARTS = frozenset({"text"})
_ASSISTANT_PARTS = frozenset({"text", "refusal"})


def convert_messages(messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Returns ``(system blocks, messages)`` in Anthropic's shape."""
    system: list[dict[str, Any]] = []
    native: list[tuple[str, list[dict[str, Any]]]] = []
    for where, role, message in walk_messages(messages, bad_request):
        if role in ("system", "developer"):
            blocks = convert_parts(message.get("content"), where, allow=_SYSTEM_PARTS)
            system.extend(_with_message_cache_control(blocks, message))
            continue
        if role == "user":
            native_role, blocks = "user", convert_parts(message.get("content"), where)
        elif role == "assistant":
            native_role, blocks = "assistant", _assistant_blocks(message, where)
        else:
            native_role, blocks = "user", [_tool_result(message, where)]
        native.append((native_role, _with_message_cache_control(blocks, message)))
    return system, assemble_turns(native, bad_request, leads=_leads, is_text=_is_text)


def _with_message_cache_control(blocks: list[dict[str, Any]], message: Mapping[str, Any]) -> list[dict[str, Any]]:
    cache_control = message.get("cache_control")
    if cache_control and blocks:
        blocks[-1]["cache_control"] = cache_control
    return blocks


# The blocks that must open a merged turn of each role.
_FIRST = {"user": frozenset({"tool_result"}), "assistant": frozenset({"thinking", "redacted_thinking"})}


def _leads(role: str, block: dict[str, Any]) -> bool:
    return block["type"] in _FIRST[role]


def _is_text(block: dict[str, Any]) -> bool:
    return bool(block["type"] == "text")


def _assistant_blocks(message: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    tool_calls = message.get("tool_calls") or []
    if not isinstance(tool_calls, list):
        raise bad_request(f"{where}.tool_calls must be a list", "messages")
    tool_uses = [_tool_use(call, f"{where}.tool_calls[{j}]") for j, call in enumerate(tool_calls)]
    content = message.get("content")
    if message.get(CONTENT_BLOCKS) is not None:
        return native_turn(message[CONTENT_BLOCKS], content, tool_uses, where)
    blocks = _thinking_blocks(message.get("thinking_blocks"), where)
    content = refusals_as_text(content)  # refusal parts are the assistant's text too
    blocks += convert_parts(content, where, allow=_ASSISTANT_PARTS)
    refusal = message.get("refusal")
    if refusal is not None and not isinstance(refusal, str):
        raise bad_request(f"{where}.refusal must be a string", "messages")
    if refusal and refusal.strip():
        blocks.append(text_block(refusal))
    return blocks + tool_uses


def _thinking_blocks(value: Any, where: str) -> list[dict[str, Any]]:
    if not value:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{where}.thinking_blocks must be a list", "messages")
    blocks: list[dict[str, Any]] = []
    for j, block in enumerate(value):
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "thinking" and isinstance(block.get("signature"), str):
            blocks.append(
                {"type": "thinking", "thinking": block.get("thinking") or "", "signature": block["signature"]}
            )
        elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
            blocks.append({"type": "redacted_thinking", "data": block["data"]})
        else:
            raise bad_request(
                f"{where}.thinking_blocks[{j}] must be a thinking block with a signature or a redacted_thinking "
                "block, as returned in message.thinking_blocks",
                "messages",
            )
    return blocks


def _tool_use(call: Any, where: str) -> dict[str, Any]:
    call_id, name, tool_input = tool_call_input(call, where, bad_request)
    return {"type": "tool_use", "id": call_id, "name": name, "input": tool_input}


def _tool_result(message: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise bad_request(f"{where}: tool messages need a non-empty 'tool_call_id'", "messages")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id}
    content = message.get("content")
    if isinstance(content, str):
        if content.strip():
            block["content"] = content
    else:
        blocks = convert_parts(content, where, allow=_TOOL_RESULT_PARTS)
        if blocks:
            block["content"] = blocks
    return block
