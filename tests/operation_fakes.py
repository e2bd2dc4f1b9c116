"""A scripted upstream answering every non-chat operation (embeddings, images, transcriptions, moderations in
OpenAI's format; rerank in Cohere's), and :func:`invoke` to call any operation sync or async against it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

import modelmux

__all__ = ["OK", "OPERATIONS", "Scripted", "error", "invoke"]

#: The success answer of each operation's endpoint (the last path segment), in the provider's format.
OK: dict[str, dict[str, Any]] = {
    "embeddings": {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}], "model": "m"},
    "generations": {"created": 1, "data": [{"url": "https://example.com/cat.png"}]},
    "transcriptions": {"text": "hello"},
    "moderations": {
        "id": "modr-1",
        "model": "omni-moderation-latest",
        "results": [{"flagged": False, "categories": {}, "category_scores": {}}],
    },
    "rerank": {"id": "r1", "results": [{"index": 0, "relevance_score": 0.9}]},
}


class Scripted:
    """Answers each request with the next scripted action (a response, or an exception to raise), then success."""

    def __init__(self, *actions: Any) -> None:
        self.actions = list(actions)
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.actions:
            action = self.actions.pop(0)
            if isinstance(action, BaseException):
                raise action
            return action
        return httpx.Response(200, json=OK[request.url.path.rsplit("/", 1)[-1]])

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def hosts(self) -> list[str]:
        return [r.url.host for r in self.requests]


Call = Callable[..., Any]

OPERATIONS: dict[str, tuple[Call, Call, str, dict[str, Any]]] = {
    "embedding": (modelmux.embedding, modelmux.aembedding, "openai/text-embedding-3-small", {"input": "hi"}),
    "image_generation": (modelmux.image_generation, modelmux.aimage_generation, "openai/dall-e-3", {"prompt": "a cat"}),
    "transcription": (
        modelmux.transcription,
        modelmux.atranscription,
        "openai/whisper-1",
        {"file": ("a.wav", b"RIFF....WAVE", "audio/wav")},
    ),
    "moderation": (modelmux.moderation, modelmux.amoderation, "openai/omni-moderation-latest", {"input": "hi"}),
    "rerank": (modelmux.rerank, modelmux.arerank, "cohere/rerank-v3.5", {"query": "q", "documents": ["a", "b"]}),
}


def invoke(operation: str, up: Scripted, *, use_async: bool = False, **kwargs: Any) -> Any:
    sync, async_, model, defaults = OPERATIONS[operation]
    args = {name: kwargs.pop(name, value) for name, value in defaults.items()}  # a test may give its own
    kwargs.setdefault("api_key", "k")
    if operation == "moderation":
        kwargs.setdefault("model", model)
        positional: tuple[Any, ...] = ()
    else:
        positional = (kwargs.pop("model", model),)
    if not use_async:
        return sync(*positional, **args, transport=httpx.MockTransport(up.handle), **kwargs)
    return asyncio.run(async_(*positional, **args, transport=httpx.MockTransport(up.ahandle), **kwargs))


def error(status: int, message: str = "boom", *, headers: dict[str, str] | None = None) -> httpx.Response:
    """An OpenAI-format error answer."""
    return httpx.Response(status, json={"error": {"message": message, "type": "server_error"}}, headers=headers or {})
