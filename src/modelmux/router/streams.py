"""A deployment's stream after its first chunk, as the router hands it over: however it ends (finished, failed,
closed early, even before it was iterated, or dropped unfinished and collected), its in-flight slot is freed once,
and a failure is counted against the deployment. Nothing is replayed: a failure reaches the caller as the
stream's error.

A stream dropped unfinished is noticed by the garbage collector (``__del__``, or the close of its generator), which
may run anywhere, even while this thread holds the state's lock: its slot is then freed through ``abandon`` (the
state's ``release_later``, which takes no lock and does no I/O). The chunk generators are module functions that do
not hold the stream, so dropping the stream's last reference frees it at once, without waiting for a collection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Generic, TypeVar

from .._streaming import AsyncChatStream, ChatStream
from ..errors import APIError
from ..types import ChatCompletionChunk

__all__ = ["AsyncRoutedStream", "RoutedStream"]

E = TypeVar("E")


def _as_is(err: APIError) -> APIError:
    return err  # the deployment's stream already scrubbed it


class _Once(Generic[E]):
    """The end of one stream's attempt, told once: ``end`` when it finishes, fails or is closed, ``abandon`` when
    it is dropped unfinished."""

    __slots__ = ("abandon", "done", "end")

    def __init__(self, end: Callable[[APIError | None], E], abandon: Callable[[], None]) -> None:
        self.end, self.abandon, self.done = end, abandon, False

    def take(self) -> bool:
        """Whether the end is still to be told (and it is now being told)."""
        if self.done:
            return False
        self.done = True
        return True

    def drop(self) -> None:
        if self.take():
            self.abandon()


def _chunks(inner: ChatStream, once: _Once[None]) -> Iterator[ChatCompletionChunk]:
    try:
        yield from inner
    except GeneratorExit:  # closed before its end: by close() (which told the end first) or by the collector
        once.drop()
        raise
    except APIError as err:
        if once.take():
            once.end(err)
        raise
    except BaseException:
        if once.take():
            once.end(None)
        raise
    if once.take():
        once.end(None)


class RoutedStream(ChatStream):
    def __init__(self, inner: ChatStream, end: Callable[[APIError | None], None], abandon: Callable[[], None]) -> None:
        self._inner, self._once = inner, _Once(end, abandon)
        super().__init__(inner.response, None, _as_is, chunks=_chunks(inner, self._once))  # type: ignore[arg-type]

    def close(self) -> None:
        once = self._once
        try:
            if once.take():
                once.end(None)
        finally:
            super().close()
            self._inner.close()

    def __del__(self) -> None:
        once = getattr(self, "_once", None)
        if once is not None:
            once.drop()


async def _achunks(inner: AsyncChatStream, once: _Once[Awaitable[None]]) -> AsyncIterator[ChatCompletionChunk]:
    try:
        async for chunk in inner:
            yield chunk
    except GeneratorExit:  # closed before its end: by aclose() (which told the end first) or by the collector
        once.drop()
        raise
    except APIError as err:
        if once.take():
            await once.end(err)
        raise
    except BaseException:  # cancelled, say: no await here
        once.drop()
        raise
    if once.take():
        await once.end(None)


class AsyncRoutedStream(AsyncChatStream):
    def __init__(
        self,
        inner: AsyncChatStream,
        end: Callable[[APIError | None], Awaitable[None]],
        abandon: Callable[[], None],
    ) -> None:
        self._inner, self._once = inner, _Once(end, abandon)
        super().__init__(inner.response, None, _as_is, chunks=_achunks(inner, self._once))  # type: ignore[arg-type]

    async def aclose(self) -> None:
        once = self._once
        try:
            if once.take():
                await once.end(None)
        finally:
            await super().aclose()
            await self._inner.aclose()

    def __del__(self) -> None:
        once = getattr(self, "_once", None)
        if once is not None:
            once.drop()
