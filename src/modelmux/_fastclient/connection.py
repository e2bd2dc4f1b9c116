"""One HTTP/1.1 connection: an ``asyncio.Protocol`` whose bytes go straight into httptools' response parser.

httptools (MagicStack's binding of llhttp, Node's C parser; uvicorn's parser too) parses the status line,
headers and chunked or sized bodies in C and calls back per header and per body piece. What those callbacks
deliver during one ``data_received`` is joined into ONE buffer: a reader gets one buffer per network read,
however many HTTP chunks (stream events) it held. Past a high-water mark of unread body bytes the socket stops
being read until the reader catches up. A read that finds data returns at once; a timer is armed only when a
read has to wait. Hostile heads (over 64 KiB, over 100 header lines), malformed bytes and an end before the
body is complete become ``httpx.RemoteProtocolError``; a reset is ``httpx.ReadError``. No message quotes the
bytes received or a header value.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import httptools
import httpx

__all__ = ["MAX_HEADERS", "MAX_HEAD_BYTES", "Connection"]

#: Largest status line + headers accepted, and most header lines (a hostile upstream gets an error instead).
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
#: Past this many unread body bytes the socket stops being read until the reader catches up.
HIGH_WATER = 256 * 1024

_NO_RESPONSE = "Server disconnected without sending a response."
_INCOMPLETE = "peer closed connection without sending complete message body"


class _Bounds(Exception):
    """A head over the limits (raised inside a parser callback, reported without the bytes)."""


def _expire(waiter: asyncio.Future[None], error: type[Exception]) -> None:
    if not waiter.done():
        waiter.set_exception(error("timed out"))


def _parser(callbacks: Any) -> httptools.HttpResponseParser:
    """llhttp is strict by default; accept what h11 (httpx's parser) accepts from a server: bare LF line ends,
    and Transfer-Encoding with Content-Length, where chunked framing wins (RFC 9112 §6.3)."""
    parser = httptools.HttpResponseParser(callbacks)
    parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True, lenient_chunked_length=True)
    return parser


class Connection(asyncio.Protocol):
    """Bytes in, one parsed response at a time out; the pool decides who uses it and when it closes."""

    def __init__(self, key: Any, on_idle_close: Any = None) -> None:
        self.key = key
        self.transport: Any = None
        self.idle_since = 0.0
        self.active = False  # a request is using it (not in the pool)
        self.closed = False  # EOF, connection lost or closed by us: nothing more will arrive
        self.reusable = True  # keep-alive so far, nothing unexpected seen
        self._on_idle_close = on_idle_close
        self._parser = _parser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._paused = False
        self._begin(False)

    def _begin(self, head_request: bool) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.http_version = b"HTTP/1.1"
        self.headers_done = False
        self.message_done = False
        self.received = False  # any byte of this response arrived
        self.failure: Exception | None = None
        self.ready: deque[bytes] = deque()
        self._parts: list[bytes] = []
        self._buffered = 0
        self._head_bytes = 0  # bytes fed while the head was incomplete
        self._head_size = 0  # bytes of the reason phrase and header lines parsed
        self._head_request = head_request
        self._until_close = False

    def start(self, head_request: bool = False) -> None:
        """A new request/response exchange on this connection."""
        self.active = True
        self._begin(head_request)

    # ---- callbacks from the event loop

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.active:  # bytes nobody asked for on an idle connection: it leaves the pool, closed
            self.reusable = False
            if not self.closed and self._on_idle_close is not None:
                self._on_idle_close(self)
            self.close()
            return
        self.received = True
        if self.failure is not None:
            return
        try:
            if not self.headers_done and self._head_bytes > MAX_HEAD_BYTES:
                raise _Bounds
            self._parser.feed_data(data)
            if not self.headers_done:
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    raise _Bounds
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols, which was not asked for"))
        except Exception as exc:  # httptools' errors, or a bound from a callback (as its __context__)
            bounds = isinstance(exc, _Bounds) or isinstance(exc.__context__, _Bounds)
            why = "a response head over the size or header-count limit" if bounds else "a malformed response"
            self._fail(httpx.RemoteProtocolError(f"the server sent {why}"))
        parts = self._parts
        if parts:
            data = parts[0] if len(parts) == 1 else b"".join(parts)
            parts.clear()
            self.ready.append(data)
            self._buffered += len(data)
            if self._buffered > HIGH_WATER and not self._paused and not self.closed:
                self._paused = True
                self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._ended(None)
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)  # a writer waiting goes on: its next write, or the read after, sees the loss

    def pause_writing(self) -> None:
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _ended(self, exc: Exception | None) -> None:
        if self.closed and exc is None:
            return
        was_closed, self.closed = self.closed, True
        self.reusable = False
        if not self.active:
            if not was_closed and self._on_idle_close is not None:
                self._on_idle_close(self)
            return
        if self.failure is None and not self.message_done:
            if self.headers_done and self._until_close and exc is None:
                self.message_done = True  # a body delimited by the end of the connection
            elif exc is not None:
                self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
            else:
                self._fail(httpx.RemoteProtocolError(_INCOMPLETE if self.headers_done else _NO_RESPONSE))
        self._wake()

    def _fail(self, error: Exception) -> None:
        if self.failure is None:
            self.failure = error
        self.reusable = False

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---- httptools callbacks (names fixed by httptools)

    def on_status(self, status: bytes) -> None:
        self.reason += status
        self._head_size += len(status)
        if self._head_size > MAX_HEAD_BYTES:
            raise _Bounds

    def on_header(self, name: bytes, value: bytes) -> None:
        # A whole head can arrive in one read: its size is also counted here, not only across reads.
        headers = self.headers
        self._head_size += len(name) + len(value) + 4
        if len(headers) >= MAX_HEADERS or self._head_size > MAX_HEAD_BYTES:
            raise _Bounds
        headers.append((name, value.rstrip(b" \t")))  # no trailing whitespace, as h11 (RFC 9110 §5.5)

    def on_headers_complete(self) -> None:
        parser = self._parser
        status = parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
            self.headers = []
            self.reason = b""
            self._head_size = 0
            return
        self.status = status
        self.http_version = b"HTTP/1.0" if parser.get_http_version() == "1.0" else b"HTTP/1.1"
        self.headers_done = True
        if self._head_request:  # no body follows; the parser cannot be told, so the connection is not reused
            self.message_done = True
            self.reusable = False
            return
        if status not in (204, 304):
            names = {name.lower() for name, _ in self.headers}
            self._until_close = b"content-length" not in names and b"transfer-encoding" not in names

    def on_body(self, body: bytes) -> None:
        if not self.message_done:
            self._parts.append(body)

    def on_message_complete(self) -> None:
        if not self.headers_done:
            return  # the end of an interim answer
        if not self._parser.should_keep_alive():
            self.reusable = False
        self.message_done = True

    def on_message_begin(self) -> None:
        if self.message_done:  # bytes after the answer that nobody asked for
            self.reusable = False

    # ---- what a request asks

    async def wait(self, timeout: float | None) -> None:
        """Until something arrives or the connection ends; ``httpx.ReadTimeout`` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter, httpx.ReadTimeout)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def take(self) -> bytes:
        """The oldest unread body buffer (there is one)."""
        data = self.ready.popleft()
        self._buffered -= len(data)
        if self._paused and self._buffered <= HIGH_WATER // 4 and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return data

    def write(self, data: bytes) -> None:
        transport = self.transport
        if self.closed or transport.is_closing():
            raise httpx.WriteError("connection closed")
        try:
            transport.write(data)
        except (OSError, RuntimeError) as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from None

    async def drained(self, timeout_of: Callable[[], float | None]) -> None:
        """Until the socket's write buffer is below its high-water mark; ``httpx.WriteTimeout`` after
        ``timeout_of()`` seconds (asked only when there is something to wait for)."""
        drain = self._drain
        if drain is None:
            return
        timeout = timeout_of()
        loop = asyncio.get_running_loop()
        timer = None if timeout is None else loop.call_later(timeout, _expire, drain, httpx.WriteTimeout)
        try:
            await asyncio.shield(drain)
        finally:
            if timer is not None:
                timer.cancel()

    def reset_parser(self) -> None:
        """A fresh parser (after a proxy's CONNECT answer, the tunnel carries a new exchange)."""
        self._parser = _parser(self)
        self.active = False
        self._begin(False)

    def close(self) -> None:
        self.reusable = False
        if not self.closed:
            self.closed = True
            self.active = False  # no error to report to anyone: we closed it
            if self.transport is not None:
                self.transport.close()
        self._wake()
