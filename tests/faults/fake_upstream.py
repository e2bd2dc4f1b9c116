"""A misbehaving upstream on loopback: a raw-socket HTTP/1.1 server whose every answer is scripted byte by byte.

``with FakeUpstream(script) as up: ...`` serves ``script(request, conn)`` on ``up.url`` for every request
(one thread per connection); ``request`` holds the method, path, headers and body read from the client,
``conn`` writes raw bytes (``conn.send``), sleeps, and notices when the client went away (``conn.closed``).
Scripts run until they return or the client disconnects; ``stop()`` ends everything.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["Conn", "FakeUpstream", "Request", "head", "sse_stream"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Conn:
    sock: socket.socket
    stopping: threading.Event
    sent: int = 0
    closed: bool = False

    def send(self, data: bytes) -> bool:
        """Write ``data``; False once the client is gone (or the server stops)."""
        if self.closed or self.stopping.is_set():
            self.closed = True
            return False
        try:
            self.sock.sendall(data)
            self.sent += len(data)
            return True
        except OSError:
            self.closed = True
            return False

    def sleep(self, seconds: float) -> bool:
        return not self.stopping.wait(seconds)


Script = Callable[[Request, Conn], None]


def head(status: int = 200, headers: Iterable[tuple[str, str]] = (), *, length: int | None = None) -> bytes:
    """A status line and headers; without ``length`` the body ends when the connection closes (it always does)."""
    lines = [f"HTTP/1.1 {status} X"]
    lines += [f"{k}: {v}" for k, v in headers]
    if length is not None:
        lines.append(f"content-length: {length}")
    lines.append("connection: close")  # one answer per connection: a client never reuses one we are closing
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def sse_stream(events: Iterable[bytes], *, status: int = 200) -> Script:
    """A 200 event stream of ``events`` (raw bytes each), then the connection closes."""

    def script(request: Request, conn: Conn) -> None:
        conn.send(head(status, [("content-type", "text/event-stream")]))
        for event in events:
            if not conn.send(event):
                return

    return script


@dataclass
class FakeUpstream:
    script: Script
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> FakeUpstream:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads[:1]:
            thread.join(timeout=5)
        self._listener.close()
        for sock in list(self._conns):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        self._listener.settimeout(0.05)  # closing a listener does not wake accept(): poll for stop()
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            self._conns.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            request = _read_request(sock)
            if request is None:
                return
            self.requests.append(request)
            self.script(request, Conn(sock, self._stopping))
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _read_request(sock: socket.socket) -> Request | None:
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            return None
        data += part
    header_blob, _, body = data.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    deadline = time.monotonic() + 10
    while len(body) < length and time.monotonic() < deadline:
        part = sock.recv(65536)
        if not part:
            break
        body += part
    sock.settimeout(None)
    return Request(method, path, headers, body)
