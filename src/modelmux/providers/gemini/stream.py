"""``streamGenerateContent?alt=sse`` events → OpenAI ``ChatCompletionChunk`` s.

Every SSE ``data`` is a partial ``GenerateContentResponse``: its parts are deltas (text, ``thought``
text, and function calls, which arrive whole). One chunk is emitted per event that says something:
content, reasoning and tool calls of the event together, ``role`` on the first chunk, and the
``finish_reason`` on the event that carries Gemini's ``finishReason``. Each function call becomes one
tool-call delta with id, name and complete arguments and the next ``index`` (0, 1, 2…); its id is the
one the non-streamed parse gives (see :mod:`.tool_call_ids`), so both accumulate to the same result.
``usageMetadata`` is cumulative; the last one seen becomes the usage chunk at the end of the stream when
``ctx.include_usage``. An ``error`` object in an event raises the mapped error.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_usage import convert_usage
from .errors import error_from_payload
from .map_finish_reason import BLOCKED_PROMPT, map_finish_reason
from .parse_response import first_candidate, read_parts

__all__ = ["GeminiStreamTranslator"]


class GeminiStreamTranslator:
    """Per-stream state: the chunk stamp, calls seen so far, whether finished, the last usage."""

    __slots__ = ("_calls", "_ctx", "_factory", "_finished", "_response_id", "_role_sent", "_usage")

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._factory: ChunkFactory | None = None
        self._response_id: str | None = None
        self._calls = 0
        self._role_sent = False
        self._finished = False
        self._usage: dict[str, Any] | None = None

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        """Translate one SSE event (Gemini sends unnamed events)."""
        if not data.strip():
            return []
        payload = from_json(data)
        if not isinstance(payload, dict):
            raise ValueError("a Gemini stream event must be a JSON object")
        if isinstance(payload.get("error"), dict):
            raise error_from_payload(payload, 200, {}, self._ctx)
        if self._factory is None:
            self._response_id = payload.get("responseId")
            self._factory = ChunkFactory(
                self._response_id or f"chatcmpl-{uuid.uuid4().hex}",
                payload.get("modelVersion") or self._ctx.model,
            )
        if isinstance(payload.get("usageMetadata"), dict):
            self._usage = payload["usageMetadata"]
        if self._finished:
            return []
        candidate = first_candidate(payload)
        if candidate is None:
            block = (payload.get("promptFeedback") or {}).get("blockReason")
            if not block:
                return []
            self._finished = True
            return [self._chunk({}, BLOCKED_PROMPT, block)]
        content = read_parts((candidate.get("content") or {}).get("parts"), self._response_id, self._calls)
        delta: dict[str, Any] = {}
        if content.text:
            delta["content"] = content.text
        if content.reasoning:
            delta["reasoning_content"] = content.reasoning
        if content.tool_calls:
            delta["tool_calls"] = [{"index": self._calls + i, **call} for i, call in enumerate(content.tool_calls)]
            self._calls += len(content.tool_calls)
        native = candidate.get("finishReason")
        if native:
            self._finished = True
            return [self._chunk(delta, map_finish_reason(native, self._calls > 0), native)]
        return [self._chunk(delta)] if delta else []

    def finish(self) -> list[ChatCompletionChunk]:
        """The usage chunk, when asked for and Gemini sent usage."""
        usage = convert_usage(self._usage)
        if self._ctx.include_usage and usage is not None and self._factory is not None:
            return [self._factory.usage(usage)]
        return []

    def _chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, native: str | None = None
    ) -> ChatCompletionChunk:
        assert self._factory is not None
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        return self._factory.delta(delta, finish_reason, native)
