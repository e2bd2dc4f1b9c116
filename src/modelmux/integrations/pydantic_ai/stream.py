"""A modelmux chat stream (OpenAI-format chunks) → pydantic-ai's ``StreamedResponse`` events: text, tool-call and
thinking part deltas, usage, finish reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic_ai.messages import ModelResponseStreamEvent
from pydantic_ai.models import StreamedResponse

from ..._streaming import AsyncChatStream
from ...types import ChatCompletionChunk, ChoiceDelta
from .map_error import mapped_errors
from .map_messages import REDACTED_THINKING
from .map_response import map_finish_reason, map_usage

__all__ = ["ModelmuxStreamedResponse"]


def _now() -> datetime:
    return datetime.now(tz=timezone.utc)


@dataclass
class ModelmuxStreamedResponse(StreamedResponse):
    """Events of one modelmux stream. Text and thinking open a new part when another kind came between (text, a
    tool call, more text → three parts); tool calls are keyed by their stream index."""

    _model_name: str
    _provider_name: str
    _provider_url: str | None
    _stream: AsyncChatStream
    _timestamp: datetime = field(default_factory=_now)
    _usage_received: bool | None = field(default=False, init=False)
    _kind: str = field(default="", init=False)
    _segment: int = field(default=0, init=False)

    def _key(self, kind: str) -> tuple[str, int]:
        if kind != self._kind:
            self._kind, self._segment = kind, self._segment + 1
        return kind, self._segment

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        with mapped_errors(self._model_name):  # a stream that fails midway
            async for chunk in self._stream:
                self._note(chunk)
                if chunk.choices:
                    choice = chunk.choices[0]
                    for event in self._delta_events(choice.delta):
                        yield event
                    if choice.finish_reason:
                        self.finish_reason = map_finish_reason(choice.finish_reason)
                        details = {**(self.provider_details or {}), "finish_reason": choice.finish_reason}
                        self.provider_details = details

    def _note(self, chunk: ChatCompletionChunk) -> None:
        if chunk.id:
            self.provider_response_id = chunk.id
        if chunk.usage is not None:  # the totals, once, at the end (stream_options.include_usage)
            self._add_usage(map_usage(chunk.usage), reported=True, cumulative=True)

    def _delta_events(self, delta: ChoiceDelta) -> Iterator[ModelResponseStreamEvent]:
        if delta.reasoning_content:
            yield from self._parts_manager.handle_thinking_delta(
                vendor_part_id=self._key("thinking"), content=delta.reasoning_content, provider_name=self._provider_name
            )
        blocks: Any = (delta.model_extra or {}).get("thinking_blocks")
        for block in blocks if isinstance(blocks, list) else ():
            yield from self._thinking_block(block)
        if delta.content:
            yield from self._parts_manager.handle_text_delta(vendor_part_id=self._key("text"), content=delta.content)
        for call in delta.tool_calls or ():
            self._kind = "tool"  # text after a tool call starts a new part
            function = call.function
            yield from self._parts_manager.handle_tool_call_delta_events(
                vendor_part_id=("tool", call.index),  # unique within one answer (OpenAI's stream contract)
                tool_name=function.name if function else None,
                args=function.arguments if function else None,
                tool_call_id=call.id,
            )

    def _thinking_block(self, block: Any) -> Iterator[ModelResponseStreamEvent]:
        """A finished native thinking block (Anthropic, with its signature) from modelmux's stream."""
        if not isinstance(block, dict):
            return
        if block.get("type") == "redacted_thinking":
            yield from self._parts_manager.handle_thinking_delta(
                vendor_part_id=self._key("redacted"),
                id=REDACTED_THINKING,
                signature=block.get("data"),
                provider_name=self._provider_name,
            )
            self._kind = ""  # each redacted block is a part of its own
        elif block.get("type") == "thinking" and block.get("signature"):
            yield from self._parts_manager.handle_thinking_delta(
                vendor_part_id=self._key("thinking"), signature=block["signature"], provider_name=self._provider_name
            )
            self._kind = ""  # the block is complete: the next thinking text starts a new part

    async def close_stream(self) -> None:
        await self._stream.aclose()

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def provider_name(self) -> str:
        return self._provider_name

    @property
    def provider_url(self) -> str | None:
        return self._provider_url

    @property
    def timestamp(self) -> datetime:
        return self._timestamp
