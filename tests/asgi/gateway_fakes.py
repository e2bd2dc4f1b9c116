"""Fake OpenAI upstreams for the gateway tests: an injected httpx transport, and the same behaviours served over
loopback HTTP by a stdlib server in a thread (for the gateway running as ``modelmux serve`` in a subprocess).

The upstream model name picks the behaviour:

- ``fake-ok``: a chat completion (``stream: true``: three content chunks, then ``[DONE]``); tools → a tool call;
  ``response_format`` json → JSON text.
- ``fake-429``: 429 with ``Retry-After: 7``.
- ``fake-500``: 500 with an OpenAI error body.
- ``fake-garbage``: 200 with an HTML page.
- ``fake-401``: 401, as if the gateway's upstream key were wrong.
- ``fake-midstream``: a stream that breaks after two chunks.
- ``fake-timeout``: never answers (the route's timeout fires).
- ``fake-slow``: streams one chunk, then holds the stream open until the client goes away (recorded).
- ``fake-firehose`` (loopback only): streams 8 KiB content chunks as fast as it can be read, until the client goes
  away (recorded) or 20 s pass.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef"
FAKE_MODELS = ("ok", "429", "500", "garbage", "401", "midstream", "timeout", "slow")


def fake_models_config(**route: Any) -> dict[str, dict[str, Any]]:
    """``[models]`` entries ``up/<behaviour>`` → ``openai/fake-<behaviour>``."""
    return {f"up/{b}": {"model": f"openai/fake-{b}", **route} for b in FAKE_MODELS}


def _completion(model: str, body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "Hello from the fake upstream."}
    finish = "stop"
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"city":"Oslo"}'}}
            ],
        }
        finish = "tool_calls"
    elif (body.get("response_format") or {}).get("type") in ("json_object", "json_schema"):
        message["content"] = '{"answer": 42}'
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
    }


def chunk_event(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def stream_events(model: str) -> list[bytes]:
    return [
        chunk_event(model, {"role": "assistant", "content": ""}),
        chunk_event(model, {"content": "Hello"}),
        chunk_event(model, {"content": " from"}),
        chunk_event(model, {"content": " upstream"}),
        chunk_event(model, {}, "stop"),
        b"data: [DONE]\n\n",
    ]


_ERRORS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "fake-429": (
        429,
        {"retry-after": "7", "content-type": "application/json"},
        b'{"error": {"message": "Rate limit reached for org-secret123", "type": "requests",'
        b' "code": "rate_limit_exceeded"}}',
    ),
    "fake-500": (500, {"content-type": "application/json"}, b'{"error": {"message": "boom", "type": "server_error"}}'),
    "fake-garbage": (200, {"content-type": "text/html"}, b"<html><body>Bad gateway, friend</body></html>"),
    "fake-401": (
        401,
        {"content-type": "application/json"},
        b'{"error": {"message": "Incorrect API key provided: sk-upstr***", "type": "invalid_request_error"}}',
    ),
}


# ---------------------------------------------------------------- injected transport


class _Events(httpx.AsyncByteStream):
    def __init__(
        self,
        events: list[bytes],
        *,
        fail_after: int | None = None,
        hold: asyncio.Event | None = None,
        record: FakeUpstream | None = None,
    ) -> None:
        self._events = events
        self._fail_after = fail_after
        self._hold = hold
        self._record = record

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, event in enumerate(self._events):
            if self._fail_after is not None and i == self._fail_after:
                raise httpx.ReadError("connection reset by peer")
            yield event
            if self._hold is not None:
                await self._hold.wait()  # until the test lets go, or the stream is closed

    async def aclose(self) -> None:
        if self._record is not None:
            self._record.closed += 1


class FakeUpstream(httpx.AsyncBaseTransport):
    """An OpenAI chat upstream as an injected transport; records what it was sent and what was closed."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self.closed = 0
        self.release = asyncio.Event()  # fake-slow streams hold until this is set
        self.gate: asyncio.Event | None = None  # when set, every answer waits for it (concurrency tests)
        self.arrived = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        self.requests.append(request)
        self.bodies.append(body)
        self.arrived += 1
        if self.gate is not None:
            await self.gate.wait()
        model = body["model"]
        if model in _ERRORS:
            status, headers, content = _ERRORS[model]
            return httpx.Response(status, headers=headers, content=content)
        if model == "fake-timeout":
            raise httpx.ReadTimeout("timed out")
        sse = {"content-type": "text/event-stream"}
        if model == "fake-midstream":
            return httpx.Response(200, headers=sse, stream=_Events(stream_events(model), fail_after=3, record=self))
        if model == "fake-slow":
            return httpx.Response(
                200, headers=sse, stream=_Events(stream_events(model), hold=self.release, record=self)
            )
        if body.get("stream"):
            return httpx.Response(200, headers=sse, stream=_Events(stream_events(model), record=self))
        return httpx.Response(200, json=_completion(model, body))


# ---------------------------------------------------------------- loopback HTTP server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length))
        self.server.seen_keys.append(self.headers.get("authorization", ""))
        model = body["model"]
        if model in _ERRORS:
            status, headers, content = _ERRORS[model]
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        if model == "fake-timeout":
            time.sleep(3)
            self.close_connection = True
            return
        if not body.get("stream") and model == "fake-ok":
            content = json.dumps(_completion(model, body)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = stream_events(model)
        try:
            for i, event in enumerate(events):
                if model == "fake-midstream" and i == 3:
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)  # cut mid-body: no terminating chunk
                    return
                self._chunk(event)
                if model == "fake-slow":
                    self._hold()
                    return
                if model == "fake-firehose":
                    self._firehose(model)
                    return
            self._chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _firehose(self, model: str) -> None:
        event = chunk_event(model, {"content": "x" * 8192})
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                self._chunk(event)
        except (BrokenPipeError, ConnectionResetError):
            self.server.client_gone.set()
        self.close_connection = True

    def _hold(self) -> None:
        """Keep the stream open, pinging, until a write fails because the client went away."""
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                time.sleep(0.05)
                self._chunk(b": ping\n\n")
        except (BrokenPipeError, ConnectionResetError):
            self.server.client_gone.set()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen_keys: list[str]
    client_gone: threading.Event


class LoopbackUpstream:
    """The fake upstream on 127.0.0.1 in a background thread; ``with LoopbackUpstream() as up: up.base_url``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.seen_keys = []
        self._server.client_gone = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def seen_keys(self) -> list[str]:
        return self._server.seen_keys

    @property
    def client_gone(self) -> threading.Event:
        return self._server.client_gone

    def __enter__(self) -> LoopbackUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
