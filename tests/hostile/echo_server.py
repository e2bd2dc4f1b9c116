"""A loopback HTTP upstream that echoes every request header back in its error answers: in the message, in each
error field, in response headers (``x-echo``, ``x-request-id``) and, for a stream, in an in-band error event.

``status`` picks the answer: an error status (400, 401, 429, 500…), 200 (garbage echoing the headers), or ``"sse"``
(a 200 stream with one chunk, then an error event echoing them).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["EchoServer", "echo_server"]


class EchoServer:
    def __init__(self) -> None:
        self.status: int | str = 400
        self.seen: list[dict[str, str]] = []
        self.url = ""


def _handler(state: EchoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.seen.append(headers)
            values = " ".join(headers.values())
            tokens = " ".join(v.partition(" ")[2] for v in headers.values() if " " in v)  # "Bearer x" → "x"
            echoed = f"you sent {json.dumps(headers)}; tokens {tokens}"
            error = {"message": echoed, "type": values[:300], "code": tokens[:300], "param": values[-300:]}
            payload = {"error": error, "message": echoed, "error_type": tokens[:200], "headers": headers}
            status = state.status
            if status == "sse":
                chunk = {
                    "id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                    "choices": [{"index": 0, "delta": {"content": "hi"}}],
                }  # fmt: skip
                body = (f"data: {json.dumps(chunk)}\n\ndata: {json.dumps({'error': error})}\n\n").encode()
                self._send(200, body, "text/event-stream", values)
            elif status == 200:
                self._send(200, f"garbage {echoed}".encode(), "application/json", values)
            else:
                assert isinstance(status, int)
                self._send(status, json.dumps(payload).encode(), "application/json", values)

        def _send(self, status: int, body: bytes, content_type: str, values: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.send_header("x-echo", values.encode("latin-1", "replace").decode("latin-1")[:4000])
            self.send_header("x-request-id", values[:200])
            self.send_header("retry-after", "0")
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def echo_server() -> Iterator[EchoServer]:
    state = EchoServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
