"""An OpenAI-shaped upstream (chat, streamed chat, embeddings) that counts what reaches it, and a fake clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

MSG = [{"role": "user", "content": "hi"}]


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def sse(*texts: str, usage: bool = True, done: bool = True) -> bytes:
    events: list[dict[str, Any]] = [
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": t}}],
        }
        for t in texts
    ]
    if done:
        events.append(
            {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o",
             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        )  # fmt: skip
    if usage and done:
        events.append(
            {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [],
             "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}
        )  # fmt: skip
    out = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return out + (b"data: [DONE]\n\n" if done else b"")


@dataclass
class Upstream:
    """Answers every request; ``sent`` holds the JSON bodies, ``fail`` the statuses to answer first."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    fail: list[int] = field(default_factory=list)
    broken_stream: bool = False
    answers: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.sent.append(body)
        if self.fail:
            status = self.fail.pop(0)
            return httpx.Response(status, json={"error": {"message": "boom", "type": "server_error"}})
        self.answers += 1
        if request.url.path.endswith("/embeddings"):
            data = [{"object": "embedding", "index": 0, "embedding": [0.1 * self.answers, 0.2]}]
            return httpx.Response(
                200,
                json={
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                },
            )
        if body.get("stream"):
            content = sse("hello ", f"#{self.answers}", done=not self.broken_stream)
            return httpx.Response(200, content=content, headers={"content-type": "text/event-stream"})
        message = {"role": "assistant", "content": f"answer #{self.answers}"}
        return httpx.Response(
            200,
            json={
                "id": f"chatcmpl-{self.answers}",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
            },
        )

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def atransport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.ahandle)
