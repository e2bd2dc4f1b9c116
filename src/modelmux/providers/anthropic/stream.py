"""Anthropic streaming events → OpenAI ``ChatCompletionChunk`` s.

Events (https://platform.claude.com/docs/en/build-with-claude/streaming): ``message_start``, then per
content block ``content_block_start`` / ``content_block_delta``* / ``content_block_stop``, then
``message_delta`` (stop reason, cumulative usage) and ``message_stop``; ``ping`` anywhere; ``error``
mid-stream (raised as the mapped exception, from the ``feed`` call of that event: chunks of earlier events
were already returned).

Output, equal to :mod:`.parse_response` once accumulated with ``stream_chunk_builder``:

* ``message_start`` → a first chunk ``{"role": "assistant", "content": ""}``;
* ``text_delta`` → ``content``; at the end of a text block with URL citations (``citations_delta``), one
  delta ``{"annotations": [...]}`` spanning the block (:mod:`.convert_citations`);
* ``thinking_delta`` → ``reasoning_content``; at the end of a thinking or redacted-thinking block, one
  delta carrying ``thinking_blocks: [block]`` (the native block with its signature; accumulators
  concatenate these lists);
* ``tool_use`` → tool-call deltas with ``index`` = ordinal among visible tool calls, ``id``/``name`` on
  the first, ``arguments`` fragments after (``"{}"`` when the tool takes none); the synthetic JSON tool's
  ``partial_json`` streams as ``content`` instead;
* server tool blocks (``server_tool_use`` and its input, ``*_tool_result``) and unknown blocks are
  rebuilt, and when the answer needs them (:func:`.native_blocks.needs_native`) one delta carries
  ``content_blocks`` (every native block in order) just before the finish chunk, with the code execution
  ``container`` when ``message_delta`` named one;
* ``message_delta`` records the stop reason and usage (a later one replaces an earlier one: the last
  wins); ``message_stop`` → the finish chunk, then the usage chunk when ``ctx.include_usage``.

A stream that ends before ``message_stop`` (a cut connection, even after ``message_delta``) raises
:class:`UpstreamError` from :meth:`AnthropicStreamTranslator.finish` instead of passing for a complete
answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_citations import url_annotations
from .convert_response_format import JSON_TOOL_NAME
from .convert_usage import convert_usage
from .errors import map_error_payload
from .map_stop_reason import map_stop_reason
from .native_blocks import CONTENT_BLOCKS, canonical_block, dump_input

__all__ = ["AnthropicStreamTranslator"]

_PLAIN = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})
_THINKING = frozenset({"thinking", "redacted_thinking"})


@dataclass(slots=True)
class _Block:
    kind: str  # text | tool | json | thinking | redacted | other
    native: dict[str, Any]  # the content_block_start block
    tool_index: int = -1
    emitted: bool = False  # any argument / JSON text sent for this block
    parts: list[str] = field(default_factory=list)  # text, thinking or input JSON fragments
    citations: list[Any] = field(default_factory=list)
    start: int = 0  # content length when the block started (annotation indices)

    def rebuilt(self) -> dict[str, Any]:
        """The native block as the non-streamed answer has it (see :func:`.native_blocks.canonical_block`)."""
        native = self.native
        kind = native.get("type")
        joined = "".join(self.parts)
        if kind == "text":
            return canonical_block({"type": "text", "text": joined, "citations": self.citations})
        if kind == "thinking":
            return canonical_block({**native, "thinking": joined})
        if "input" in native:  # tool_use, server_tool_use: input streamed as JSON fragments
            return {**native, "input": from_json(joined) if joined.strip() else native.get("input") or {}}
        return canonical_block(native)


class AnthropicStreamTranslator:
    """Per-stream state: native block index → block, tool-call ordinals, content length, stop reason, usage."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._chunks: ChunkFactory | None = None
        self._blocks: dict[int, _Block] = {}
        self._order: list[_Block] = []
        self._tool_count = 0
        self._length = 0  # characters of content emitted
        self._usage: dict[str, Any] = {}
        self._stop_reason: str | None = None
        self._container: dict[str, Any] | None = None  # the code execution container, from message_delta
        self._native = False  # the answer needs content_blocks
        self._other_seen = False  # a non-thinking block started (thinking after it needs content_blocks)
        self._done = False

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if not data or data.isspace() or self._done:
            return []
        payload = from_json(data)
        if not isinstance(payload, dict):
            raise ValueError("Anthropic stream event is not a JSON object")
        kind = payload.get("type") or event
        if kind == "content_block_delta":
            return self._delta(payload)
        if kind == "content_block_start":
            return self._start(payload)
        if kind == "content_block_stop":
            return self._stop(payload)
        if kind == "message_start":
            return self._message_start(_object(payload["message"]))
        if kind == "message_delta":
            self._message_delta(payload)
            return []
        if kind == "message_stop":
            return self._message_stop()
        if kind == "error":
            raise map_error_payload(payload, self._ctx)
        return []  # ping, and event types added after this was written

    def finish(self) -> list[ChatCompletionChunk]:
        if not self._done:
            raise UpstreamError(
                "Anthropic stream ended before the message was complete (no message_stop received)",
                provider=self._ctx.provider,
                model=self._ctx.model,
            )
        return []

    # ------------------------------------------------------------------ message events

    def _factory(self) -> ChunkFactory:
        if self._chunks is None:  # events before message_start: keep going with what we know
            self._chunks = ChunkFactory("msg_unknown", self._ctx.model)
        return self._chunks

    def _message_start(self, message: dict[str, Any]) -> list[ChatCompletionChunk]:
        self._chunks = ChunkFactory(message.get("id") or "msg_unknown", message.get("model") or self._ctx.model)
        self._usage.update(_object(message.get("usage")))
        return [self._chunks.delta({"role": "assistant", "content": ""})]

    def _message_delta(self, payload: dict[str, Any]) -> None:
        # message_delta usage is cumulative; fields it leaves out keep their earlier values.
        self._usage.update({k: v for k, v in _object(payload.get("usage")).items() if v is not None})
        delta = _object(payload.get("delta"))
        if isinstance(delta.get("container"), dict):
            self._container = delta["container"]
        stop_reason = delta.get("stop_reason")
        if stop_reason is not None:  # several message_delta events: the last stop reason wins
            self._stop_reason = stop_reason

    def _message_stop(self) -> list[ChatCompletionChunk]:
        self._done = True
        factory = self._factory()
        chunks: list[ChatCompletionChunk] = []
        kept: dict[str, Any] = {}
        if self._native:
            kept[CONTENT_BLOCKS] = [block.rebuilt() for block in self._order]
        if self._container is not None:
            kept["container"] = self._container
        if kept:
            chunks.append(factory.delta(kept))
        finish = map_stop_reason(self._stop_reason, self._tool_count > 0)
        chunks.append(factory.delta({}, finish_reason=finish, native_finish_reason=self._stop_reason))
        usage = convert_usage(self._usage) if self._ctx.include_usage else None
        if usage is not None:
            chunks.append(factory.usage(usage))
        return chunks

    # ------------------------------------------------------------------ content blocks

    def _start(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        native = payload.get("content_block") or {}
        if not isinstance(native, dict):
            raise ValueError("content_block_start without a content block object")
        kind = native.get("type")
        if kind in _THINKING:
            self._native = self._native or self._other_seen
        else:
            self._other_seen = True
        if kind not in _PLAIN:
            self._native = True
        block = _Block(_KINDS.get(str(kind), "other"), native, start=self._length)
        if block.kind == "tool" and native.get("name") == JSON_TOOL_NAME:
            block.kind = "json"
        self._blocks[payload["index"]] = block
        self._order.append(block)
        if block.kind == "tool":
            block.tool_index = self._tool_count
            self._tool_count += 1
            call = {
                "index": block.tool_index,
                "id": native["id"],
                "type": "function",
                "function": {"name": native["name"], "arguments": ""},
            }
            return [self._factory().delta({"tool_calls": [call]})]
        if block.kind == "text":
            if native.get("citations"):  # citations normally arrive as deltas, but a start block may carry some
                block.citations = list(native["citations"])
                self._native = True
            return self._text(block, native.get("text") or "")
        if block.kind == "thinking":
            return self._thinking(block, native.get("thinking") or "")
        return []

    def _delta(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        block = self._blocks.get(payload.get("index", -1))
        delta = payload.get("delta") or {}
        if block is None or not isinstance(delta, dict):
            return []
        kind = delta.get("type")
        if kind == "text_delta" and block.kind == "text":  # most events of a stream: _text/_content, inlined
            text = delta.get("text") or ""
            if not text:
                return []
            block.parts.append(text)
            self._length += len(text)
            return [self._factory().text("content", text)]
        if kind == "input_json_delta":
            return self._json(block, delta.get("partial_json") or "")
        if kind == "citations_delta" and block.kind == "text":
            self._native = True
            block.citations.append(delta.get("citation"))
        elif kind == "thinking_delta" and block.kind == "thinking":
            return self._thinking(block, delta.get("thinking") or "")
        elif kind == "signature_delta" and block.kind == "thinking":  # the whole signature, as the SDK reads it
            block.native = {**block.native, "signature": delta.get("signature") or ""}
        return []

    def _stop(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        block = self._blocks.get(payload.get("index", -1))
        if block is None:
            return []
        if block.kind in ("tool", "json") and not block.emitted:  # no input deltas: "{}" or the start input
            return self._json(block, dump_input(block.native.get("input") or {}))
        if block.kind in ("thinking", "redacted"):
            return [self._factory().delta({"thinking_blocks": [block.rebuilt()]})]
        if block.kind == "text" and block.citations:
            annotations = url_annotations(block.citations, block.start, self._length)
            if annotations:
                return [self._factory().delta({"annotations": annotations})]
        return []

    def _text(self, block: _Block, text: str) -> list[ChatCompletionChunk]:
        if not text:
            return []
        block.parts.append(text)
        return self._content(text)

    def _content(self, text: str) -> list[ChatCompletionChunk]:
        self._length += len(text)
        return [self._factory().text("content", text)]

    def _json(self, block: _Block, fragment: str) -> list[ChatCompletionChunk]:
        if not fragment:
            return []
        block.parts.append(fragment)
        block.emitted = True
        if block.kind == "json":
            return self._content(fragment)
        if block.kind != "tool":  # server_tool_use input: kept for content_blocks only
            return []
        call = {"index": block.tool_index, "function": {"arguments": fragment}}
        return [self._factory().delta({"tool_calls": [call]})]

    def _thinking(self, block: _Block, text: str) -> list[ChatCompletionChunk]:
        if not text:
            return []
        block.parts.append(text)
        return [self._factory().text("reasoning_content", text)]


def _object(value: Any) -> dict[str, Any]:
    """A JSON object field (``{}`` when absent); anything else is a garbage answer (→ UpstreamError)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object in the Anthropic stream, got {type(value).__name__}")
    return value


_KINDS = {"text": "text", "tool_use": "tool", "thinking": "thinking", "redacted_thinking": "redacted"}
