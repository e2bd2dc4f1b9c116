"""A deployment's stream after its first chunk, as the router hands it over: however it ends (finished, failed,
closed early, even before it was iterated), its in-flight slot is freed once, and a failure is counted against the
deployment. Nothing is replayed: a failure reaches the caller as the stream's error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from .._streaming import AsyncChatStream, ChatStream
from ..errors import APIError
from ..types import ChatCompletionChunk

__all__ = ["AsyncRoutedStream", "RoutedStream"]


def _as_is(err: APIError) -> APIError:
    return err  # the deployment's stream already scrubbed it


class RoutedStream(ChatStream):
    def __init__(self, inner: ChatStream, end: Callable[[APIError | None], None]) -> None:
        self._inner, self._end, self._ended = inner, end, False
        super().__init__(inner.response, None, _as_is, chunks=self._chunks())  # type: ignore[arg-type]

    def _chunks(self) -> Iterator[ChatCompletionChunk]:
        try:
            yield from self._inner
        except APIError as err:
            self._finish(err)
            raise
        self._finish(None)

    def _finish(self, err: APIError | None) -> None:
        if not self._ended:
            self._ended = True
            self._end(err)

    def close(self) -> None:
        try:
            super().close()
            self._inner.close()
        finally:
            self._finish(None)


class AsyncRoutedStream(AsyncChatStream):
    def __init__(self, inner: AsyncChatStream, end: Callable[[APIError | None], Awaitable[None]]) -> None:
        self._inner, self._end, self._ended = inner, end, False
        super().__init__(inner.response, None, _as_is, chunks=self._chunks())  # type: ignore[arg-type]

    async def _chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        try:
            async for chunk in self._inner:
                yield chunk
        except APIError as err:
            await self._finish(err)
            raise
        await self._finish(None)

    async def _finish(self, err: APIError | None) -> None:
        if not self._ended:
            self._ended = True
            await self._end(err)

    async def aclose(self) -> None:
        try:
            await super().aclose()
            await self._inner.aclose()
        finally:
            await self._finish(None)
