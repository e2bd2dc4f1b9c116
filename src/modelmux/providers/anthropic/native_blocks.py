"""``message.content_blocks``: an answer's native content, kept so that sending the message back loses nothing.

OpenAI's message has no place for Anthropic's server tool blocks (``server_tool_use``,
``web_search_tool_result``, ``web_fetch_tool_result``, ``code_execution_tool_result``, …), for citations that
are not URLs, or for the order of blocks (text between tool runs, thinking after a tool result). When an
answer holds any of these, modelmux adds ``content_blocks`` to the message: every native block in order,
as Anthropic sent it (text as ``{"type": "text", "text", "citations"?}``; thinking with its signature;
``tool_use`` and server blocks verbatim). ``content``, ``tool_calls``, ``thinking_blocks`` and
``annotations`` are filled as usual; answers that have none of these blocks do not get the field.

Sending the assistant message back (e.g. to continue after ``stop_reason: pause_turn``) uses
``content_blocks`` as the turn's content, which reproduces the native blocks in their original order. It
must still agree with the message: its text blocks joined must equal ``content`` and its ``tool_use`` ids
and names must equal ``tool_calls`` (whose arguments are the ones sent); an edited message that no longer
agrees is a :class:`BadRequestError` rather than a silent choice between the two.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .convert_response_format import JSON_TOOL_NAME
from .errors import bad_request

__all__ = ["CONTENT_BLOCKS", "canonical_block", "dump_input", "native_turn", "needs_native"]

CONTENT_BLOCKS = "content_blocks"

# Blocks the OpenAI fields carry without loss (text only when it has no citations).
_PLAIN = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})
_THINKING = frozenset({"thinking", "redacted_thinking"})


def dump_input(value: Any) -> str:
    """Tool input as JSON text; the separators match what Anthropic streams as ``partial_json``."""
    return json.dumps(value, ensure_ascii=False)


def canonical_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """The block as kept in ``content_blocks`` (the same from a streamed and a non-streamed answer)."""
    kind = block.get("type")
    if kind == "text":
        out: dict[str, Any] = {"type": "text", "text": block.get("text") or ""}
        if block.get("citations"):
            out["citations"] = list(block["citations"])
        return out
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.get("thinking") or "", "signature": block.get("signature") or ""}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.get("data") or ""}
    return dict(block)


def needs_native(blocks: list[dict[str, Any]]) -> bool:
    """Whether the OpenAI fields alone would lose something of these (canonical) blocks."""
    seen_other = False
    for block in blocks:
        kind = block["type"]
        if kind not in _PLAIN or "citations" in block:
            return True
        if kind in _THINKING:
            if seen_other:  # thinking after a tool result: the order is not recoverable from thinking_blocks
                return True
        else:
            seen_other = True
    return False


def native_turn(value: Any, content: Any, tool_uses: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """The assistant turn's blocks from ``content_blocks`` (see the module docstring).

    Args:
        value: the message's ``content_blocks``.
        content: the message's ``content`` (a string, a list of text parts, or ``None``).
        tool_uses: the message's ``tool_calls`` already converted to ``tool_use`` blocks.
        where: location used in error messages, e.g. ``"messages[2]"``.
    """
    if not isinstance(value, list) or not all(isinstance(b, Mapping) and isinstance(b.get("type"), str) for b in value):
        raise bad_request(f"{where}.content_blocks must be a list of Anthropic content blocks", "messages")
    by_id = {use["id"]: use for use in tool_uses}
    texts: list[str] = []
    ids: list[tuple[Any, Any]] = []
    blocks: list[dict[str, Any]] = []
    for block in value:
        kind = block["type"]
        if kind == "tool_use" and block.get("name") == JSON_TOOL_NAME:  # the structured answer was content text
            block = {"type": "text", "text": dump_input(block.get("input") or {})}
            kind = "text"
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str):
                raise bad_request(f"{where}.content_blocks: a text block needs a string 'text'", "messages")
            texts.append(text)
            if text:  # Anthropic rejects empty text blocks; they carry nothing
                kept = {"type": "text", "text": text}
                kept.update({k: block[k] for k in ("citations", "cache_control") if block.get(k)})
                blocks.append(kept)
        elif kind == "tool_use":
            call_id = block.get("id")
            if not isinstance(call_id, str):
                raise bad_request(f"{where}.content_blocks: a tool_use block needs a string 'id'", "messages")
            ids.append((call_id, block.get("name")))
            blocks.append(by_id.get(call_id) or dict(block))
        else:
            blocks.append(dict(block))
    if "".join(texts) != _text_of(content) or ids != [(u["id"], u["name"]) for u in tool_uses]:
        raise bad_request(
            f"{where}: content_blocks no longer match the message's content and tool_calls; send the message as "
            "returned, or remove content_blocks (server tool blocks are then lost) when editing it",
            "messages",
        )
    return blocks


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text") or p.get("refusal") or "") if isinstance(p, Mapping) else str(p) for p in content
        )
    return ""
