"""Keep-alive connections per origin, within httpx-style limits, in O(1) per request.

Idle connections wait in one deque per origin: the newest is reused first (the likeliest to be alive), the
oldest expire first (``keepalive_expiry``). A connection the server closed while idle leaves the pool as soon
as the loop sees the close, so it is never handed out. At ``max_connections`` a request waits for a slot (an
idle connection of another origin is closed to make room first) up to the pool timeout
(``httpx.PoolTimeout``). A waiter cancelled after being woken passes its turn on, so no slot is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from .connection import Connection

__all__ = ["Pool"]


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(httpx.PoolTimeout("timed out waiting for a connection from the pool"))


class Pool:
    def __init__(self, max_connections: int | None, max_keepalive: int | None, keepalive_expiry: float | None) -> None:
        self._max = max_connections
        self._max_idle = max_keepalive
        self._expiry = keepalive_expiry
        self._idle: dict[Any, deque[Connection]] = {}
        self._idle_count = 0
        self.open = 0  # connections counted against max_connections (idle, in use, or being connected)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    @property
    def idle(self) -> int:
        return self._idle_count

    def _check_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections cannot move between loops: forget the old loop's
            self._loop = loop
            self._idle.clear()
            self._idle_count = self.open = 0
            self._waiters.clear()
        return loop

    async def acquire(
        self,
        key: Any,
        connect: Callable[[], Awaitable[Connection]],
        timeout: Callable[[], float | None],
        *,
        fresh: bool = False,
    ) -> tuple[Connection, bool]:
        """An idle connection to ``key`` (and True) or a new one from ``connect()`` (and False)."""
        loop = self._check_loop()
        if self.closed:
            raise httpx.ConnectError("the connection pool is closed")
        while True:
            if not fresh:
                conn = self._reuse(key, loop.time())
                if conn is not None:
                    conn.active = True
                    return conn, True
            if self._max is None or self.open < self._max or self._evict_one():
                break
            await self._wait(loop, timeout())
        self.open += 1
        try:
            conn = await connect()
        except BaseException:
            self._slot_freed()
            raise
        conn.active = True
        return conn, False

    def _reuse(self, key: Any, now: float) -> Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if not conn.closed and (self._expiry is None or now - conn.idle_since <= self._expiry):
                return conn
            conn.close()
            self._slot_freed()
        return None

    def _evict_one(self) -> bool:
        """Close the oldest idle connection of any origin to make room for a new one."""
        oldest: deque[Connection] | None = None
        for idle in self._idle.values():
            if idle and (oldest is None or idle[0].idle_since < oldest[0].idle_since):
                oldest = idle
        if oldest is None:
            return False
        oldest.popleft().close()
        self._idle_count -= 1
        self.open -= 1
        return True

    async def _wait(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> None:
        waiter = loop.create_future()
        self._waiters.append(waiter)
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._wake_one()  # woken, then cancelled: the slot goes to the next in line
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _wake_one(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _slot_freed(self) -> None:
        self.open -= 1
        if self._waiters:
            self._wake_one()

    def release(self, conn: Connection) -> None:
        """A request is done with ``conn``: keep it for reuse if it may be, else close it."""
        conn.active = False
        if self.closed or not conn.reusable or conn.closed or conn.transport.is_closing() or self._loop is None:
            self.discard(conn, inactive=True)
            return
        now = self._loop.time()
        self._prune(now)
        if self._max_idle is not None and self._idle_count >= self._max_idle:
            self.discard(conn, inactive=True)
            return
        conn.idle_since = now
        idle = self._idle.get(conn.key)
        if idle is None:
            idle = self._idle[conn.key] = deque()
        idle.append(conn)
        self._idle_count += 1
        if self._waiters:  # a waiter for another origin may now evict it
            self._wake_one()

    def discard(self, conn: Connection, *, inactive: bool = False) -> None:
        """Close a connection that was in use (an error, a cancellation, a response not read to its end)."""
        if not inactive and not conn.active:
            return  # already released or discarded
        conn.active = False
        conn.close()
        self._slot_freed()

    def forget_idle(self, conn: Connection) -> None:
        """The server closed an idle connection: it leaves the pool now."""
        idle = self._idle.get(conn.key)
        if idle is None:
            return
        try:
            idle.remove(conn)
        except ValueError:
            return
        self._idle_count -= 1
        self._slot_freed()

    def _prune(self, now: float) -> None:
        if self._expiry is None:
            return
        for idle in self._idle.values():
            while idle and now - idle[0].idle_since > self._expiry:
                idle.popleft().close()
                self._idle_count -= 1
                self._slot_freed()

    def close(self) -> None:
        self.closed = True
        for idle in self._idle.values():
            while idle:
                idle.popleft().close()
                self._idle_count -= 1
                self.open -= 1
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(httpx.PoolTimeout("the connection pool was closed"))
