"""A 200 ``text/event-stream`` of Anthropic events: ready-made bytes from a source, sent as they come.

An error from the source after the 200 went out cannot change the status any more, so it becomes Anthropic's
``error`` event (which the SDKs raise on) and the stream ends cleanly; ``close`` runs however it ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from ..types import Send

__all__ = ["AnthropicEventStream"]

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies such as nginx would otherwise hold events back
]


class AnthropicEventStream:
    def __init__(
        self,
        head: bytes,
        source: AsyncIterator[bytes],
        *,
        close: Callable[[], Awaitable[None]],
        on_error: Callable[[Exception], bytes],
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self._headers = [*_HEADERS, *headers]
        self._head = head
        self._source = source
        self._close = close
        self._on_error = on_error

    async def send(self, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self._headers})
            if self._head:
                await send({"type": "http.response.body", "body": self._head, "more_body": True})
            tail = b""
            try:
                async for part in self._source:
                    if part:
                        await send({"type": "http.response.body", "body": part, "more_body": True})
            except Exception as exc:  # the source failed mid-stream: tell the client in the stream
                tail = self._on_error(exc)
        finally:
            await self._close()
        await send({"type": "http.response.body", "body": tail, "more_body": False})
