"""OpenAI-format SSE chunks → ``ChatCompletionChunk`` s, with the compatible servers' quirks ironed out.

A chunk in OpenAI's own shape is validated straight from its JSON text (the hot path); one that is not
(Mistral content chunks, tool-call deltas without ``index``, an error object) takes the slower dict path.
Then, on the validated chunk: reasoning spelled ``reasoning`` is moved to ``reasoning_content``, tool-call
indexes are made stable (:class:`ToolCallIndexes`), finish reasons mapped, and in-band errors raised.

The stream must end honestly: ``finish()`` raises ``UpstreamError`` when no choice had a ``finish_reason``
and no ``[DONE]`` came (a cut connection), as agreed for every provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import from_json

from ...errors import APIError, UpstreamError
from ...types import ChatCompletionChunk, Usage
from .._base import CallContext
from .convert_message_fields import convert_content_chunks, move_reasoning
from .errors import error_from_event
from .map_finish_reason import normalize_choices
from .map_service_tier import move_native_service_tier
from .split_think_tags import ThinkTags
from .stream_citations import StreamCitations
from .tool_call_indexes import ToolCallIndexes

if TYPE_CHECKING:
    from .provider import OpenAIProvider

__all__ = ["OpenAIStreamTranslator"]


class OpenAIStreamTranslator:
    __slots__ = ("_citations", "_done", "_finished", "_seen", "_think", "_tools", "ctx", "provider")

    def __init__(self, provider: OpenAIProvider, ctx: CallContext) -> None:
        self.provider = provider
        self.ctx = ctx
        self._done = False
        self._finished = False
        self._seen = False  # any chunk at all: a bare ``[DONE]`` is no answer
        self._tools: dict[int, ToolCallIndexes] = {}
        #: Only for a server whose answers cite sources (``Profile.citations``): the text so far, per choice.
        self._citations = StreamCitations() if provider.profile.citations else None
        #: Only for a server that writes reasoning inline (``reasoning_field="think_tags"``): a splitter per choice.
        self._think: dict[int, ThinkTags] | None = {} if provider.profile.reasoning_field == "think_tags" else None

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if data == "[DONE]":
            self._done = True
            return []
        if event == "error":
            raise self._error_event(data)
        try:
            # The validator itself, not model_validate_json(): this runs once per chunk. Looked up on each call:
            # the models are built lazily (defer_build), so the attribute is a placeholder until first use.
            chunk: ChatCompletionChunk = ChatCompletionChunk.__pydantic_validator__.validate_json(data)
        except ValidationError:
            if not data.strip():  # an empty keep-alive event
                return []
            chunk = self._from_dict(data)
        extra = chunk.__pydantic_extra__
        if extra:
            if "error" in extra:
                raise error_from_event(extra["error"], data, self.ctx)
            move_native_service_tier(chunk)
            if chunk.usage is None and "x_groq" in extra:
                _move_x_groq_usage(chunk, extra["x_groq"])
        for choice in chunk.choices:
            delta = choice.delta
            if delta.__pydantic_extra__:
                move_reasoning(delta)
            if delta.tool_calls:
                indexes = self._tools.get(choice.index)
                if indexes is None:
                    indexes = self._tools[choice.index] = ToolCallIndexes()
                for call in delta.tool_calls:
                    indexes.fix(call)
            if self._think is not None:
                _split_delta(self._think, choice)
            if choice.__pydantic_extra__ and chunk.usage is None:
                _move_choice_usage(chunk, choice)
            if choice.finish_reason is not None:
                self._finished = True
                normalize_choices([choice], self.ctx)
        if self._citations is not None:
            self._citations.feed(chunk)
        if not chunk.model:
            chunk.model = self.ctx.model
        self._seen = True
        return [chunk]

    def finish(self) -> list[ChatCompletionChunk]:
        if not self._finished and not self._done:
            raise UpstreamError(
                "the stream ended before the provider finished the answer (no finish_reason and no [DONE])",
                provider=self.ctx.provider,
                model=self.ctx.model,
            )
        if not self._seen:
            raise UpstreamError(
                "the stream ended without a single chunk (only [DONE]): the provider sent no answer",
                provider=self.ctx.provider,
                model=self.ctx.model,
            )
        if self._citations is not None:
            return self._citations.finish(self.ctx.model)
        return []

    def _from_dict(self, data: str) -> ChatCompletionChunk:
        """The slow path, for chunks not in OpenAI's exact shape (or not chunks at all)."""
        raw = from_json(data)
        if not isinstance(raw, dict):
            raise ValueError(f"a stream event is not a JSON object: {data[:80]!r}")
        if raw.get("object") == "error" or ("error" in raw and not raw.get("choices")):
            # vLLM sends {"object": "error", "message", "type", "code"}; others {"error": {...}}.
            raise error_from_event(raw.get("error", raw), data, self.ctx)
        if raw.get("choices") is None:  # ``"choices": null`` on a usage-only chunk
            raw["choices"] = []
        for choice in raw["choices"] if isinstance(raw["choices"], list) else ():
            if not isinstance(choice, dict):
                continue
            if choice.get("delta") is None:  # a last chunk with only a finish_reason, or a whole ``message``
                choice["delta"] = choice.pop("message", None) or {}
            delta = choice["delta"]
            if not isinstance(delta, dict):
                continue
            convert_content_chunks(delta)
            for call in delta.get("tool_calls") or ():
                if isinstance(call, dict) and call.get("index") is None:
                    call["index"] = -1  # none sent: ToolCallIndexes assigns one
        chunk: ChatCompletionChunk = ChatCompletionChunk.__pydantic_validator__.validate_python(raw)
        return chunk

    def _error_event(self, data: str) -> APIError:
        """An ``event: error``: its JSON error object, or its text as the message."""
        try:
            raw = from_json(data)
        except ValueError:
            raw = data.strip() or "the provider sent an error event"
        if isinstance(raw, dict):
            raw = raw.get("error", raw)
        return error_from_event(raw, data, self.ctx)


def _move_choice_usage(chunk: ChatCompletionChunk, choice: Any) -> None:
    """Moonshot puts a stream's usage on its last choice (platform.moonshot.ai/docs/api/chat, streaming):
    it goes where OpenAI puts it, on the chunk."""
    usage = choice.__pydantic_extra__.get("usage")
    if isinstance(usage, dict):
        del choice.__pydantic_extra__["usage"]
        chunk.usage = Usage.model_validate(usage)


def _split_delta(splitters: dict[int, ThinkTags], choice: Any) -> None:
    """Inline ``<think>`` reasoning → ``reasoning_content`` on this delta; the rest is flushed at the finish."""
    splitter = splitters.get(choice.index)
    if splitter is None:
        splitter = splitters[choice.index] = ThinkTags()
    delta = choice.delta
    reasoning, content = splitter.feed(delta.content) if delta.content else ("", "")
    if choice.finish_reason is not None:
        more_reasoning, more_content = splitter.flush()
        reasoning += more_reasoning
        content += more_content
    if delta.content or content:
        delta.content = content or None
    if reasoning:
        delta.reasoning_content = (delta.reasoning_content or "") + reasoning


def _move_x_groq_usage(chunk: ChatCompletionChunk, x_groq: Any) -> None:
    """Groq sends a stream's usage in the last chunk's ``x_groq.usage`` when ``stream_options`` is not set
    (console.groq.com/docs/api-reference, streamed chat completion chunk): it goes on the chunk, as OpenAI's."""
    usage = x_groq.get("usage") if isinstance(x_groq, dict) else None
    if isinstance(usage, dict):
        chunk.usage = Usage.model_validate(usage)
