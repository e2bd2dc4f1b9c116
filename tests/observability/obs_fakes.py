"""A scripted OpenAI-format upstream for the observability tests (answers with usage, so costs are known)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from modelmux.callbacks import Callback, CallEvent, register, unregister

MSG = [{"role": "user", "content": "hi"}]
KEY = "sk-test-0123456789abcdef0123456789abcdef"
USAGE = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}


def chat_json(model: str = "gpt-4o-2024-08-06") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": USAGE,
    }


def sse(*texts: str, usage: bool = True, finish: bool = True, model: str = "gpt-4o-2024-08-06") -> bytes:
    base = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": model}
    events: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": {"content": t}}]} for t in texts]
    if finish:
        events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if usage:
            events.append({**base, "choices": [], "usage": USAGE})
    out = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return out + (b"data: [DONE]\n\n" if finish else b"")


class Upstream:
    """Answers each request with the next scripted response (default: a success)."""

    def __init__(self, *script: httpx.Response | BaseException) -> None:
        self.script = list(script)
        self.sent: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        action = self.script.pop(0) if self.script else None
        if isinstance(action, BaseException):
            raise action
        if action is not None:
            return action
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, content=sse("hel", "lo"), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=chat_json())


def error(status: int, message: str = "boom") -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "server_error"}})


class Recorder(Callback):
    """Keeps every hook call as ``(hook, event)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, CallEvent]] = []

    def on_start(self, event: CallEvent) -> None:
        self.calls.append(("start", event))

    def on_success(self, event: CallEvent) -> None:
        self.calls.append(("success", event))

    def on_failure(self, event: CallEvent) -> None:
        self.calls.append(("failure", event))

    def on_stream_end(self, event: CallEvent) -> None:
        self.calls.append(("stream_end", event))

    @property
    def hooks(self) -> list[str]:
        return [hook for hook, _ in self.calls]

    @property
    def last(self) -> CallEvent:
        return self.calls[-1][1]


@contextmanager
def registered(handler: Any) -> Iterator[Any]:
    register(handler)
    try:
        yield handler
    finally:
        unregister(handler)
