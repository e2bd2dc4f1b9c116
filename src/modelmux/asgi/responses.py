"""Complete (non-streamed) answers: a status, a body, its content type."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .errors import HTTPError
from .limits.budget_meter import charge
from .types import Send

__all__ = ["JSON", "Response", "error_response", "json_response", "model_response", "text_response"]

JSON = b"application/json"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: bytes = JSON
    headers: tuple[tuple[bytes, bytes], ...] = ()

    async def send(self, send: Send) -> None:
        headers = [(b"content-type", self.content_type), (b"content-length", b"%d" % len(self.body)), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def model_response(model: BaseModel, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Response:
    """A pydantic model as OpenAI sends it (``None`` fields left out, unknown fields kept); a call's answer is
    counted against the key's spend budget, when it has one."""
    charge(model)
    return Response(200, model.__pydantic_serializer__.to_json(model, exclude_none=True), headers=headers)


def text_response(text: str) -> Response:
    return Response(200, text.encode("utf-8"), b"text/plain; charset=utf-8")


def error_response(exc: HTTPError) -> Response:
    return Response(exc.status, exc.body(), JSON, exc.headers)
