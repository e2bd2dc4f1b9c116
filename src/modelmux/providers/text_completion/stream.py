"""Streamed answers of the three server kinds → OpenAI chunks.

Text deltas go through the same :class:`OutputAssembler` as whole answers (stop strings, reasoning, tool calls), so
the accumulated stream equals the non-streamed answer. Tool calls are buffered from their opener to the end and come
as one delta per call (id, name and all arguments). The finish reason comes in a chunk of its own when the server's
final event arrives: OpenAI-style, a choice with a ``finish_reason`` (or ``[DONE]``); llama.cpp, ``stop: true``;
TGI, an event with ``details``. A stream that ends before it is cut short: :meth:`finish` raises UpstreamError.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ...errors import UpstreamError
from ...types import ChatCompletionChunk
from .._base import CallContext
from .._shapes import ChunkFactory
from .assemble_output import OutputAssembler, Parts
from .errors import stream_error
from .map_finish_reason import map_finish_reason
from .prepare_prompt import output_plan
from .read_answer import read_event

__all__ = ["TextCompletionStreamTranslator"]


class TextCompletionStreamTranslator:
    def __init__(self, kind: str, ctx: CallContext) -> None:
        self._kind = kind
        self._ctx = ctx
        self._assembler = OutputAssembler(output_plan(ctx))
        self._chunks = ChunkFactory(f"cmpl-{uuid.uuid4().hex}", ctx.model)
        self._started = False
        self._done = False
        self._saw_done_marker = False
        self._tool_calls = 0
        self._usage: dict[str, Any] | None = None

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if data.strip() == "[DONE]":
            self._saw_done_marker = True
            return []
        body = json.loads(data) if data.strip() else {}
        if event == "error":
            raise stream_error(body.get("error", body) if isinstance(body, dict) else body, data, self._ctx)
        if isinstance(body, dict) and (body.get("error") or body.get("object") == "error"):
            raise stream_error(body.get("error") or body, data, self._ctx)
        piece = read_event(self._kind, body)
        if not self._started:
            self._chunks.id = piece.id or self._chunks.id
            self._chunks.model = piece.model or self._chunks.model
        if piece.usage is not None:
            self._usage = piece.usage
        if self._done:
            return []
        out = self._deltas(self._assembler.feed(piece.text))
        if piece.done:
            out += self._close(piece.native_finish)
        return out

    def finish(self) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        if not self._done:
            if not (self._kind == "openai" and self._saw_done_marker):
                raise UpstreamError(
                    f"the {self._kind} stream ended before its final event", provider=self._ctx.provider
                )
            out += self._close(None)
        if self._ctx.include_usage and self._usage is not None:
            out.append(self._chunks.usage(self._usage))
        return out

    def _delta(
        self, delta: dict[str, Any], finish: str | None = None, native: str | None = None
    ) -> ChatCompletionChunk:
        if not self._started:
            delta = {"role": "assistant", **delta}
            self._started = True
        return self._chunks.delta(delta, finish, native)

    def _deltas(self, parts: Parts) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        if parts.reasoning:
            out.append(self._delta({"reasoning_content": parts.reasoning}))
        if parts.content:
            out.append(self._delta({"content": parts.content}))
        for call in parts.tool_calls or ():
            out.append(self._delta({"tool_calls": [{"index": self._tool_calls, **call}]}))
            self._tool_calls += 1
        return out

    def _close(self, native: str | None) -> list[ChatCompletionChunk]:
        self._done = True
        out = self._deltas(self._assembler.finish())
        if self._tool_calls:
            reason = "tool_calls"
        elif self._assembler.stopped:
            reason = "stop"
        else:
            reason = map_finish_reason(self._kind, native)
        out.append(self._delta({}, reason, native))
        return out
