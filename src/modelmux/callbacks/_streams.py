"""Streams that tell an :class:`~modelmux.callbacks._observer.Observer` what passes through them.

They are the core's own stream classes (so ``isinstance`` checks, ``drain()`` batching in the gateway, and
``_hidden_params`` keep working), delegating to the stream they wrap: each chunk is noted (first-chunk time,
usage, finish reasons; kept for the rebuilt response only when a handler wants it), and the end, a failure or an
early close fires the hooks once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._streaming import AsyncChatStream, ChatStream
from ..types import ChatCompletionChunk

if TYPE_CHECKING:
    from ._observer import Observer

__all__ = ["ObservedAsyncChatStream", "ObservedChatStream"]


def _keep_hidden(outer: Any, inner: Any) -> None:
    hidden = getattr(inner, "_hidden_params", None)
    if hidden is not None:
        outer._hidden_params = hidden


class ObservedChatStream(ChatStream):
    """A :class:`ChatStream` whose end (or failure, or early close) fires the call's hooks."""

    def __init__(self, inner: ChatStream, observer: Observer) -> None:  # no super(): this delegates to ``inner``
        self.response = inner.response
        self._inner = inner
        self._observer = observer
        self._chunks: list[ChatCompletionChunk] | None = [] if observer.plan.rebuild_stream else None
        # Bound once: __next__ runs per chunk.
        self._next = inner.__next__
        self._saw = observer.event.saw_chunk
        self._keep = self._chunks.append if self._chunks is not None else None
        _keep_hidden(self, inner)

    def __next__(self) -> ChatCompletionChunk:
        try:
            chunk = self._next()
        except StopIteration:
            self._observer.stream_ended(self._chunks, True)
            raise
        except BaseException as exc:
            self._observer.failed(exc)
            raise
        self._saw(chunk)
        if self._keep is not None:
            self._keep(chunk)
        return chunk

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._observer.stream_ended(self._chunks, False)  # nothing when the stream had ended already


class ObservedAsyncChatStream(AsyncChatStream):
    """The async twin of :class:`ObservedChatStream` (``drain()`` included, so relays keep batching)."""

    def __init__(self, inner: AsyncChatStream, observer: Observer) -> None:  # no super(): delegates to ``inner``
        self.response = inner.response
        self._inner = inner
        self._observer = observer
        self._chunks: list[ChatCompletionChunk] | None = [] if observer.plan.rebuild_stream else None
        self._next = inner.__anext__
        self._saw = observer.event.saw_chunk
        self._keep = self._chunks.append if self._chunks is not None else None
        _keep_hidden(self, inner)

    async def __anext__(self) -> ChatCompletionChunk:
        try:
            chunk = await self._next()
        except StopAsyncIteration:
            await self._observer.astream_ended(self._chunks, True)
            raise
        except Exception as exc:
            await self._observer.afailed(exc)
            raise
        except BaseException as exc:  # cancelled: hooks run, never awaited
            await self._observer.afailed(exc, wait_async=False)
            raise
        self._saw(chunk)
        if self._keep is not None:
            self._keep(chunk)
        return chunk

    def drain(self) -> list[ChatCompletionChunk]:
        chunks = self._inner.drain()
        for chunk in chunks:
            self._saw(chunk)
        if self._keep is not None:
            self._chunks.extend(chunks)  # type: ignore[union-attr]
        return chunks

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            await self._observer.astream_ended(self._chunks, False, wait_async=False)
