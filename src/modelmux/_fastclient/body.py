"""A response body as an ``httpx.AsyncByteStream``: one buffer per network read, the connection back to the pool
at the end.

Before each read the task's ``modelmux._read_hook.BEFORE_READ`` callback is awaited (a relay flushes what it
holds before the read may wait). A read that has to wait is bounded by the read timeout clipped to the call's
deadline (``modelmux._deadline``); one that finds data returns at once. A body read to its end returns the
connection to the pool; closing it before the end, an error or a cancellation closes the connection instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from .._deadline import _clip
from .._read_hook import BEFORE_READ
from .connection import Connection

if TYPE_CHECKING:
    from .pool import Pool

__all__ = ["Body"]


class Body(httpx.AsyncByteStream):
    __slots__ = ("_conn", "_done", "_pool", "_read_timeout")

    def __init__(self, conn: Connection, pool: Pool, read_timeout: float | None) -> None:
        self._conn = conn
        self._pool = pool
        self._read_timeout = read_timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._done:
            raise httpx.StreamConsumed()
        conn = self._conn
        ready = conn.ready
        try:
            while True:
                if not ready:
                    if conn.message_done:
                        break
                    if conn.failure is not None:
                        raise conn.failure
                hook = BEFORE_READ.get()
                if hook is not None:  # see _read_hook: the gateway writes what it holds before this read
                    await hook()
                while not ready and not conn.message_done:
                    if conn.failure is not None:
                        raise conn.failure
                    if conn.closed:
                        raise httpx.ReadError("connection closed")
                    await conn.wait(_clip(self._read_timeout, httpx.ReadTimeout))
                if not ready:
                    break
                yield conn.take()
        except BaseException as exc:  # closed early (GeneratorExit: reused if the body was complete), error, cancel
            self._finish(reuse=isinstance(exc, GeneratorExit))
            raise
        self._finish(reuse=True)

    async def read_all(self, limit: int) -> bytes:
        """The whole body without an async generator per read (most answers are in hand with their head); once
        it is over ``limit`` bytes the reading stops and the connection closes: the caller refuses the answer."""
        if self._done:
            raise httpx.StreamConsumed()
        conn = self._conn
        ready = conn.ready
        parts: list[bytes] = []
        size = 0
        try:
            while True:
                while ready:
                    part = conn.take()
                    size += len(part)
                    parts.append(part)
                    if size > limit:
                        self._finish(reuse=False)
                        return b"".join(parts)
                if conn.message_done:
                    break
                if conn.failure is not None:
                    raise conn.failure
                if conn.closed:
                    raise httpx.ReadError("connection closed")
                await conn.wait(_clip(self._read_timeout, httpx.ReadTimeout))
        except BaseException:
            self._finish(reuse=False)
            raise
        self._finish(reuse=True)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _finish(self, *, reuse: bool) -> None:
        if self._done:
            return
        self._done = True
        conn = self._conn
        if reuse and conn.message_done and not conn.ready:
            self._pool.release(conn)
        else:
            self._pool.discard(conn)

    async def aclose(self) -> None:
        """Before the end: the connection closes (what is still coming is not read); at the end: back to the pool."""
        self._finish(reuse=True)
