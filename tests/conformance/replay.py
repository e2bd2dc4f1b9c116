"""Replay recorded :class:`~tests.conformance.cassette.Interaction` objects to an HTTP client.

* :class:`ReplayTransport` plugs into ``httpx.Client(transport=...)`` / ``httpx.AsyncClient(transport=...)``.
* :class:`ReplayServer` is a real HTTP/1.1 server on ``127.0.0.1`` for code that only takes an ``api_base``.

Streamed responses are delivered in many small pieces (cut at SSE event boundaries and again at
pseudo-random byte offsets, so decoders must cope with events and UTF-8 sequences split across reads).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

import httpx

from .cassette import Interaction

__all__ = [
    "ChunkedByteStream",
    "RecordedRequest",
    "ReplayError",
    "ReplayServer",
    "ReplayTransport",
    "split_body",
]

MatchMode = Literal["order", "path"]

_EVENT_BOUNDARY = re.compile(rb"\r\n\r\n|\n\n|\r\r")
# Hop-by-hop / framing headers the replayer must set itself.
_SERVER_SKIP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class ReplayError(Exception):
    """A request arrived that no recorded interaction can answer."""


def split_body(body: bytes, *, max_piece: int = 48, seed: int = 0) -> list[bytes]:
    """Cut ``body`` after every SSE event boundary, then cut each event at pseudo-random offsets.

    Pieces are non-empty, concatenate back to ``body``, and are deterministic for a given ``seed``.
    ``max_piece <= 0`` only cuts at event boundaries.
    """
    events: list[bytes] = []
    start = 0
    for match in _EVENT_BOUNDARY.finditer(body):
        events.append(body[start : match.end()])
        start = match.end()
    if start < len(body):
        events.append(body[start:])
    if max_piece <= 0:
        return events
    rng = random.Random(seed)
    pieces: list[bytes] = []
    for event in events:
        pos = 0
        while pos < len(event):
            step = rng.randint(1, max_piece)
            pieces.append(event[pos : pos + step])
            pos += step
    return pieces


class ChunkedByteStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An httpx response stream yielding pre-cut pieces one at a time (sync and async)."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = list(pieces)
        self.delivered = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.delivered += 1
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.delivered += 1
            yield piece


class _Selector:
    """Picks the interaction answering a request: next in order, or next unused with same method+path."""

    def __init__(self, interactions: Interaction | Sequence[Interaction], match: MatchMode) -> None:
        self.interactions = [interactions] if isinstance(interactions, Interaction) else list(interactions)
        self.match = match
        self.used: list[bool] = [False] * len(self.interactions)
        self._lock = threading.Lock()

    def pick(self, method: str, path: str) -> Interaction:
        with self._lock:
            for i, interaction in enumerate(self.interactions):
                if self.used[i]:
                    continue
                if self.match == "order" or (interaction.method == method.upper() and interaction.path == path):
                    self.used[i] = True
                    return interaction
        raise ReplayError(
            f"no recorded interaction left for {method} {path} "
            f"({sum(self.used)}/{len(self.interactions)} used, match={self.match!r})"
        )

    @property
    def unused(self) -> list[Interaction]:
        return [i for i, used in zip(self.interactions, self.used, strict=True) if not used]


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """httpx transport answering requests from recorded interactions, without any network.

    ``match="order"`` serves interactions in sequence whatever the URL; ``match="path"`` serves the first
    unused interaction with the same method and URL path (query and host ignored). Every received request
    is kept, body read, in :attr:`requests`; the interaction served for it in :attr:`served`.
    """

    def __init__(
        self,
        interactions: Interaction | Sequence[Interaction],
        *,
        match: MatchMode = "order",
        max_piece: int = 48,
        seed: int = 0,
    ) -> None:
        self._selector = _Selector(interactions, match)
        self.max_piece = max_piece
        self.seed = seed
        self.requests: list[httpx.Request] = []
        self.served: list[Interaction] = []
        self.streams: list[ChunkedByteStream] = []

    @property
    def interactions(self) -> list[Interaction]:
        return self._selector.interactions

    @property
    def unused(self) -> list[Interaction]:
        return self._selector.unused

    def assert_all_used(self) -> None:
        if self.unused:
            raise AssertionError(f"interactions never requested: {self.unused}")

    def _respond(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        interaction = self._selector.pick(request.method, request.url.path)
        self.served.append(interaction)
        body = interaction.response_body
        headers = list(interaction.response_headers)
        if interaction.is_stream:
            pieces = split_body(body, max_piece=self.max_piece, seed=self.seed)
        else:  # one piece, but still an unread stream, like a real network transport returns
            headers.append(("content-length", str(len(body))))
            pieces = [body] if body else []
        stream = ChunkedByteStream(pieces)
        self.streams.append(stream)
        return httpx.Response(interaction.status, headers=headers, stream=stream, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._respond(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._respond(request)


@dataclass(frozen=True)
class RecordedRequest:
    """A request received by :class:`ReplayServer`."""

    method: str
    path: str  # path plus query string, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def url_path(self) -> str:
        return urlsplit(self.path).path


@dataclass
class _ServerState:
    selector: _Selector
    max_piece: int
    seed: int
    delay: float
    requests: list[RecordedRequest] = field(default_factory=list)
    served: list[Interaction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _make_handler(state: _ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # many tiny flushed writes: avoid Nagle / delayed-ACK stalls

        def log_message(self, format: str, *args: object) -> None:  # silence stderr logging
            pass

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                data = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(data)
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self) -> None:
            body = self._read_body()
            state.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            try:
                interaction = state.selector.pick(self.command, urlsplit(self.path).path)
            except ReplayError as exc:
                state.errors.append(str(exc))
                payload = b'{"error": {"message": "ReplayServer: ' + str(exc).replace('"', "'").encode() + b'"}}'
                self.send_response_only(599)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            state.served.append(interaction)
            self.send_response_only(interaction.status)
            for name, value in interaction.response_headers:
                if name not in _SERVER_SKIP_HEADERS:
                    self.send_header(name, value)
            try:
                if interaction.is_stream:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.flush()
                    pieces = split_body(interaction.response_body, max_piece=state.max_piece, seed=state.seed)
                    for piece in pieces:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                        if state.delay:
                            time.sleep(state.delay)
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                else:
                    self.send_header("Content-Length", str(len(interaction.response_body)))
                    self.end_headers()
                    self.wfile.write(interaction.response_body)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):  # client went away mid-stream
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


class ReplayServer:
    """Real HTTP/1.1 server on 127.0.0.1 (random port) replaying interactions, in order by default.

    Use as a context manager; :attr:`url` is ``http://127.0.0.1:PORT`` (point ``api_base`` at it).
    Requests are recorded in :attr:`requests`; streams are sent chunked, flushed piece by piece.
    """

    def __init__(
        self,
        interactions: Interaction | Sequence[Interaction],
        *,
        match: MatchMode = "order",
        max_piece: int = 48,
        seed: int = 0,
        delay: float = 0.0,
    ) -> None:
        self._state = _ServerState(_Selector(interactions, match), max_piece, seed, delay)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def reset(self, interactions: Interaction | Sequence[Interaction], *, match: MatchMode | None = None) -> None:
        """Serve a new list of interactions (and forget recorded requests) without restarting the server."""
        state = self._state
        state.selector = _Selector(interactions, match or state.selector.match)
        state.requests.clear()
        state.served.clear()
        state.errors.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests

    @property
    def served(self) -> list[Interaction]:
        return self._state.served

    @property
    def errors(self) -> list[str]:
        """Messages for requests that found no interaction (answered with status 599)."""
        return self._state.errors

    @property
    def unused(self) -> list[Interaction]:
        return self._state.selector.unused

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("ReplayServer is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self._state))
        server.daemon_threads = True
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ReplayServer", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
