"""Server-sent events for streamed answers: ``data: {chunk}`` per item as it comes, then ``data: [DONE]``.

An error from the source after the 200 went out cannot change the status any more, so it becomes one
``data: {"error": {...}}`` event (what OpenAI sends, and what its SDK raises on), and the stream ends cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from .._read_hook import BEFORE_READ
from .errors import HTTPError
from .types import Send

__all__ = ["EventStream", "as_is", "frame"]

_log = logging.getLogger("modelmux.asgi")

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies such as nginx would otherwise hold chunks back
]
_DONE = b"data: [DONE]\n\n"


def frame(item: BaseModel) -> bytes:
    return b"data: " + item.__pydantic_serializer__.to_json(item, exclude_none=True) + b"\n\n"


def as_is(item: bytes) -> bytes:
    """Items that are whole SSE events already (a same-dialect upstream's own bytes, ``asgi.passthrough``)."""
    return item


class EventStream:
    """A 200 ``text/event-stream`` of ``first`` then the rest of ``items``; ``close`` runs however it ends
    (finished, failed, or cancelled because the client left).

    With ``batched`` (the source reads the network only through the pooled transports, which await ``BEFORE_READ``
    before every read), events go out one write per network read of the upstream: what one read brought is kept
    until the upstream is about to be read again, or the stream ends. Otherwise (an injected transport, the mock's
    timed chunks) every event is written as it comes, with whatever ``items.drain()`` already holds.

    ``encode`` makes an item's bytes: :func:`frame` for chunks, :func:`as_is` for items that are events already.
    """

    def __init__(
        self,
        first: Any,
        items: AsyncIterator[Any],
        *,
        close: Callable[[], Awaitable[None]],
        on_error: Callable[[Exception], HTTPError],
        headers: tuple[tuple[bytes, bytes], ...] = (),
        batched: bool = False,
        encode: Callable[[Any], bytes] = frame,
    ) -> None:
        self._encode = encode
        self._batched = batched
        self._first = first
        self._headers = [*_HEADERS, *headers]
        self._items = items
        self._close = close
        self._on_error = on_error

    async def send(self, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self._headers})
            if self._first is not None:
                await send({"type": "http.response.body", "body": self._encode(self._first), "more_body": True})
            tail = await self._pump(_Batch(send, self._batched))
        finally:
            await self._close()
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    async def _pump(self, batch: _Batch) -> bytes:
        items, encode = self._items, self._encode
        drain = getattr(items, "drain", None)  # chunks already translated: forward them in the same write
        token = BEFORE_READ.set(batch.flush if batch.batched else None)  # None: nor an outer relay's callback
        try:
            while True:
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    return batch.take(_DONE)
                except Exception as exc:  # the source failed mid-stream: tell the client in the stream
                    error = self._on_error(exc)
                    return batch.take(b"data: " + error.body() + b"\n\n")
                batch.check()
                batch.parts.append(encode(item))
                if not batch.batched:
                    if drain is not None:
                        batch.parts.extend(map(encode, drain()))
                    await batch.flush()
                    batch.check()
        finally:
            BEFORE_READ.reset(token)


class _Batch:
    """Frames waiting for the next write, and the write itself; a failed write is raised at the next event (not
    inside the transport's read, which would take it for its own failure)."""

    __slots__ = ("_failed", "_send", "batched", "parts")

    def __init__(self, send: Send, batched: bool) -> None:
        self._send = send
        self.parts: list[bytes] = []
        self.batched = batched  # the transport calls flush() before its reads
        self._failed: Exception | None = None

    async def flush(self) -> None:
        parts = self.parts
        if not parts or self._failed is not None:
            return
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        parts.clear()
        try:
            await self._send({"type": "http.response.body", "body": body, "more_body": True})
        except Exception as exc:
            self._failed = exc

    def check(self) -> None:
        if self._failed is not None:
            raise self._failed

    def take(self, last: bytes) -> bytes:
        """What is left to write, ending with ``last``."""
        self.check()
        self.parts.append(last)
        body = b"".join(self.parts)
        self.parts.clear()
        return body
