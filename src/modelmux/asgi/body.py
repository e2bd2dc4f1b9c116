"""Reading a request body without trusting it: counted as it arrives, refused (413) past the limit, and given up
(408) when it takes longer than its deadline, so a half-sent body cannot hold a connection or a key's slot."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable
from typing import TypeVar

from .errors import HTTPError
from .types import Message, Receive

__all__ = ["ClientGone", "read_body", "too_large", "too_slow", "within"]

T = TypeVar("T")

if sys.version_info >= (3, 11):

    async def within(seconds: float, work: Awaitable[T]) -> T:
        """``await work``, or :class:`asyncio.TimeoutError` after ``seconds`` (no task per call, unlike wait_for)."""
        async with asyncio.timeout(seconds):
            return await work

else:  # pragma: no cover - Python 3.10

    async def within(seconds: float, work: Awaitable[T]) -> T:
        """``await work``, or :class:`asyncio.TimeoutError` after ``seconds``."""
        return await asyncio.wait_for(work, seconds)


#: Sent with a 408: the unread rest of the body must not be parsed as the next request.
_CLOSE = ((b"connection", b"close"),)


class ClientGone(Exception):
    """The client disconnected before its request was read (or stopped reading its answer)."""


def too_large(limit: int) -> HTTPError:
    return HTTPError(
        413,
        f"Request body too large: this key may send at most {limit} bytes.",
        code="request_too_large",
    )


def too_slow(timeout: float) -> HTTPError:
    return HTTPError(
        408,
        f"Request body not received within {timeout:g} seconds.",
        code="request_timeout",
        headers=_CLOSE,
    )


async def read_body(receive: Receive, *, limit: int, content_length: int | None, timeout: float | None = None) -> bytes:
    """The whole body, or :class:`HTTPError` 413 as soon as it is known to exceed ``limit`` bytes, or 408 when it is
    not all there ``timeout`` seconds after the reading began.

    A declared ``Content-Length`` over the limit is refused before a byte is read; otherwise the bytes are counted as
    they arrive, so an undeclared (chunked) or lying body is cut off at ``limit + 1``, never buffered whole.
    """
    if content_length is not None and content_length > limit:
        raise too_large(limit)
    deadline = None if timeout is None else time.monotonic() + timeout
    parts: list[bytes] = []
    size = 0
    while True:
        message = await _next(receive, deadline, timeout)
        kind = message["type"]
        if kind == "http.disconnect":
            raise ClientGone
        if kind != "http.request":
            continue
        chunk = message.get("body") or b""
        if chunk:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            parts.append(chunk)
        if not message.get("more_body", False):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


async def _next(receive: Receive, deadline: float | None, timeout: float | None) -> Message:
    if deadline is None or timeout is None:
        return await receive()
    left = deadline - time.monotonic()
    if left <= 0:
        raise too_slow(timeout)
    try:
        return await within(left, receive())
    except asyncio.TimeoutError:
        raise too_slow(timeout) from None
