"""Streams that tell an :class:`~modelmux.callbacks._observer.Observer` what passes through them.

They are the core's own stream classes (so ``isinstance`` checks, ``drain()`` batching in the gateway, and
``_hidden_params`` keep working), delegating to the stream they wrap: the first chunk's time is noted; each chunk
is kept for the rebuilt response when a handler wants it (and then its usage and finish reasons are read from the
kept list only if asked), else its usage and finish reasons are noted as it passes when some hook may read them
(``Plan.note_chunks``), else nothing is done per chunk; the end, a failure, an early close or the stream being
dropped unfinished fires the hooks once.
A ``for`` loop over a sync stream runs the observing generator itself (``__iter__``): no extra frame per chunk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

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
        self._observed = _observed(_source(inner), observer, self._chunks, observer.plan.note_chunks)
        self._next = self._observed.__next__
        _keep_hidden(self, inner)

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        # A ``for`` loop may hold only the generator (``for c in completion(..., stream=True)``): from now on the
        # generator tells the end, also when it is dropped unfinished.
        self._handed_out = True
        return self._observed  # the same chunks as ``next(self)``, without a Python call per chunk

    def __next__(self) -> ChatCompletionChunk:
        return self._next()

    def close(self) -> None:
        try:
            self._observed.close()
            self._inner.close()
        finally:
            self._observer.stream_ended(self._chunks, False)  # nothing when the stream had ended already

    def __del__(self) -> None:
        if not getattr(self, "_handed_out", False):
            _abandoned(self)


def _abandoned(stream: ObservedChatStream | ObservedAsyncChatStream) -> None:
    """A stream let go unfinished and unclosed (the caller broke out of its loop and dropped it): its end is told
    now, as an early close, so no handler is left waiting (an OpenTelemetry span open forever). Nothing when it
    ended already; an async hook runs on the callback thread (nothing can be awaited here)."""
    observer = getattr(stream, "_observer", None)
    if observer is not None:
        with contextlib.suppress(Exception):
            observer.stream_ended(stream._chunks, False)


def _source(inner: ChatStream) -> Iterator[ChatCompletionChunk]:
    """What yields ``inner``'s chunks: the core stream's own iterator when its ``__next__`` is the core's (one
    Python frame less per chunk), else the stream itself."""
    if type(inner).__next__ is ChatStream.__next__:
        source = getattr(inner, "_iter", None)
        if source is not None:
            return cast("Iterator[ChatCompletionChunk]", source)
    return inner


def _observed(
    source: Iterator[ChatCompletionChunk],
    observer: Observer,
    chunks: list[ChatCompletionChunk] | None,
    notes: bool = True,
) -> Generator[ChatCompletionChunk, None, None]:
    """``source``'s chunks, noted for the hooks. When they are kept (for the rebuilt response) keeping is all that
    is done per chunk: their usage and finish reasons are read from the kept list if a handler asks; otherwise each
    chunk's are noted as it passes, if ``notes`` (some hook may read them), else the chunks are passed on as they
    are."""
    event = observer.event
    try:
        for chunk in source:  # the first chunk only: its time
            event.first_chunk(chunk)
            if chunks is not None:
                keep = chunks.append
                keep(chunk)
                yield chunk
                for chunk in source:
                    keep(chunk)
                    yield chunk
            elif not notes:
                yield chunk
                yield from source
            else:
                note = event.note_chunk
                note(chunk)
                yield chunk
                for chunk in source:
                    # Most chunks carry neither usage nor a finish reason: look before calling (per chunk).
                    if chunk.usage is not None:
                        note(chunk)
                    else:
                        for choice in chunk.choices:
                            if choice.finish_reason is not None:
                                note(chunk)
                                break
                    yield chunk
            break
    except GeneratorExit:  # closed early, or dropped unfinished (then nothing else would tell the end)
        observer.stream_ended(chunks, False)
        raise
    except BaseException as exc:
        if chunks:
            event.saw_chunks(chunks)
        observer.failed(exc)
        raise
    observer.stream_ended(chunks, True)


class ObservedAsyncChatStream(AsyncChatStream):
    """The async twin of :class:`ObservedChatStream` (``drain()`` included, so relays keep batching)."""

    def __init__(self, inner: AsyncChatStream, observer: Observer) -> None:  # no super(): delegates to ``inner``
        self.response = inner.response
        self._inner = inner
        self._observer = observer
        self._chunks: list[ChatCompletionChunk] | None = [] if observer.plan.rebuild_stream else None
        self._next = inner.__anext__
        self._event = observer.event
        # Per chunk: keep it (usage and finish reasons are read from the kept list if asked), else note them if
        # some hook may read them, else nothing.
        self._keep = self._chunks.append if self._chunks is not None else None
        self._notes = observer.plan.note_chunks
        _keep_hidden(self, inner)

    async def __anext__(self) -> ChatCompletionChunk:
        try:
            chunk = await self._next()
        except StopAsyncIteration:
            await self._observer.astream_ended(self._chunks, True)
            raise
        except Exception as exc:
            self._saw_kept()
            await self._observer.afailed(exc)
            raise
        except BaseException as exc:  # cancelled: hooks run, never awaited
            self._saw_kept()
            await self._observer.afailed(exc, wait_async=False)
            raise
        if self._event.first_chunk_time is None:
            self._event.first_chunk(chunk)
        keep = self._keep
        if keep is not None:
            keep(chunk)
        elif self._notes:
            if chunk.usage is not None:  # most chunks carry neither usage nor a finish reason: look first
                self._event.note_chunk(chunk)
            else:
                for choice in chunk.choices:
                    if choice.finish_reason is not None:
                        self._event.note_chunk(chunk)
                        break
        return chunk

    def _saw_kept(self) -> None:
        if self._chunks:
            self._event.saw_chunks(self._chunks)

    def drain(self) -> list[ChatCompletionChunk]:
        chunks = self._inner.drain()
        if not chunks:
            return chunks
        if self._event.first_chunk_time is None:
            self._event.first_chunk(chunks[0])
        if self._chunks is not None:
            self._chunks.extend(chunks)
        elif self._notes:
            for chunk in chunks:
                self._event.note_chunk(chunk)
        return chunks

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            await self._observer.astream_ended(self._chunks, False, wait_async=False)

    def __del__(self) -> None:
        _abandoned(self)
