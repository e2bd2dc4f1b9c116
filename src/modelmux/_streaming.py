"""Stream wrappers: bytes → SSE events → provider translator → chunks (``stream_chunk_builder`` re-exported)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import httpx
import pydantic
from pydantic_core import from_json

from ._bounds import check_first_chunk, timed_out
from ._chunk_builder import stream_chunk_builder
from ._deadline import DEADLINE, FIRST_CHUNK_DEADLINE
from ._http import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES, Limits, awithin, check_deadline
from ._sse import SSEDecoder
from .errors import APIConnectionError, APIError, APITimeoutError, UpstreamError
from .providers._base import StreamDecoder, StreamTranslator
from .types import ChatCompletionChunk

__all__ = ["AsyncChatStream", "ChatStream", "stream_chunk_builder"]

_GARBAGE = (ValueError, KeyError, TypeError, IndexError, pydantic.ValidationError)


class _Pipeline:
    """bytes → events → translator, one event at a time (so the chunks of the events before a failing one are
    handed over before the failure is raised, however the bytes were split).

    Most streams are SSE; some servers answer a stream request with one JSON document instead (Gemini's
    ``streamGenerateContent`` without ``alt=sse`` sends a JSON array of chunks). The first non-blank byte
    tells which: SSE never starts with ``[``, ``{`` or ``<``. A JSON array's items are fed to the translator
    one by one, as SSE events would be; a JSON object (an error, or a whole completion) and HTML are not a
    stream and raise: the mapped error for ``{"error": ...}``, else :class:`UpstreamError`. A stream that
    ends without a single event is an :class:`UpstreamError` too, never an empty success."""

    __slots__ = ("_decoder", "_json", "_limits", "_map_error", "_mode", "_translator", "events", "feed", "seen")

    def __init__(
        self,
        translator: StreamTranslator,
        decoder: StreamDecoder | None,
        limits: Limits,
        map_error: Callable[[int, bytes], APIError] | None,
    ) -> None:
        self._translator = translator
        self._decoder: StreamDecoder = decoder or SSEDecoder(limits.max_event_bytes)
        # A provider's own decoder (a binary framing) takes every byte; else SSE or JSON, told by the first byte.
        self._mode = "sse" if decoder is not None else ""  # "", "sse" or "json"
        self._json = bytearray()
        self._limits = limits
        self._map_error = map_error
        #: Any event decoded yet (set by the loops, which see each read's events).
        self.seen = False
        #: The translator's ``feed`` (the per-event call: bound once, not looked up per event).
        self.feed = translator.feed
        #: The events one network read completed: the decoder's own ``feed`` once the mode is known (the per-read
        #: call, no frame of ours around it), until then the first bytes are looked at.
        self.events: Callable[[bytes], list[tuple[str, str]]] = self._decoder.feed if decoder else self._sniff

    def _sniff(self, raw: bytes) -> list[tuple[str, str]]:
        head = raw.lstrip()
        if not head:
            return []
        first = head[:1]
        if first == b"<":
            raise UpstreamError("the provider answered a stream request with HTML (a proxy or error page?)")
        if first in (b"[", b"{"):
            self._mode = "json"
            self.events = self._collect
        else:
            self._mode = "sse"
            self.events = self._decoder.feed
        return self.events(head)

    def _collect(self, raw: bytes) -> list[tuple[str, str]]:
        self._json += raw
        if len(self._json) > self._limits.max_response_bytes:
            raise UpstreamError(
                f"the provider's JSON answer is larger than max_response_bytes ({self._limits.max_response_bytes})"
            )
        return []

    def end_events(self) -> list[tuple[str, str]]:
        """The events left when the bytes end."""
        if self._mode != "json":
            events = self._decoder.flush() if self._mode else []
            if not events and not self.seen:
                raise UpstreamError("the provider's stream ended without a single event")
            return events
        doc = from_json(self._json)
        if isinstance(doc, list):
            return [("", json.dumps(item)) for item in doc]
        raise self._not_a_stream(doc)

    def finish(self) -> list[ChatCompletionChunk]:
        return self._translator.finish()

    def _not_a_stream(self, doc: Any) -> APIError:
        error = doc.get("error") if isinstance(doc, dict) else None
        if error is not None and self._map_error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            status = code if isinstance(code, int) and 400 <= code < 600 else 502
            try:
                return self._map_error(status, bytes(self._json))
            except _GARBAGE:
                pass
        what = "an error" if error is not None else "one JSON document (not a stream)"
        return UpstreamError(f"the provider answered a stream request with {what}")


def _wrap(exc: BaseException, scrub: Callable[[APIError], APIError]) -> APIError:
    if isinstance(exc, APIError):
        return scrub(exc)
    if isinstance(exc, httpx.TimeoutException):
        return scrub(APITimeoutError(f"stream timed out: {type(exc).__name__}"))
    if isinstance(exc, httpx.RemoteProtocolError):  # connected and answering, then cut off mid-body
        return scrub(UpstreamError("the provider's stream was cut short (the connection closed mid-body)"))
    if isinstance(exc, httpx.TransportError):
        detail = f": {exc}" if isinstance(exc, httpx.NetworkError) else ""
        return scrub(APIConnectionError(f"stream broke: {type(exc).__name__}{detail}"))
    return scrub(UpstreamError(f"the provider sent a malformed stream event: {type(exc).__name__}: {exc}"))


_NO_LIMITS = Limits(None, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_EVENT_BYTES)


def _reads(response: httpx.Response) -> Iterator[bytes]:
    """The body's network reads: ``iter_raw()`` when there is no ``Content-Encoding`` to undo (then it is what
    ``iter_bytes()`` yields, one generator and two pass-through decoders fewer per read), else ``iter_bytes()``
    (which also serves a body already read)."""
    if response.is_stream_consumed or "content-encoding" in response.headers:
        return response.iter_bytes()
    return response.iter_raw()


def _areads(response: httpx.Response) -> AsyncIterator[bytes]:
    """The async twin of :func:`_reads`."""
    if response.is_stream_consumed or "content-encoding" in response.headers:
        return response.aiter_bytes()
    return response.aiter_raw()


def _is_html(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.lower().startswith("text/html")


class ChatStream:
    """An iterator of :class:`ChatCompletionChunk`. Close it (or use ``with``) to stop early;
    the HTTP response is closed when the stream ends, fails or is closed."""

    def __init__(
        self,
        response: httpx.Response | None,
        translator: StreamTranslator,
        scrub: Callable[[APIError], APIError],
        chunks: Iterable[ChatCompletionChunk] | None = None,
        decoder: StreamDecoder | None = None,
        *,
        limits: Limits = _NO_LIMITS,
        deadline: float | None = None,
        map_error: Callable[[int, bytes], APIError] | None = None,
        clipped: bool = False,
    ) -> None:
        self.response = response
        if chunks is not None:
            self._iter = iter(chunks)
        else:
            self._iter = self._run(_Pipeline(translator, decoder, limits, map_error), scrub, deadline, clipped)

    def _run(
        self, pipeline: _Pipeline, scrub: Callable[[APIError], APIError], deadline: float | None, clipped: bool
    ) -> Iterator[ChatCompletionChunk]:
        response = self.response
        assert response is not None
        feed = pipeline.feed
        try:
            if _is_html(response):
                raise UpstreamError("the provider answered a stream request with HTML (a proxy or error page?)")
            reads = _reads(response)
            while True:
                token = DEADLINE.set(deadline)  # each blocking socket read stops at the call's deadline
                try:
                    raw = next(reads, None)
                finally:
                    DEADLINE.reset(token)
                if raw is None:
                    break
                if not clipped and FIRST_CHUNK_DEADLINE.get() is not None:  # no socket of ours stops at it
                    check_first_chunk()
                events = pipeline.events(raw)
                if events:
                    pipeline.seen = True
                    for event, data in events:
                        yield from feed(event, data)  # each chunk handed over as soon as it is made
                if deadline is not None and time.monotonic() > deadline:  # check_deadline, inline: once per read
                    raise timed_out()
            for event, data in pipeline.end_events():
                yield from feed(event, data)
            yield from pipeline.finish()
        except (APIError, httpx.TransportError, *_GARBAGE) as exc:
            raise _wrap(exc, scrub) from None
        finally:
            response.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iter)

    def close(self) -> None:
        close = getattr(self._iter, "close", None)
        if close is not None:
            close()
        if self.response is not None:
            self.response.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatStream:
    """The async twin of :class:`ChatStream`; ``await stream.aclose()`` or ``async with`` to stop early.

    Each network read is decoded into events at once; an event is translated when its chunks are asked for, so
    the chunks of a read do not all live at the same time (a read may hold a thousand events). :meth:`drain`
    translates and hands over the rest of the read without waiting, so a relay (the gateway) can forward them
    in one write. A failing event is raised once the chunks of the events before it were handed over."""

    def __init__(
        self,
        response: httpx.Response | None,
        translator: StreamTranslator,
        scrub: Callable[[APIError], APIError],
        chunks: AsyncIterator[ChatCompletionChunk] | None = None,
        decoder: StreamDecoder | None = None,
        *,
        limits: Limits = _NO_LIMITS,
        deadline: float | None = None,
        map_error: Callable[[int, bytes], APIError] | None = None,
        clipped: bool = False,
    ) -> None:
        self.response = response
        self._pending: deque[ChatCompletionChunk] = deque()  # translated, not handed over yet
        self._queued: deque[tuple[str, str]] = deque()  # decoded events of the current read, not translated yet
        self._failure: APIError | None = None  # a translation failure, raised once ``_pending`` is empty
        self._scrub = scrub
        self._pipeline: _Pipeline | None = None
        self._iter: AsyncGenerator[Any, None]
        if chunks is not None:
            self._iter = _one_by_one(chunks)
        else:
            self._pipeline = _Pipeline(translator, decoder, limits, map_error)
            self._iter = self._run(self._pipeline, scrub, deadline, clipped)

    async def _run(
        self, pipeline: _Pipeline, scrub: Callable[[APIError], APIError], deadline: float | None, clipped: bool
    ) -> AsyncGenerator[list[tuple[str, str]] | None, None]:
        """Each read's events, then the events left at the end, then ``None``: the translator's ``finish()`` is due
        (called by the stream once every event before it was translated). Closes the response when it ends."""
        response = self.response
        assert response is not None
        try:
            if _is_html(response):
                raise UpstreamError("the provider answered a stream request with HTML (a proxy or error page?)")
            reads = _areads(response)
            while True:
                try:
                    if clipped or deadline is None:
                        token = DEADLINE.set(deadline)  # the pool's socket reads stop at the deadline
                        try:
                            raw = await reads.__anext__()
                        finally:
                            DEADLINE.reset(token)
                    else:  # an injected transport: a timer per read
                        raw = await awithin(reads.__anext__(), deadline)
                except StopAsyncIteration:
                    break
                check_deadline(deadline)
                events = pipeline.events(raw)
                if events:
                    pipeline.seen = True
                    yield events
            events = pipeline.end_events()
            if events:
                yield events
            yield None
        except (APIError, httpx.TransportError, *_GARBAGE) as exc:
            raise _wrap(exc, scrub) from None
        finally:
            await response.aclose()

    def _translate(self, everything: bool) -> None:
        """Translate queued events until some chunks are pending (or, with ``everything``, all of them); a failure
        is kept for later, after the chunks made before it."""
        assert self._pipeline is not None
        queued, pending, feed = self._queued, self._pending, self._pipeline.feed
        try:
            while queued and (everything or not pending):
                event, data = queued.popleft()
                pending.extend(feed(event, data))
        except (APIError, *_GARBAGE) as exc:
            queued.clear()
            self._failure = _wrap(exc, self._scrub)

    def drain(self) -> list[ChatCompletionChunk]:
        """The chunks of what was already received, translated now, without waiting for more."""
        if self._queued:
            self._translate(everything=True)
        out = list(self._pending)
        self._pending.clear()
        return out

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        pending = self._pending
        while not pending:
            if self._queued:
                self._translate(everything=False)
                continue
            failure = self._failure
            if failure is not None:
                self._failure = None
                await self._iter.aclose()  # the response is closed before the failure is raised
                raise failure
            item = await self._iter.__anext__()
            if self._pipeline is None:  # chunks given: one at a time
                pending.extend(item)
            elif item is not None:
                self._queued.extend(item)
            else:
                try:
                    pending.extend(self._pipeline.finish())
                except (APIError, *_GARBAGE) as exc:
                    self._failure = _wrap(exc, self._scrub)
        return pending.popleft()

    async def aclose(self) -> None:
        aclose = getattr(self._iter, "aclose", None)
        if aclose is not None:
            await aclose()
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _one_by_one(
    chunks: AsyncIterator[ChatCompletionChunk],
) -> AsyncGenerator[list[ChatCompletionChunk], None]:
    async for chunk in chunks:
        yield [chunk]
