"""``streamGenerateContent?alt=sse`` events → OpenAI ``ChatCompletionChunk`` s.

Every SSE ``data`` (or item of the JSON array the endpoint sends without ``alt=sse``) is a partial
``GenerateContentResponse``: its parts are deltas (text, ``thought`` text, and function calls, which
arrive whole). One chunk is emitted per event that says something: content, reasoning and tool calls of
the event together, ``role`` on the first chunk. Each function call becomes one tool-call delta with id,
name and complete arguments and the next ``index`` (0, 1, 2…); its id is the one the non-streamed parse
gives (see :mod:`.tool_call_ids`), so both accumulate to the same result.

The stream ends honestly (the rule every provider follows):

* the ``finish_reason`` goes in a chunk of its own when the stream ends (as OpenAI sends it), so that
  when several events carry a ``finishReason`` the last one wins;
* a stream that ends without any candidate ``finishReason`` (and no ``promptFeedback.blockReason``) was
  cut short: :meth:`GeminiStreamTranslator.finish` raises :class:`UpstreamError`;
* a finish reason that means a broken answer (``MALFORMED_FUNCTION_CALL``…, see
  :mod:`.map_finish_reason`) is raised by ``finish()``, after the content that came before it;
* an ``error`` object in an event raises the mapped error at once.

``usageMetadata`` is cumulative; the last one seen becomes the usage chunk at the end of the stream when
``ctx.include_usage``.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_usage import convert_usage
from .errors import error_from_payload
from .map_finish_reason import BLOCKED_PROMPT, finish_error, map_finish_reason
from .parse_response import block_reason, first_candidate, read_parts

__all__ = ["GeminiStreamTranslator"]


class GeminiStreamTranslator:
    """Per-stream state: the chunk stamp, calls seen so far, the last finish reason, the last usage."""

    __slots__ = ("_block", "_calls", "_ctx", "_factory", "_native", "_response_id", "_role_sent", "_usage")

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._factory: ChunkFactory | None = None
        self._response_id: str | None = None
        self._calls = 0
        self._role_sent = False
        self._native: str | None = None  # the last candidate finishReason seen
        self._block: str | None = None  # promptFeedback.blockReason, when the prompt was blocked
        self._usage: dict[str, Any] | None = None

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        """Translate one SSE event (Gemini sends unnamed events)."""
        if not data.strip():
            return []
        payload = from_json(data)
        if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
            payload = payload[0]  # Google wraps some error bodies in a one-element list
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
        candidate = first_candidate(payload)
        if candidate is None:
            self._block = block_reason(payload) or self._block
            return []
        native = candidate.get("finishReason")
        if isinstance(native, str) and native:
            self._native = native
        parts = (candidate.get("content") or {}).get("parts")
        if type(parts) is list and len(parts) == 1 and type(parts[0]) is dict and len(parts[0]) == 1:
            text = parts[0].get("text")  # most events: one plain text part (what read_parts makes of it, cheaper)
            if type(text) is str:
                if not text:
                    return []
                if self._role_sent:
                    return [self._factory.text("content", text)]
                return [self._chunk({"content": text})]
        content = read_parts(parts, self._response_id, self._calls)
        delta: dict[str, Any] = {}
        if content.text:
            delta["content"] = content.text
        if content.reasoning:
            delta["reasoning_content"] = content.reasoning
        if content.tool_calls:
            delta["tool_calls"] = [{"index": self._calls + i, **call} for i, call in enumerate(content.tool_calls)]
            self._calls += len(content.tool_calls)
        return [self._chunk(delta)] if delta else []

    def finish(self) -> list[ChatCompletionChunk]:
        """The finish chunk (the last finish reason seen) and the usage chunk, when asked for.

        Raises:
            UpstreamError: the stream ended without a finish reason or block reason, or with a finish
                reason that means a broken answer (then the mapped error, see :mod:`.map_finish_reason`).
        """
        if self._native is not None:
            error = finish_error(self._native, self._ctx)
            if error is not None:
                raise error
            out = [self._chunk({}, map_finish_reason(self._native, self._calls > 0), self._native)]
        elif self._block is not None:
            out = [self._chunk({}, BLOCKED_PROMPT, self._block)]
        else:
            raise UpstreamError(
                "the Gemini stream ended without a finishReason (cut short)",
                provider=self._ctx.provider,
                model=self._ctx.model,
            )
        usage = convert_usage(self._usage)
        if self._ctx.include_usage and usage is not None and self._factory is not None:
            out.append(self._factory.usage(usage))
        return out

    def _chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, native: str | None = None
    ) -> ChatCompletionChunk:
        assert self._factory is not None
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        return self._factory.delta(delta, finish_reason, native)
