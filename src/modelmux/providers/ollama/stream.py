"""Ollama stream objects → ``ChatCompletionChunk`` s.

A native stream is one JSON object per line (docs.ollama.com/api/streaming): ``message`` fragments
(``content``, ``thinking``, whole ``tool_calls``) or ``response`` fragments for ``/api/generate``, each with
``done: false``, then a final ``done: true`` object with ``done_reason`` and the counts. A line
``{"error": ...}`` is an error raised where it comes. Objects in OpenAI's chunk shape (Ollama's ``/v1`` route,
or a server that answers so) are handed to the OpenAI translator, whole stream long.

``finish()`` raises ``UpstreamError`` when no ``done: true`` came (a cut stream), as agreed for all providers.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext, StreamTranslator
from .._shapes import ChunkFactory
from ..openai.parse_response import parse_chat_completion
from .convert_answer import answer_parts, check_done_reason, native_usage
from .errors import error_from_line
from .map_done_reason import map_done_reason
from .openai_route import OPENAI_ROUTE

__all__ = ["OllamaStreamTranslator"]


def _whole_completion(raw: Any) -> bool:
    """A non-streamed OpenAI ``chat.completion`` answering a stream request (its choices have ``message``)."""
    return isinstance(raw, dict) and (
        raw.get("object") == "chat.completion"
        or any(isinstance(c, dict) and "message" in c for c in raw.get("choices") or ())
    )


def _openai_shaped(event: str, data: str, raw: Any) -> bool:
    if event or data == "[DONE]":
        return True
    return isinstance(raw, dict) and ("choices" in raw or str(raw.get("object", "")).startswith("chat.completion"))


class OllamaStreamTranslator:
    __slots__ = ("_chunks", "_done", "_include_usage", "_openai", "_started", "_tool_index", "ctx")

    def __init__(self, ctx: CallContext, *, include_usage: bool | None = None) -> None:
        self.ctx = ctx
        self._include_usage = ctx.include_usage if include_usage is None else include_usage
        self._chunks = ChunkFactory(f"chatcmpl-{uuid.uuid4().hex}", ctx.model)
        self._openai: StreamTranslator | None = None
        self._started = False
        self._done = False
        self._tool_index = 0

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if self._openai is not None:
            return self._openai.feed(event, data)
        if self._done:
            return []  # nothing follows the final object
        raw = None if data == "[DONE]" or event else from_json(data)
        if type(raw) is dict and "choices" not in raw and "object" not in raw and "error" not in raw:
            return self._native(raw)  # a native line (the checks below all need one of those keys)
        if _whole_completion(raw):
            return self._completion(data)
        if _openai_shaped(event, data, raw):
            self._openai = OPENAI_ROUTE.chat_stream_translator(self.ctx)
            return self._openai.feed(event, data)
        if not isinstance(raw, dict):
            raise ValueError(f"a stream line is not a JSON object: {data[:80]!r}")
        if "error" in raw:
            raise error_from_line(raw["error"], data, self.ctx)
        return self._native(raw)

    def _native(self, raw: dict[str, Any]) -> list[ChatCompletionChunk]:
        if self._started and not raw.get("done"):  # most lines: a text fragment (what follows makes of it, cheaper)
            message = raw.get("message")
            if type(message) is dict and not message.get("tool_calls") and not message.get("thinking"):
                text = message.get("content")
                if type(text) is str:
                    return [self._chunks.text("content", text)] if text else []
        text, thinking, calls = answer_parts(raw)
        delta: dict[str, Any] = {}
        if not self._started:
            delta["role"] = "assistant"
            if raw.get("model"):
                self._chunks.model = str(raw["model"])
        if text:
            delta["content"] = text
        if thinking:
            delta["reasoning_content"] = thinking
        if calls:
            delta["tool_calls"] = [{"index": self._tool_index + i, **call} for i, call in enumerate(calls)]
            self._tool_index += len(calls)
        out = []
        if len(delta) > ("role" in delta) or (delta and not raw.get("done")):  # more than the role, or not the end
            self._started = True
            out.append(self._chunks.delta(delta))
        if raw.get("done") is True:
            check_done_reason(raw, self.ctx)
            self._done = True
            native = raw.get("done_reason")
            finish = map_done_reason(native, self._tool_index > 0)
            last: dict[str, Any] = {} if self._started else {"role": "assistant"}
            self._started = True
            out.append(self._chunks.delta(last, finish, native if isinstance(native, str) else None))
            if self._include_usage:
                out.append(self._chunks.usage(native_usage(raw)))
        return out

    def _completion(self, data: str) -> list[ChatCompletionChunk]:
        """A whole OpenAI answer, replayed as the chunks a stream of it would have sent."""
        result = parse_chat_completion(data.encode(), self.ctx)
        self._done = True
        self._chunks.model = result.model or self.ctx.model
        out = []
        for choice in result.choices[:1]:
            message = choice.message
            delta: dict[str, Any] = {"role": "assistant"}
            if message.content:
                delta["content"] = message.content
            if message.reasoning_content:
                delta["reasoning_content"] = message.reasoning_content
            if message.tool_calls:
                delta["tool_calls"] = [{"index": i, **c.model_dump()} for i, c in enumerate(message.tool_calls)]
            out.append(self._chunks.delta(delta))
            native = (choice.model_extra or {}).get("native_finish_reason")
            out.append(self._chunks.delta({}, choice.finish_reason, native))
        if self._include_usage and result.usage is not None:
            out.append(self._chunks.usage(result.usage.model_dump(exclude_none=True)))
        return out

    def finish(self) -> list[ChatCompletionChunk]:
        if self._openai is not None:
            return self._openai.finish()
        if not self._done:
            raise UpstreamError(
                "the stream ended before Ollama finished the answer (no object with done: true)",
                provider=self.ctx.provider,
                model=self.ctx.model,
            )
        return []
