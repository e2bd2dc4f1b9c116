"""A scripted upstream (an httpx MockTransport, sync and async) and a fake clock for the retry tests.

``Upstream`` answers each request with the next scripted action of the requested model (OpenAI's or Anthropic's
wire format, chosen by the path): an ``httpx.Response``, an exception to raise (a connection reset), ``HANG``
(async only: wait until cancelled), or ``"ok"`` (a success). It records what was sent (model, host, key, timeout).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx

from fake_clock import FakeClock, fake_clock

__all__ = ["HANG", "FakeClock", "Sent", "Upstream", "error", "fake_clock", "openai_sse"]

HANG = "hang"
MSG = [{"role": "user", "content": "hi"}]


@dataclass
class Sent:
    model: str
    host: str
    key: str | None
    timeout: dict[str, float | None]
    body: dict[str, Any]


def error(
    status: int, message: str = "boom", *, code: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An OpenAI-format error answer."""
    payload = {"error": {"message": message, "type": "server_error", "code": code}}
    return httpx.Response(status, json=payload, headers=headers or {})


def anthropic_error(status: int, kind: str, message: str = "boom") -> httpx.Response:
    return httpx.Response(status, json={"type": "error", "error": {"type": kind, "message": message}})


def openai_sse(*texts: str, done: bool = True) -> bytes:
    events = [
        {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": t}}]}
        for t in texts
    ]
    if done:
        events.append(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
        )
    out = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return out + (b"data: [DONE]\n\n" if done else b"")


def _ok(model: str, anthropic: bool, stream: bool) -> httpx.Response:
    if stream:
        return httpx.Response(200, content=openai_sse("hello ", model), headers={"content-type": "text/event-stream"})
    if anthropic:
        return httpx.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": f"hello {model}"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 1, "output_tokens": 2},
            },
        )
    message = {"role": "assistant", "content": f"hello {model}"}
    return httpx.Response(200, json={"id": "1", "model": model, "choices": [{"index": 0, "message": message}]})


class Upstream:
    """Scripted answers per model; unscripted requests succeed."""

    def __init__(self, **scripts: list[Any]) -> None:
        self.scripts = {k.replace("__", "/").replace("_", "-"): list(v) for k, v in scripts.items()}
        self.sent: list[Sent] = []
        self.transport = httpx.MockTransport(self.handle)
        self.atransport = httpx.MockTransport(self.ahandle)

    def script(self, model: str, *actions: Any) -> Upstream:
        self.scripts[model] = list(actions)
        return self

    @property
    def models(self) -> list[str]:
        return [s.model for s in self.sent]

    def _next(self, request: httpx.Request) -> tuple[Any, str, bool, bool]:
        body = json.loads(request.content)
        model = body.get("model") or request.url.path.split("/deployments/")[-1].split("/")[0]
        key = request.headers.get("authorization") or request.headers.get("x-api-key") or request.headers.get("api-key")
        self.sent.append(Sent(model, request.url.host, key, request.extensions.get("timeout", {}), body))
        actions = self.scripts.get(model) or []
        action = actions.pop(0) if actions else "ok"
        return action, model, "/messages" in request.url.path, bool(body.get("stream"))

    def handle(self, request: httpx.Request) -> httpx.Response:
        action, model, anthropic, stream = self._next(request)
        if action == HANG:
            raise httpx.ReadTimeout("hung", request=request)
        if isinstance(action, BaseException):
            raise action
        if isinstance(action, httpx.Response):
            return action
        return _ok(model, anthropic, stream)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        action, model, anthropic, stream = self._next(request)
        if action == HANG:
            await asyncio.sleep(30)
        if isinstance(action, BaseException):
            raise action
        if isinstance(action, httpx.Response):
            return action
        return _ok(model, anthropic, stream)
