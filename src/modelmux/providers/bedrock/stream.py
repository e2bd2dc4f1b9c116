"""ConverseStream events → OpenAI ``ChatCompletionChunk`` s.

Events (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html),
decoded from the event-stream framing by :mod:`.eventstream`: ``messageStart``; per content block an optional
``contentBlockStart`` (tool use), ``contentBlockDelta`` s and ``contentBlockStop``; ``messageStop`` (the stop
reason) and ``metadata`` (usage). Exceptions (``throttlingException``, ``modelStreamErrorException``,
``validationException``, ``internalServerException``, ``serviceUnavailableException``) are raised as the
mapped error.

Output, matching :mod:`.parse_response` once accumulated:

* ``messageStart`` → ``{"role": "assistant", "content": ""}``;
* text deltas → ``content``; ``reasoningContent.text`` → ``reasoning_content``; at the end of a reasoning
  block with a signature (or redacted content) one delta carrying ``thinking_blocks: [block]``;
* tool use → tool-call deltas (``index`` = ordinal among client tool calls; id/name first, then argument
  fragments; ``"{}"`` when none came); the synthetic JSON tool's input streams as ``content``; provider-run
  tools (``server_tool_use``), tool results and citations are skipped;
* ``messageStop`` + ``metadata`` → the finish chunk (after ``metadata``, so the last stop reason wins), then
  the usage chunk when ``ctx.include_usage``.

A stream that ends without ``messageStop`` or without ``metadata`` (a cut connection) raises
:class:`UpstreamError` from :meth:`BedrockStreamTranslator.finish`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_tools import JSON_TOOL_NAME
from .convert_usage import convert_usage
from .errors import map_exception
from .map_stop_reason import map_stop_reason
from .parse_response import new_id, thinking_block

__all__ = ["BedrockStreamTranslator"]


@dataclass(slots=True)
class _Block:
    kind: str  # text | tool | json | reasoning | other
    tool_index: int = -1
    emitted: bool = False
    parts: list[str] = field(default_factory=list)
    signature: str = ""
    redacted: list[str] = field(default_factory=list)  # fragments, joined once (never += per event)


class BedrockStreamTranslator:
    """Per-stream state: native block index → block kind, tool-call ordinals, stop reason, usage."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._chunks = ChunkFactory(new_id(), ctx.model)
        self._blocks: dict[int, _Block] = {}
        self._tool_count = 0
        self._stopped = False
        self._stop_reason: str | None = None
        self._usage: dict[str, Any] | None = None
        self._closed = False

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if event == "contentBlockDelta":
            payload = from_json(data)
            delta = payload.get("delta") if type(payload) is dict else None
            if type(delta) is dict and "text" in delta:  # most events: a text fragment (what _delta does, inlined)
                block = self._blocks.get(payload.get("contentBlockIndex", -1))
                text = delta["text"]
                if type(text) is str and block is not None and block.kind == "text":
                    return [self._chunks.text("content", text)] if text else []
            return self._delta(payload)
        if event == "contentBlockStart":
            return self._start(from_json(data))
        if event == "contentBlockStop":
            return self._stop(from_json(data))
        if event == "messageStart":
            return [self._chunks.delta({"role": "assistant", "content": ""})]
        if event == "messageStop":
            return self._message_stop(from_json(data))
        if event == "metadata":
            self._usage = from_json(data).get("usage") or {}
            return self._closing_chunks()
        if event == "error" or event.endswith("Exception"):
            raise map_exception(event, data, self._ctx)
        return []  # event types added after this was written

    def finish(self) -> list[ChatCompletionChunk]:
        missing = [
            name for name, seen in (("messageStop", self._stopped), ("metadata", self._usage is not None)) if not seen
        ]
        if missing:
            raise UpstreamError(
                f"Bedrock stream ended before the message was complete (no {' or '.join(missing)} received)",
                provider=self._ctx.provider,
                model=self._ctx.model,
            )
        return []

    # ------------------------------------------------------------------ message events

    def _message_stop(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        # The finish chunk waits for ``metadata`` (always sent right after), so that of several stop events
        # the last one wins and the usage chunk follows it.
        self._stopped = True
        self._stop_reason = payload.get("stopReason")
        return self._closing_chunks()

    def _closing_chunks(self) -> list[ChatCompletionChunk]:
        if not self._stopped or self._usage is None or self._closed:
            return []
        self._closed = True
        finish = map_stop_reason(self._stop_reason, self._tool_count > 0)
        chunks = [self._chunks.delta({}, finish_reason=finish, native_finish_reason=self._stop_reason)]
        usage = convert_usage(self._usage) if self._ctx.include_usage else None
        if usage is not None:
            chunks.append(self._chunks.usage(usage))
        return chunks

    # ------------------------------------------------------------------ content blocks

    def _start(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        index = payload.get("contentBlockIndex", -1)
        use = (payload.get("start") or {}).get("toolUse")
        if not isinstance(use, dict) or use.get("type") == "server_tool_use":
            self._blocks[index] = _Block("other")
            return []
        if use.get("name") == JSON_TOOL_NAME:
            self._blocks[index] = _Block("json")
            return []
        block = _Block("tool", tool_index=self._tool_count)
        self._tool_count += 1
        self._blocks[index] = block
        call = {
            "index": block.tool_index,
            "id": use["toolUseId"],
            "type": "function",
            "function": {"name": use["name"], "arguments": ""},
        }
        return [self._chunks.delta({"tool_calls": [call]})]

    def _delta(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        index = payload.get("contentBlockIndex", -1)
        delta = payload.get("delta") or {}
        block = self._blocks.get(index)
        if "text" in delta:
            if block is None:
                block = self._blocks[index] = _Block("text")
            text = delta["text"] or ""
            return [self._chunks.text("content", text)] if text and block.kind == "text" else []
        if "reasoningContent" in delta:
            if block is None:
                block = self._blocks[index] = _Block("reasoning")
            return self._reasoning(block, delta["reasoningContent"] or {})
        if "toolUse" in delta and block is not None and block.kind in ("tool", "json"):
            return self._arguments(block, (delta["toolUse"] or {}).get("input") or "")
        return []  # citations, tool results of provider-run tools, images

    def _stop(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        block = self._blocks.get(payload.get("contentBlockIndex", -1))
        if block is None:
            return []
        if block.kind in ("tool", "json") and not block.emitted:
            return self._arguments(block, "{}")
        if block.kind == "reasoning":
            native = thinking_block("".join(block.parts), block.signature or None, "".join(block.redacted) or None)
            if native is not None:
                return [self._chunks.delta({"thinking_blocks": [native]})]
        return []

    def _reasoning(self, block: _Block, delta: dict[str, Any]) -> list[ChatCompletionChunk]:
        if block.kind != "reasoning":
            return []
        if delta.get("signature"):
            block.signature = delta["signature"]
        if delta.get("redactedContent"):
            block.redacted.append(delta["redactedContent"])
        text = delta.get("text") or ""
        if not text:
            return []
        block.parts.append(text)
        return [self._chunks.text("reasoning_content", text)]

    def _arguments(self, block: _Block, fragment: str) -> list[ChatCompletionChunk]:
        if not fragment:
            return []
        block.emitted = True
        if block.kind == "json":
            return [self._chunks.text("content", fragment)]
        call = {"index": block.tool_index, "function": {"arguments": fragment}}
        return [self._chunks.delta({"tool_calls": [call]})]
