"""Anthropic streaming events → OpenAI ``ChatCompletionChunk`` s.

Events (https://platform.claude.com/docs/en/build-with-claude/streaming): ``message_start``, then per
content block ``content_block_start`` / ``content_block_delta``* / ``content_block_stop``, then
``message_delta`` (stop reason, cumulative usage) and ``message_stop``; ``ping`` anywhere; ``error``
mid-stream (raised as the mapped exception).

Output, matching :mod:`.parse_response` once accumulated:

* ``message_start`` → a first chunk ``{"role": "assistant", "content": ""}``;
* ``text_delta`` → ``content``; ``thinking_delta`` → ``reasoning_content``; at the end of a thinking or
  redacted-thinking block, one delta carrying ``thinking_blocks: [block]`` (the native block with its
  signature; accumulators concatenate these lists);
* ``tool_use`` → tool-call deltas with ``index`` = ordinal among visible tool calls, ``id``/``name`` on
  the first, ``arguments`` fragments after (``"{}"`` when the tool takes none); the synthetic JSON tool's
  ``partial_json`` streams as ``content`` instead;
* server tool blocks and their ``input_json_delta`` s, ``citations_delta`` s and unknown events are skipped;
* ``message_delta`` → the finish chunk; ``message_stop`` → the usage chunk when ``ctx.include_usage``.

A stream that ends before ``message_delta`` (a cut connection) raises :class:`UpstreamError` from
:meth:`AnthropicStreamTranslator.finish` instead of passing for a complete answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_response_format import JSON_TOOL_NAME
from .convert_usage import convert_usage
from .errors import map_error_payload
from .map_stop_reason import map_stop_reason
from .parse_response import dump_input

__all__ = ["AnthropicStreamTranslator"]


@dataclass(slots=True)
class _Block:
    kind: str  # text | tool | json | thinking | redacted | other
    tool_index: int = -1
    start_input: Any = None
    emitted: bool = False  # any argument / JSON text sent for this block
    parts: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""


class AnthropicStreamTranslator:
    """Per-stream state: native block index → block kind, tool-call ordinals, usage so far."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._chunks: ChunkFactory | None = None
        self._blocks: dict[int, _Block] = {}
        self._tool_count = 0
        self._usage: dict[str, Any] = {}
        self._finished = False
        self._done = False

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if not data or data.isspace():
            return []
        payload = from_json(data)
        kind = payload.get("type") or event
        if kind == "content_block_delta":
            return self._delta(payload)
        if kind == "content_block_start":
            return self._start(payload)
        if kind == "content_block_stop":
            return self._stop(payload)
        if kind == "message_start":
            return self._message_start(payload["message"])
        if kind == "message_delta":
            return self._message_delta(payload)
        if kind == "message_stop":
            return self._message_stop()
        if kind == "error":
            raise map_error_payload(payload, self._ctx)
        return []  # ping, and event types added after this was written

    def finish(self) -> list[ChatCompletionChunk]:
        if self._done:
            return []
        if not self._finished:
            raise UpstreamError(
                "Anthropic stream ended before the message was complete (no stop_reason received)",
                provider=self._ctx.provider,
                model=self._ctx.model,
            )
        return self._message_stop()

    # ------------------------------------------------------------------ message events

    def _factory(self) -> ChunkFactory:
        if self._chunks is None:  # events before message_start: keep going with what we know
            self._chunks = ChunkFactory("msg_unknown", self._ctx.model)
        return self._chunks

    def _message_start(self, message: dict[str, Any]) -> list[ChatCompletionChunk]:
        self._chunks = ChunkFactory(message.get("id") or "msg_unknown", message.get("model") or self._ctx.model)
        self._usage.update(message.get("usage") or {})
        return [self._chunks.delta({"role": "assistant", "content": ""})]

    def _message_delta(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        # message_delta usage is cumulative; fields it leaves out keep their message_start values.
        self._usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
        stop_reason = (payload.get("delta") or {}).get("stop_reason")
        if self._finished:
            return []
        self._finished = True
        finish = map_stop_reason(stop_reason, self._tool_count > 0)
        return [self._factory().delta({}, finish_reason=finish, native_finish_reason=stop_reason)]

    def _message_stop(self) -> list[ChatCompletionChunk]:
        if self._done:
            return []
        self._done = True
        chunks: list[ChatCompletionChunk] = []
        if not self._finished:  # message_stop without message_delta: still close the choice
            self._finished = True
            chunks.append(self._factory().delta({}, finish_reason="stop"))
        usage = convert_usage(self._usage) if self._ctx.include_usage else None
        if usage is not None:
            chunks.append(self._factory().usage(usage))
        return chunks

    # ------------------------------------------------------------------ content blocks

    def _start(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        native = payload.get("content_block") or {}
        kind = native.get("type")
        if kind == "tool_use" and native.get("name") == JSON_TOOL_NAME:
            self._blocks[payload["index"]] = _Block("json", start_input=native.get("input"))
            return []
        if kind == "tool_use":
            block = _Block("tool", tool_index=self._tool_count, start_input=native.get("input"))
            self._tool_count += 1
            self._blocks[payload["index"]] = block
            call = {
                "index": block.tool_index,
                "id": native["id"],
                "type": "function",
                "function": {"name": native["name"], "arguments": ""},
            }
            return [self._factory().delta({"tool_calls": [call]})]
        if kind == "text":
            self._blocks[payload["index"]] = _Block("text")
            return self._text(native.get("text") or "")
        if kind == "thinking":
            block = _Block("thinking", signature=native.get("signature") or "")
            self._blocks[payload["index"]] = block
            return self._thinking(block, native.get("thinking") or "")
        if kind == "redacted_thinking":
            self._blocks[payload["index"]] = _Block("redacted", data=native.get("data") or "")
            return []
        self._blocks[payload["index"]] = _Block("other")
        return []

    def _delta(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        block = self._blocks.get(payload.get("index", -1))
        delta = payload.get("delta") or {}
        kind = delta.get("type")
        if block is None or block.kind == "other":
            return []
        if kind == "text_delta" and block.kind == "text":
            return self._text(delta.get("text") or "")
        if kind == "input_json_delta" and block.kind in ("tool", "json"):
            return self._json(block, delta.get("partial_json") or "")
        if kind == "thinking_delta" and block.kind == "thinking":
            return self._thinking(block, delta.get("thinking") or "")
        if kind == "signature_delta" and block.kind == "thinking":  # carries the whole signature, as the SDK reads it
            block.signature = delta.get("signature") or block.signature
        return []

    def _stop(self, payload: dict[str, Any]) -> list[ChatCompletionChunk]:
        block = self._blocks.get(payload.get("index", -1))
        if block is None:
            return []
        if block.kind in ("tool", "json") and not block.emitted:  # no input deltas: "{}" or the start input
            return self._json(block, dump_input(block.start_input or {}))
        if block.kind == "thinking":
            native = {"type": "thinking", "thinking": "".join(block.parts), "signature": block.signature}
            return [self._factory().delta({"thinking_blocks": [native]})]
        if block.kind == "redacted":
            native = {"type": "redacted_thinking", "data": block.data}
            return [self._factory().delta({"thinking_blocks": [native]})]
        return []

    def _text(self, text: str) -> list[ChatCompletionChunk]:
        return [self._factory().delta({"content": text})] if text else []

    def _json(self, block: _Block, fragment: str) -> list[ChatCompletionChunk]:
        if not fragment:
            return []
        block.emitted = True
        if block.kind == "json":
            return self._text(fragment)
        call = {"index": block.tool_index, "function": {"arguments": fragment}}
        return [self._factory().delta({"tool_calls": [call]})]

    def _thinking(self, block: _Block, text: str) -> list[ChatCompletionChunk]:
        if not text:
            return []
        block.parts.append(text)
        return [self._factory().delta({"reasoning_content": text})]
