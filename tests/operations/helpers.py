"""Shared bits of the operations tests: a key, transports that record or refuse, and multipart parsing."""

from __future__ import annotations

import json
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

KEY = "sk-ops-test-key-0123456789abcdef"


def form_fields(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """A multipart/form-data body as ``({name: value or [values]}, {name: (filename, bytes, content type)})``."""
    message: Message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload, part.get_content_type())
        elif name in fields:
            fields[name] = [*(fields[name] if isinstance(fields[name], list) else [fields[name]]), payload.decode()]
        else:
            fields[name] = payload.decode()
    return fields, files


class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request with one canned response and keeps the requests (body read)."""

    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        self.headers = headers or {"content-type": "application/json"}
        self.requests: list[httpx.Request] = []

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, content=self.body, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._answer(request)

    @property
    def json(self) -> Any:
        return json.loads(self.requests[-1].content)


class Refuse(httpx.BaseTransport):
    """Fails the test if anything is sent: validation must happen before the network."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing should be sent, got {request.method} {request.url}")
