"""uvicorn's HTTP/1.1 protocols, with the limits ``modelmux serve`` needs that uvicorn does not have.

What uvicorn does by itself: ``timeout_keep_alive`` closes a connection idle *between* requests (until its first
byte arrives); h11 refuses a head over ``h11_max_incomplete_event_size`` (16 KB by default); ``limit_concurrency``
answers 503 in plain text once too many connections are open (their descriptors already spent); ``backlog`` bounds
the accept queue. What it lacks, and this module adds to both parsers:

- a deadline on the request head: a connection that opened (or finished a request) has ``header_timeout`` seconds to
  send a complete head, however it trickles bytes, or it is closed (408 when part of a head came); the same deadline
  bounds the rest of a body that the app answered without reading (a 401 before the upload was in);
- a size bound on the head counted on the raw bytes *before* the parser sees them: httptools (llhttp) has no head
  limit and concatenates a header's pieces, so 100 MB of header would be buffered (in quadratic time) first; past
  ``max_header_bytes`` the answer is 431 and the connection closes. httptools also refuses more than ``max_headers``;
- a connection cap: past ``max_connections`` the connection that has waited longest for a head (idle, or slow) is
  closed to make room; when every connection is busy with a request, the new one is answered 503 and closed.

Request bodies and slow readers are bounded in the app (``body.py``, ``app.py``), under any server. Under these
protocols (httptools) the app is also handed :class:`RequestHooks` (``scope["extensions"]["modelmux.server"]``), which
let it do the same without a timer or a task per request: the server says when the whole body is already in, bounds a
stalled write (the transport's buffer stays full for ``send_timeout``: the connection is aborted) and tells the app
the moment its client goes, so the app need not watch ``receive()`` from a task of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .server_hooks import HOOKS

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - without the server extra's httptools
    HttpToolsProtocol = None  # type: ignore[assignment, misc]

__all__ = ["ConnectionLimits", "GuardedH11Protocol", "RequestHooks", "protocol_class"]


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float = 10.0
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    max_connections: int = 1000


def _answer(status: int, message: str, code: str) -> bytes:
    """A whole HTTP/1.1 answer with an OpenAI-shaped error, for a request the app never saw."""
    kind = "service_unavailable" if status >= 500 else "invalid_request_error"
    body = json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}}).encode()
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
    return head % (status, HTTPStatus(status).phrase.encode(), len(body)) + body


class _Guard:
    """Mixed in before a uvicorn protocol class; see the module docstring."""

    # Set by uvicorn's protocol classes.
    transport: Any
    connections: set[Any]
    cycle: Any
    loop: Any

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._waiting_since: float | None = None  # when the current deadline began (None: a request is in hand)
        self._head_bytes = 0  # bytes of the current head so far
        self._timer: Any = None  # the head/drain deadline; it lapses by itself when nothing waits any more
        self._refused = False
        self._on_lost: Callable[[], None] | None = None  # the running request's "client gone" callback
        self._send_timeout: float | None = None  # set by the app through RequestHooks.bound_writes
        self._write_timer: Any = None

    # ---- what each parser tells

    def _awaiting_head(self) -> bool:
        """Between requests or inside a head: received bytes are head bytes."""
        raise NotImplementedError

    def _draining(self) -> bool:
        """The answer went out but the request's body is still arriving (nobody reads it)."""
        raise NotImplementedError

    # ---- the protocol interface

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._sync()
        if len(self.connections) > self._limits.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._cancel_write_timer()
        super().connection_lost(exc)  # type: ignore[misc]
        on_lost, self._on_lost = self._on_lost, None
        if on_lost is not None:
            on_lost()

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self._send_timeout is not None and self._write_timer is None:
            self._write_timer = self.loop.call_later(self._send_timeout, self._write_stalled)

    def resume_writing(self) -> None:
        self._cancel_write_timer()
        super().resume_writing()  # type: ignore[misc]

    def _write_stalled(self) -> None:
        self._write_timer = None
        self.transport.abort()  # nobody reads the answer: its buffered rest is dropped, the request's work cancelled

    def _cancel_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def data_received(self, data: bytes) -> None:
        limit = self._limits.max_header_bytes
        while data:
            if not self._awaiting_head():
                super().data_received(data)  # type: ignore[misc]
                break
            room = limit - self._head_bytes
            if room <= 0:
                self._refuse(431, f"Request headers too large (over {limit} bytes).", "headers_too_large")
                return
            piece, data = (data, b"") if len(data) <= room else (data[:room], data[room:])
            self._head_bytes += len(piece)
            super().data_received(piece)  # type: ignore[misc]
            if self.transport.is_closing():
                return
        self._sync()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._sync()

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # after our own answer the parser's complaint is moot
            super().send_400_response(msg)  # type: ignore[misc]

    # ---- the deadline

    def _sync(self) -> None:
        """Start or stop the deadline after the parser or the app moved on.

        A stopped deadline keeps its timer, which finds nothing waiting when it fires and lapses: on a busy
        keep-alive connection that is one timer per ``header_timeout``, not one per request.
        """
        if self.transport.is_closing():
            self._waiting_since = None
            self._cancel_timer()
            return
        if not (self._awaiting_head() or self._draining()):
            self._waiting_since = None
            return
        if self._waiting_since is None:
            self._start_wait()
        if self._timer is None:
            self._timer = self.loop.call_later(self._limits.header_timeout, self._check_deadline)

    def _start_wait(self) -> None:
        self._waiting_since = time.monotonic()
        self._head_bytes = 0

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_deadline(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._waiting_since is None:
            return
        if not (self._awaiting_head() or self._draining()):
            self._waiting_since = None
            return
        left = self._waiting_since + self._limits.header_timeout - time.monotonic()
        if left > 0:
            self._timer = self.loop.call_later(left, self._check_deadline)
        elif self._head_bytes and self._awaiting_head():
            self._refuse(408, "Request headers not received in time.", "request_timeout")
        else:
            self.transport.close()  # idle, or an unread body: nothing to answer

    # ---- the connection cap

    def _make_room(self) -> None:
        oldest: _Guard | None = None
        for other in self.connections:
            if other is self or not isinstance(other, _Guard) or other._waiting_since is None:
                continue
            if other.transport.is_closing():
                continue
            if oldest is None or other._waiting_since < (oldest._waiting_since or 0.0):
                oldest = other
        if oldest is not None:
            oldest.transport.close()
        else:
            self._refuse(503, "Too many connections; retry shortly.", "overloaded")

    # ---- refusing

    def _refuse(self, status: int, message: str, code: str) -> None:
        self._refused = True
        self._cancel_timer()
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # else an answer is under way: only close
            self.transport.write(_answer(status, message, code))
        self.transport.close()


class GuardedH11Protocol(_Guard, H11Protocol):
    """h11 (pure Python), guarded. h11 also enforces ``h11_max_incomplete_event_size`` on its own."""

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def _draining(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.response_complete and self.conn.their_state is h11.SEND_BODY


if HttpToolsProtocol is not None:

    class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
        """httptools (llhttp), guarded; the number of headers is also counted as they are parsed."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = False
            self._in_body = False
            self._headers_seen = 0

        def _awaiting_head(self) -> bool:
            if self._in_head:
                return True
            if self._in_body or self.pipeline:
                return False
            cycle = self.cycle
            return cycle is None or cycle.response_complete

        def _draining(self) -> bool:
            return self._in_body and self.cycle is not None and self.cycle.response_complete

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._headers_seen = 0
            self._start_wait()  # a new head: its own full deadline from its first byte

        def on_header(self, name: bytes, value: bytes) -> None:
            self._headers_seen += 1
            if self._headers_seen > self._limits.max_headers:
                self._refuse(431, f"Too many request headers (over {self._limits.max_headers}).", "headers_too_large")
                raise ValueError("too many headers")  # stops the parser; its own 400 is suppressed
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._in_body = True
            self._waiting_since = None
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.scope is self.scope:  # a request for the app (not an upgrade)
                self.scope["extensions"] = {**self.scope.get("extensions", {}), HOOKS: RequestHooks(self, cycle)}
                cycle.transport = _HeadHeld(self.transport, self.loop)

        def on_message_complete(self) -> None:
            self._in_body = False
            super().on_message_complete()

else:  # pragma: no cover
    GuardedHttpToolsProtocol = None  # type: ignore[assignment, misc]


class _HeadHeld:
    """A request cycle's view of the transport that holds the response head back until the body's first write in
    the same turn of the loop, so that a whole answer goes out in one ``send`` (uvicorn writes the head and the
    body apart: on loopback each write costs a system call and a wake-up of the reader). A head that no body
    follows in that turn (a stream waiting for its first event) is written on the loop's next turn."""

    __slots__ = ("_held", "_loop", "_started", "_transport")

    #: A body larger than this is written after the head, not copied onto it.
    JOIN_LIMIT = 64 * 1024

    def __init__(self, transport: Any, loop: Any) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= self.JOIN_LIMIT:
                self._transport.write(held + data)
                return
            self._transport.write(held)
        elif not self._started:  # the head (or a 100 Continue before it): hold it for the body
            self._started = True
            self._held = data
            self._loop.call_soon(self._flush)
            return
        self._transport.write(data)

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return bool(self._transport.is_closing())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class RequestHooks:
    """:class:`~modelmux.asgi.server_hooks.ServerHooks` for one request of these protocols.

    It reaches its protocol and request cycle through weak references: the cycle's scope holds the hooks, and a
    strong reference back would make every request a reference cycle, left for the garbage collector to find.
    """

    __slots__ = ("_cycle", "_protocol")

    def __init__(self, protocol: _Guard, cycle: Any) -> None:
        self._protocol = weakref.ref(protocol)
        self._cycle = weakref.ref(cycle)

    def body_received(self) -> bool:
        """The whole request body is in: ``receive()`` answers at once, no deadline needed to read it."""
        cycle = self._cycle()
        return cycle is None or not cycle.more_body

    def bound_writes(self, seconds: float) -> None:
        """Abort the connection once its answer's writes have stayed blocked (client not reading) ``seconds``."""
        protocol = self._protocol()
        if protocol is not None:
            protocol._send_timeout = seconds

    def on_client_gone(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` (once) if the connection is lost; ``None`` stops watching. One at a time: a connection
        runs one request at a time."""
        protocol, cycle = self._protocol(), self._cycle()
        if protocol is None or cycle is None:  # the connection is gone already
            if callback is not None:
                callback()
            return
        if callback is not None and (cycle.disconnected or protocol.transport.is_closing()):
            callback()  # already gone
            return
        protocol._on_lost = callback


def protocol_class(parser: str) -> type[asyncio.Protocol]:
    """The guarded protocol for ``"httptools"``, ``"h11"`` or ``"auto"`` (httptools when installed)."""
    if parser in ("auto", "httptools") and GuardedHttpToolsProtocol is not None:
        return GuardedHttpToolsProtocol
    if parser == "httptools":
        raise ImportError("httptools is not installed: pip install '.[server]' in the modelmux checkout")
    return GuardedH11Protocol
