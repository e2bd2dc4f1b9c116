"""Fake upstreams on loopback that fail in scripted ways, and a fake clock for the router tests.

Each :class:`FakeUpstream` is a real HTTP server on 127.0.0.1 speaking OpenAI's chat and embeddings API; it answers
each request with the next scripted action (then ``"ok"``): ``"ok"``, ``("status", code, headers)``, ``"reset"``
(connection dropped without an answer), ``"hang"`` (no answer until the server stops), ``"cut"`` (a stream that
sends one chunk, then drops the connection).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fake_clock import FakeClock
from fake_clock import fake_clock as shared_fake_clock

MSG = [{"role": "user", "content": "hi"}]


def status(code: int, headers: dict[str, str] | None = None, message: str = "boom", kind: str = "server_error") -> Any:
    return ("status", code, headers or {}, message, kind)


def _sse(*texts: str) -> bytes:
    events = [
        {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": t}}]}
        for t in texts
    ]
    events.append(
        {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


class FakeUpstream:
    """One deployment's upstream: scripted answers; records each request's path, key and body."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.script: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.stop = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
                upstream.requests.append({"path": self.path, "key": self.headers.get("authorization"), "body": body})
                action = upstream.script.pop(0) if upstream.script else "ok"
                upstream.answer(self, action, body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def count(self) -> int:
        return len(self.requests)

    def then(self, *actions: Any) -> FakeUpstream:
        self.script.extend(actions)
        return self

    def answer(self, h: BaseHTTPRequestHandler, action: Any, body: dict[str, Any]) -> None:
        if action == "reset":
            h.close_connection = True
            h.connection.close()
            return
        if action == "hang":
            self.stop.wait(20)
            h.close_connection = True
            return
        if isinstance(action, tuple) and action[0] == "status":
            _, code, headers, message, kind = action
            payload = {"error": {"message": message, "type": kind, "code": headers.pop("x-code", None)}}
            self._send(h, code, json.dumps(payload).encode(), "application/json", headers)
            return
        if body.get("stream"):
            if action == "cut":
                first = _sse(f"partial from {self.name}").split(b"\n\n")[0] + b"\n\n"
                h.send_response(200)
                h.send_header("content-type", "text/event-stream")
                h.send_header("content-length", str(len(first) + 1000))  # promises more than it sends
                h.end_headers()
                h.wfile.write(first)
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(2)
                return
            self._send(h, 200, _sse("hello ", f"from {self.name}"), "text/event-stream", {})
            return
        if h.path.endswith("/embeddings"):
            data = {"object": "list", "model": "e", "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}]}
            data["usage"] = {"prompt_tokens": 1, "total_tokens": 1}
            self._send(h, 200, json.dumps(data).encode(), "application/json", {})
            return
        message = {"role": "assistant", "content": f"hello from {self.name}"}
        answer = {
            "id": "1",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
        self._send(h, 200, json.dumps(answer).encode(), "application/json", {})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        h.send_response(code)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(body)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)


@contextmanager
def upstreams(*names: str) -> Iterator[dict[str, FakeUpstream]]:
    servers = {n: FakeUpstream(n) for n in names}
    try:
        yield servers
    finally:
        for s in servers.values():
            s.close()


def deployment(group: str, up: FakeUpstream, **extra: Any) -> dict[str, Any]:
    """A LiteLLM-format deployment calling ``up`` (its id is the upstream's name)."""
    params = {"model": "openai/gpt-4o", "api_base": up.base, "api_key": f"sk-secret-{up.name}", **extra}
    return {"model_name": group, "litellm_params": params, "model_info": {"id": up.name}}


@contextmanager
def fake_clock(**kwargs: Any) -> Iterator[FakeClock]:
    """The shared fake clock with no jitter by default (``rand=0.0``): the router's random draws pick the first."""
    kwargs.setdefault("rand", 0.0)
    with shared_fake_clock(**kwargs) as clock:
        yield clock
