"""Server-sent events for streamed answers: ``data: {chunk}`` per item as it comes, then ``data: [DONE]``.

An error from the source after the 200 went out cannot change the status any more, so it becomes one
``data: {"error": {...}}`` event (what OpenAI sends, and what its SDK raises on), and the stream ends cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from pydantic import BaseModel

from .errors import HTTPError
from .types import Send

__all__ = ["EventStream", "frame"]

_log = logging.getLogger("modelmux.asgi")

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies such as nginx would otherwise hold chunks back
]
_DONE = b"data: [DONE]\n\n"


def frame(item: BaseModel) -> bytes:
    return b"data: " + item.__pydantic_serializer__.to_json(item, exclude_none=True) + b"\n\n"


class EventStream:
    """A 200 ``text/event-stream`` of ``first`` then the rest of ``items``; ``close`` runs however it ends
    (finished, failed, or cancelled because the client left)."""

    def __init__(
        self,
        first: BaseModel | None,
        items: AsyncIterator[BaseModel],
        *,
        close: Callable[[], Awaitable[None]],
        on_error: Callable[[Exception], HTTPError],
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self._first = first
        self._headers = [*_HEADERS, *headers]
        self._items = items
        self._close = close
        self._on_error = on_error

    async def send(self, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self._headers})
            if self._first is not None:
                await send({"type": "http.response.body", "body": frame(self._first), "more_body": True})
            tail = await self._pump(send)
        finally:
            await self._close()
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    async def _pump(self, send: Send) -> bytes:
        items = self._items
        drain = getattr(items, "drain", None)  # chunks already translated: forward them in the same write
        while True:
            try:
                item = await items.__anext__()
            except StopAsyncIteration:
                return _DONE
            except Exception as exc:  # the source failed mid-stream: tell the client in the stream
                error = self._on_error(exc)
                return b"data: " + error.body() + b"\n\n"
            body = frame(item)
            if drain is not None:
                more = drain()
                if more:
                    body = b"".join([body, *map(frame, more)])
            await send({"type": "http.response.body", "body": body, "more_body": True})
