"""The bounds of one upstream call: a total deadline and size limits, and reading a body within them.

``timeout`` is a total deadline for the whole call (connect, first byte, body, and for streams the whole
stream), not a limit per read; a non-streamed answer is read incrementally and refused past
``max_response_bytes``. Defaults: ``_http.DEFAULT_TIMEOUT`` (600 s total, 10 s to connect),
:data:`DEFAULT_MAX_RESPONSE_BYTES` (32 MiB), ``_sse.DEFAULT_MAX_EVENT_BYTES`` (8 MiB).
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from ._deadline import FIRST_CHUNK_DEADLINE
from ._sse import DEFAULT_MAX_EVENT_BYTES
from .errors import APITimeoutError, BadRequestError, UpstreamError

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Limits",
    "aread_body",
    "awithin",
    "check_deadline",
    "check_first_chunk",
    "limits_of",
    "read_body",
    "timed_out",
]

T = TypeVar("T")

#: Largest non-streamed answer (or error body, or JSON document answering a stream request) read.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one call."""

    #: Seconds for the whole upstream call; None only when an ``httpx.Timeout`` with a None field asks for it.
    total: float | None
    max_response_bytes: int
    max_event_bytes: int


def limits_of(timeout: httpx.Timeout, max_response_bytes: Any, max_event_bytes: Any) -> Limits:
    """The call's bounds: the total deadline is the largest per-phase limit (None if one is unbounded)."""
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    total = None if any(p is None for p in phases) else max(p for p in phases if p is not None)
    return Limits(
        total,
        _size(max_response_bytes, "max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES),
        _size(max_event_bytes, "max_event_bytes", DEFAULT_MAX_EVENT_BYTES),
    )


def _size(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequestError(f"{name} must be a positive number of bytes, got {value!r}", param=name)
    return value


def timed_out(what: str = "the upstream call") -> APITimeoutError:
    return APITimeoutError(f"{what} exceeded its timeout (the total time allowed for the call)")


def check_deadline(deadline: float | None) -> None:
    """Raise :class:`APITimeoutError` once the call's deadline has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise timed_out()


def check_first_chunk() -> None:
    """Raise :class:`APITimeoutError` once the attempt's ``first_chunk_timeout`` has passed (``_stream_first``).

    For what no socket of ours bounds (an injected transport without a pool): checked after the send and after
    each read until the first chunk, so a late first chunk is never handed over."""
    first = FIRST_CHUNK_DEADLINE.get()
    if first is not None and time.monotonic() >= first:
        raise APITimeoutError("no first stream chunk within first_chunk_timeout")


async def awithin(awaitable: Awaitable[T], deadline: float | None) -> T:
    """Await ``awaitable``, cancelled at ``deadline`` (a ``time.monotonic()`` value) with APITimeoutError."""
    if deadline is None:
        return await awaitable
    import asyncio  # only async callers pay for it

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()  # never awaited: no "coroutine was never awaited" warning
        raise timed_out()
    try:
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(remaining):
                return await awaitable
        return await asyncio.wait_for(awaitable, remaining)
    except (TimeoutError, asyncio.TimeoutError):
        raise timed_out() from None


def _too_big(limit: int) -> UpstreamError:
    return UpstreamError(
        f"the provider's answer is larger than max_response_bytes ({limit} bytes); refused", status_code=502
    )


def _declared_length(headers: Mapping[str, str]) -> int:
    try:
        return int(headers.get("content-length") or 0)
    except ValueError:
        return 0


def read_body(response: httpx.Response, deadline: float | None, limit: int) -> bytes:
    """Read a response body a network read at a time, within the deadline and ``limit`` bytes; close it."""
    try:
        if _declared_length(response.headers) > limit:
            raise _too_big(limit)
        parts: list[bytes] = []
        size = 0
        for part in response.iter_bytes():
            size += len(part)
            if size > limit:
                raise _too_big(limit)
            parts.append(part)
            check_deadline(deadline)
        body = parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        response.close()
    response._content = body
    return body


async def aread_body(response: httpx.Response, deadline: float | None, limit: int, *, clipped: bool = False) -> bytes:
    """The async twin of :func:`read_body`; cut at the deadline (by a timer per read unless ``clipped``)."""
    if _declared_length(response.headers) > limit:
        await response.aclose()
        raise _too_big(limit)
    read_all = getattr(response.stream, "read_all", None)  # modelmux's own client: no per-read generator
    if read_all is not None and "content-encoding" not in response.headers:
        body: bytes = await read_all(limit)  # each wait clipped to the deadline by the client itself
        response.is_stream_consumed = response.is_closed = True
        if len(body) > limit:
            raise _too_big(limit)
        response._content = body
        return body
    try:
        parts: list[bytes] = []
        size = 0
        chunks: AsyncIterator[bytes] = response.aiter_bytes()
        while True:
            try:
                part = await (chunks.__anext__() if clipped else awithin(chunks.__anext__(), deadline))
            except StopAsyncIteration:
                break
            check_deadline(deadline)
            size += len(part)
            if size > limit:
                raise _too_big(limit)
            parts.append(part)
        body = parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        await response.aclose()
    response._content = body
    return body
