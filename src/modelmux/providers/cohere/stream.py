"""Cohere's ``/v2/chat`` SSE events → OpenAI ``ChatCompletionChunk`` s.

Cohere names its events (https://docs.cohere.com/reference/chat-stream, https://docs.cohere.com/docs/streaming):
``message-start`` (the id), ``content-start``/``content-delta``/``content-end`` (a ``text`` or ``thinking``
block), ``tool-plan-delta`` (the plan before tool calls), ``tool-call-start``/``-delta``/``-end`` (one call:
id and name first, then argument fragments), ``citation-start``/``-end`` (one citation) and ``message-end``
(``finish_reason`` and ``usage``). Some deployments close with ``data: [DONE]``; it is ignored.

Translation, matching the non-streamed parse (:mod:`.parse_response`) once accumulated: text deltas →
``content``; thinking and tool-plan deltas → ``reasoning_content`` (a blank line between thinking and plan);
each tool call → ``index`` 0, 1, 2… in start order with id, type and name on its first delta; each citation
→ an ``annotations`` delta (:mod:`.convert_citations`) with offsets into the content streamed so far.

The stream ends honestly: the finish reason and the usage come only from ``message-end`` (the last one if
several), emitted by :meth:`CohereStreamTranslator.finish` — the finish chunk, then the usage chunk when
``ctx.include_usage``. A stream without ``message-end`` was cut short, and one whose ``finish_reason`` is
``ERROR`` failed: both raise :class:`UpstreamError` from ``finish()``, after the content already delivered.
An error object sent as an event raises the mapped error at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .convert_citations import citation_annotations
from .convert_usage import convert_usage
from .errors import error_from_payload
from .map_finish_reason import finish_error, map_finish_reason

__all__ = ["CohereStreamTranslator"]


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    delta = payload.get("delta")
    message = delta.get("message") if isinstance(delta, dict) else None
    return message if isinstance(message, dict) else {}


class CohereStreamTranslator:
    """Per-stream state: the chunk stamp, content blocks and tool calls seen, the final event."""

    __slots__ = (
        "_blocks",
        "_calls",
        "_ctx",
        "_end",
        "_factory",
        "_offsets",
        "_reasoned",
        "_role_sent",
        "_text_len",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._factory: ChunkFactory | None = None
        self._role_sent = False
        self._blocks: dict[int, str] = {}  # native content index → "text" / "thinking"
        self._offsets: dict[int, int] = {}  # native content index of a text block → its start in content
        self._text_len = 0
        self._reasoned = False  # thinking text was streamed (the plan then starts after a blank line)
        self._calls: dict[int, int] = {}  # native tool-call index → OpenAI index
        self._end: dict[str, Any] | None = None  # the last message-end delta

    # ------------------------------------------------------------------ events

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if data[:1] != "{":  # not the usual object: blank (a keep-alive) or the closing [DONE]
            stripped = data.strip()
            if not stripped or stripped == "[DONE]":
                return []
        payload = from_json(data)
        if not isinstance(payload, dict):
            raise ValueError("a Cohere stream event must be a JSON object")
        kind = str(payload.get("type") or event or "")
        if kind in ("", "error") and isinstance(payload.get("message"), str):  # an error body sent as an event
            raise error_from_payload(payload, 500, {}, self._ctx)
        if self._factory is None:
            self._factory = ChunkFactory(str(payload.get("id") or f"chatcmpl-{uuid.uuid4().hex}"), self._ctx.model)
        if kind == "content-delta" and self._role_sent:  # most events: a text fragment, _content_delta inlined
            content = _message(payload).get("content")
            if type(content) is dict and "thinking" not in content:
                text = content.get("text")
                if type(text) is str and text and self._blocks.get(int(payload.get("index") or 0)) == "text":
                    self._text_len += len(text)
                    return [self._factory.text("content", text)]
        handler = _HANDLERS.get(kind)
        if handler is None:  # content-end, tool-call-end, citation-end, debug…: nothing to say
            return []
        delta = handler(self, payload)
        return [self._chunk(delta)] if delta else []

    def _content_start(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        content = _message(payload).get("content")
        index = int(payload.get("index") or 0)
        kind = content.get("type") if isinstance(content, dict) else "text"
        self._blocks[index] = kind if kind == "thinking" else "text"
        if self._blocks[index] == "text":
            self._offsets[index] = self._text_len
        return self._content_delta(payload)

    def _content_delta(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        content = _message(payload).get("content")
        if not isinstance(content, dict):
            return None
        index = int(payload.get("index") or 0)
        thinking = content.get("thinking")
        if isinstance(thinking, str) and (thinking or self._blocks.get(index) == "thinking"):
            if thinking:
                self._reasoned = True
                return {"reasoning_content": thinking}
            return None
        text = content.get("text")
        if not isinstance(text, str) or not text:
            return None
        if self._blocks.get(index) == "thinking":
            self._reasoned = True
            return {"reasoning_content": text}
        self._blocks.setdefault(index, "text")
        self._offsets.setdefault(index, self._text_len)
        self._text_len += len(text)
        return {"content": text}

    def _tool_plan(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        plan = _message(payload).get("tool_plan")
        if not isinstance(plan, str) or not plan:
            return None
        if self._reasoned:  # thinking came first: a blank line, as the parse joins them
            plan = "\n\n" + plan
        self._reasoned = False
        return {"reasoning_content": plan}

    def _tool_call_start(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        call = _message(payload).get("tool_calls")
        if not isinstance(call, dict):
            raise ValueError("tool-call-start without a tool call")
        index = len(self._calls)
        self._calls[int(payload.get("index") or 0)] = index
        function = call.get("function") or {}
        return {
            "tool_calls": [
                {
                    "index": index,
                    "id": str(call.get("id") or f"call_{uuid.uuid4().hex[:24]}"),
                    "type": "function",
                    "function": {"name": str(function.get("name") or ""), "arguments": function.get("arguments") or ""},
                }
            ]
        }

    def _tool_call_delta(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        call = _message(payload).get("tool_calls")
        function = call.get("function") if isinstance(call, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        native = int(payload.get("index") or 0)
        if not isinstance(arguments, str) or not arguments:
            return None
        if native not in self._calls:
            raise ValueError("tool-call-delta before its tool-call-start")
        return {"tool_calls": [{"index": self._calls[native], "function": {"arguments": arguments}}]}

    def _citation_start(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        citation = _message(payload).get("citations")
        if not isinstance(citation, dict):
            return None
        index = citation.get("content_index")
        if isinstance(index, int) and index in self._offsets:
            offset = self._offsets[index]
        else:  # Cohere's stream omits content_index: the text block being streamed
            offset = self._offsets[max(self._offsets)] if self._offsets else 0
        annotations = citation_annotations([citation], offset)
        return {"annotations": annotations} if annotations else None

    def _message_end(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        delta = payload.get("delta")
        self._end = delta if isinstance(delta, dict) else {}
        return None

    # ------------------------------------------------------------------ end of stream

    def finish(self) -> list[ChatCompletionChunk]:
        if self._end is None:
            raise UpstreamError(
                "the Cohere stream ended without its 'message-end' event (cut short)",
                provider=self._ctx.provider,
                model=self._ctx.model,
            )
        native = self._end.get("finish_reason")
        failed = finish_error(native)
        if failed:
            detail = self._end.get("error")
            raise UpstreamError(
                f"{failed}: {detail}" if isinstance(detail, str) and detail else failed,
                provider=self._ctx.provider,
                model=self._ctx.model,
                native_type=native,
            )
        factory = self._stamp()
        chunks = [factory.delta(self._with_role({}), map_finish_reason(native), native)]
        usage = convert_usage(self._end.get("usage"))
        if self._ctx.include_usage and usage is not None:
            chunks.append(factory.usage(usage))
        return chunks

    # ------------------------------------------------------------------ helpers

    def _stamp(self) -> ChunkFactory:
        if self._factory is None:
            self._factory = ChunkFactory(f"chatcmpl-{uuid.uuid4().hex}", self._ctx.model)
        return self._factory

    def _with_role(self, delta: dict[str, Any]) -> dict[str, Any]:
        if not self._role_sent:
            self._role_sent = True
            return {"role": "assistant", **delta}
        return delta

    def _chunk(self, delta: dict[str, Any]) -> ChatCompletionChunk:
        if self._role_sent and self._factory is not None:  # every chunk after the first
            return self._factory.delta(delta)
        return self._stamp().delta(self._with_role(delta))


_HANDLERS = {
    "content-start": CohereStreamTranslator._content_start,
    "content-delta": CohereStreamTranslator._content_delta,
    "tool-plan-delta": CohereStreamTranslator._tool_plan,
    "tool-call-start": CohereStreamTranslator._tool_call_start,
    "tool-call-delta": CohereStreamTranslator._tool_call_delta,
    "citation-start": CohereStreamTranslator._citation_start,
    "message-end": CohereStreamTranslator._message_end,
}
