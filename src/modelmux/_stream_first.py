"""A stream's first chunk, read before the stream is handed to the caller.

Retries and fallbacks may only happen while the caller has received nothing: the retry loop reads the first chunk
inside the attempt (so a failure before it is retried or falls back), then hands over a stream that yields that chunk
and continues with the same upstream response. A failure after it ends the stream with the error: content the caller
already received is never replayed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from ._streaming import AsyncChatStream, ChatStream
from .errors import APIError
from .types import ChatCompletionChunk

__all__ = ["afirst_chunk", "first_chunk"]


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
