"""The constant-answer ASGI app of ``bench_gateway_wrk.py``: the floor of what any app costs under uvicorn.

It reads the request body, then answers with the bytes the fake upstream would send (its 30-word
``chat.completion``, or, when the body contains ``"stream"``, its 200-event SSE stream) in one write, encoded
once at import. No JSON parsing, no routing, no validation: what is left is uvicorn's own cost per request.

    python -m uvicorn --app-dir benchmarks bench_gateway_const_app:app --log-level warning
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_upstream import Responses

_responses = Responses()


def _body(raw: bytes) -> bytes:
    """The body of a fully encoded HTTP/1.1 response (the fake upstream's), without its head and chunking."""
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head:
        return body
    parts: list[bytes] = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return b"".join(parts)
        parts.append(body[:size])
        body = body[size + 2 :]


_CHAT = _body(_responses.openai_json)
_STREAM = _body(_responses.openai_sse)
_CHAT_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(_CHAT))]
_STREAM_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] == "GET":  # /health, for the readiness poll
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    stream = b'"stream"' in body
    await send({"type": "http.response.start", "status": 200, "headers": _STREAM_HEADERS if stream else _CHAT_HEADERS})
    await send({"type": "http.response.body", "body": _STREAM if stream else _CHAT})
