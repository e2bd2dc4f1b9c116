"""A stream's first chunk, read before the stream is handed to the caller.

Retries and fallbacks may only happen while the caller has received nothing: the retry loop reads the first chunk
inside the attempt (so a failure before it is retried or falls back), then hands over a stream that yields that chunk
and continues with the same upstream response. A failure after it ends the stream with the error: content the caller
already received is never replayed.

``first_chunk_timeout=`` bounds an attempt from sending the request to its stream's first chunk, apart from the
call's total ``timeout`` and the per-read gap (``httpx.Timeout(read=...)``): :func:`first_chunk_scope` (sync) and
:func:`awithin_first_chunk` (async: the attempt is cancelled at it, whatever the transport). Missing it is an
:class:`APITimeoutError`, so it is retried and falls back like any timeout before the first byte.

What bounds a sync attempt: the pooled transports' socket operations, and those of an injected
``httpx.HTTPTransport`` (``_http.send`` puts the same deadline-aware backend under its pool), stop at it. Any other
injected sync transport (``httpx.MockTransport``, a custom ``BaseTransport``) runs code of its own that Python cannot
interrupt without a thread: the deadline is checked after its send returns and after each read until the first
chunk, so a late first chunk is never handed over and a stream that stalls with keep-alives or partial bytes fails
within one read of the deadline; a single read that blocks forever inside such a transport is bounded by nothing
of ours (give it its own timeout, or use the async call).
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ._deadline import FIRST_CHUNK_DEADLINE
from ._streaming import AsyncChatStream, ChatStream
from .errors import APIError, APITimeoutError, BadRequestError
from .types import ChatCompletionChunk

__all__ = [
    "afirst_chunk",
    "awithin_first_chunk",
    "check_first_chunk_timeout",
    "first_chunk",
    "first_chunk_scope",
    "pop_first_chunk_timeout",
]

R = TypeVar("R")


def check_first_chunk_timeout(value: Any) -> float | None:
    """``first_chunk_timeout=``: None, or a positive number of seconds."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise BadRequestError(
            f"first_chunk_timeout must be a positive finite number of seconds, got {value!r}",
            param="first_chunk_timeout",
        )
    from ._http import MAX_TIMEOUT  # a longer wait is no limit in practice, and overflows a socket's timeout

    return MAX_TIMEOUT if value > MAX_TIMEOUT else float(value)


def pop_first_chunk_timeout(options: dict[str, Any], stream: bool) -> float | None:
    """``first_chunk_timeout`` taken out of a chat call's ``options`` (checked; None for a non-streamed call,
    which ignores it)."""
    value = options.pop("first_chunk_timeout", None)
    if value is None:
        return None
    seconds = check_first_chunk_timeout(value)
    return seconds if stream else None


def _missed(seconds: float) -> APITimeoutError:
    return APITimeoutError(f"no first stream chunk within first_chunk_timeout ({seconds:g} s)")


@contextmanager
def first_chunk_scope(seconds: float | None) -> Iterator[None]:
    """Inside the block (an attempt's send and first read), socket operations stop ``seconds`` from now."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    token = FIRST_CHUNK_DEADLINE.set(deadline)
    try:
        yield
    except APITimeoutError:
        if time.monotonic() >= deadline:
            raise _missed(seconds) from None
        raise
    finally:
        FIRST_CHUNK_DEADLINE.reset(token)


async def awithin_first_chunk(awaitable: Awaitable[R], seconds: float | None) -> R:
    """``await awaitable`` (an attempt's send and first read), cancelled ``seconds`` from now."""
    if seconds is None:
        return await awaitable
    import asyncio

    try:
        if sys.version_info >= (3, 11):  # no task of its own (wait_for makes one before 3.12)
            async with asyncio.timeout(seconds):
                return await awaitable
        return await asyncio.wait_for(awaitable, seconds)
    except (TimeoutError, asyncio.TimeoutError):
        raise _missed(seconds) from None


def _as_is(err: APIError) -> APIError:
    return err  # the inner stream already scrubbed it


def _resume(first: ChatCompletionChunk, stream: ChatStream) -> Iterator[ChatCompletionChunk]:
    try:
        yield first
        yield from stream
    finally:
        stream.close()


async def _aresume(first: ChatCompletionChunk, stream: AsyncChatStream) -> AsyncIterator[ChatCompletionChunk]:
    try:
        yield first
        async for chunk in stream:
            yield chunk
    finally:
        await stream.aclose()


def first_chunk(stream: ChatStream) -> ChatStream:
    """``stream`` with its first chunk already read (its failure raises here); an empty stream as it is."""
    try:
        first = next(stream)
    except StopIteration:
        return stream
    except BaseException:
        stream.close()
        raise
    return ChatStream(stream.response, None, _as_is, chunks=_resume(first, stream))  # type: ignore[arg-type]


async def afirst_chunk(stream: AsyncChatStream) -> AsyncChatStream:
    """The async twin of :func:`first_chunk`."""
    try:
        first = await stream.__anext__()
    except StopAsyncIteration:
        return stream
    except BaseException:
        await stream.aclose()
        raise
    return AsyncChatStream(stream.response, None, _as_is, chunks=_aresume(first, stream))  # type: ignore[arg-type]
