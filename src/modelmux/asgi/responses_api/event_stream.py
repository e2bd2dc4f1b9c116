"""Responses events as server-sent events: ``event: {type}`` and ``data: {json}`` per event, as OpenAI sends them
(no ``[DONE]``: ``response.completed``, ``response.incomplete`` or ``response.failed`` ends the stream).

Written by the generic event writer of the Anthropic route (a 200, then ready-made bytes, a failure becoming events
that end the stream cleanly): here the failure is an ``error`` event then ``response.failed``, numbered after the
last event sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..._responses.streams import AsyncResponseStream
from ..anthropic_api.event_stream import AnthropicEventStream
from ..errors import HTTPError

__all__ = ["encode", "event_stream"]

#: Responses' error codes by the gateway's status (``ResponseError.code`` in the API reference).
_CODES = {429: "rate_limit_exceeded", 400: "invalid_prompt"}


def encode(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        b"event: "
        + str(event["type"]).encode()
        + b"\ndata: "
        + json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
        + b"\n\n"
        for event in events
    )


async def _bytes(stream: AsyncResponseStream) -> AsyncIterator[bytes]:
    async for batch in stream.batches():
        yield encode(batch)


def event_stream(stream: AsyncResponseStream, on_error: Callable[[Exception], HTTPError]) -> AnthropicEventStream:
    def failed(exc: Exception) -> bytes:
        error = on_error(exc)
        return encode(stream.failure_events(error.message, _CODES.get(error.status, "server_error")))

    return AnthropicEventStream(b"", _bytes(stream), close=stream.aclose, on_error=failed)
