"""``ChatCompletionChunk`` s → Anthropic's streaming events (the inverse of
:mod:`modelmux.providers.anthropic.stream`).

Events (https://platform.claude.com/docs/en/build-with-claude/streaming): ``message_start`` (an empty message)
and a ``ping``, then one block at a time — ``content_block_start``, its deltas, ``content_block_stop`` — with
indices counting from 0 in order of appearance, then ``message_delta`` (stop reason and usage) and
``message_stop``.

* ``reasoning_content`` → a ``thinking`` block of ``thinking_delta`` s; a chunk carrying ``thinking_blocks``
  (the signed native block, from Claude behind another dialect) ends it with a ``signature_delta``; a redacted
  block is a ``redacted_thinking`` block of its own;
* ``content`` (and ``refusal``) → a ``text`` block of ``text_delta`` s;
* each tool call (by its ``index``) → a ``tool_use`` block (``id``, ``name``, ``input: {}``) of
  ``input_json_delta`` s carrying the argument fragments. Arguments of a call whose block was already closed
  (a target interleaving parallel calls) still go to that call's index, which the SDKs accumulate by; a new ``id``
  at an index already seen is a new call.

A change of kind closes the open block. Usage comes from the usage chunk (the call asks for one), in
``message_delta``, input tokens included; ``message_start`` carries an estimate of the input tokens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...types import ChatCompletionChunk, Usage
from .convert_response import convert_usage, map_finish_reason, message_id

__all__ = ["StreamTranslator", "event"]


def event(name: str, data: Mapping[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


class StreamTranslator:
    """Per-stream state: the open block, the tool calls' blocks, the finish reason and usage."""

    def __init__(self, model: str) -> None:
        self._model = model
        self._next = 0  # the index the next block gets
        self._open: tuple[str, int] | None = None  # (kind, index); every tool call is a kind of its own
        self._tools: dict[int, int] = {}  # tool call index → block index
        self._ids: dict[int, str] = {}  # tool call index → the id of its call
        self._finish: str | None = None
        self._native: Any = None  # Claude's own stop reason, when a target behind another dialect kept it
        self._usage: Usage | None = None

    def start(self, input_tokens: int = 0) -> bytes:
        """``message_start`` and a ``ping``. ``input_tokens`` seeds the usage there: other dialects report usage
        only at the end (``message_delta`` then carries the real count), and Claude Code shows the context in use
        from ``message_start``."""
        message: dict[str, Any] = {
            "id": message_id(),
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 0},
        }
        return event("message_start", {"type": "message_start", "message": message}) + event("ping", {"type": "ping"})

    def feed(self, chunk: ChatCompletionChunk) -> bytes:
        out: list[bytes] = []
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.reasoning_content:
                index = self._ensure("thinking", out, {"type": "thinking", "thinking": "", "signature": ""})
                out.append(self._delta(index, {"type": "thinking_delta", "thinking": delta.reasoning_content}))
            blocks = (delta.model_extra or {}).get("thinking_blocks")
            if isinstance(blocks, list):
                self._signed(blocks, out)
            text = delta.content or delta.refusal
            if text:
                index = self._ensure("text", out, {"type": "text", "text": ""})
                out.append(self._delta(index, {"type": "text_delta", "text": text}))
            for call in delta.tool_calls or ():
                self._tool(call, out)
            if choice.finish_reason:
                self._finish = choice.finish_reason
                self._native = (choice.model_extra or {}).get("native_finish_reason")
        return b"".join(out)

    def finish(self) -> bytes:
        out: list[bytes] = []
        self._close(out)
        usage = convert_usage(self._usage)
        delta = {"stop_reason": map_finish_reason(self._finish, bool(self._tools), self._native), "stop_sequence": None}
        out.append(event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
        out.append(event("message_stop", {"type": "message_stop"}))
        return b"".join(out)

    # ------------------------------------------------------------ blocks

    def _delta(self, index: int, delta: dict[str, Any]) -> bytes:
        return event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})

    def _close(self, out: list[bytes]) -> None:
        if self._open is not None:
            out.append(event("content_block_stop", {"type": "content_block_stop", "index": self._open[1]}))
            self._open = None

    def _begin(self, kind: str, out: list[bytes], block: dict[str, Any]) -> int:
        self._close(out)
        index = self._next
        self._next += 1
        out.append(
            event("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})
        )
        self._open = (kind, index)
        return index

    def _ensure(self, kind: str, out: list[bytes], block: dict[str, Any]) -> int:
        if self._open is not None and self._open[0] == kind:
            return self._open[1]
        return self._begin(kind, out, block)

    def _signed(self, blocks: list[Any], out: list[bytes]) -> None:
        for block in blocks:
            if not isinstance(block, Mapping):
                continue
            if block.get("type") == "redacted_thinking":
                self._begin("redacted", out, {"type": "redacted_thinking", "data": str(block.get("data") or "")})
                self._close(out)
            elif block.get("signature"):
                index = self._ensure("thinking", out, {"type": "thinking", "thinking": "", "signature": ""})
                out.append(self._delta(index, {"type": "signature_delta", "signature": str(block["signature"])}))
                self._close(out)

    def _tool(self, call: Any, out: list[bytes]) -> None:
        index = self._tools.get(call.index)
        function = call.function
        # A new id at a known index is a new call (some OpenAI-compatible vendors number every call 0).
        if index is None or (call.id and call.id != self._ids.get(call.index)):
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": call.id or "toolu_" + message_id()[4:],
                "name": (function.name if function is not None else None) or "",
                "input": {},
            }
            index = self._begin(f"tool:{self._next}", out, block)
            self._tools[call.index] = index
            self._ids[call.index] = block["id"]
        if function is not None and function.arguments:
            out.append(self._delta(index, {"type": "input_json_delta", "partial_json": function.arguments}))
