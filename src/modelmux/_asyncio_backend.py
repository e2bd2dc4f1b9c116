"""An httpcore network backend on plain asyncio transports, for the pooled async clients (``_deadline.install``).

httpcore's default async backend goes through anyio: every read and write enters a cancel scope with its own
deadline and a checkpoint (an extra event-loop turn), and the pool's per-idle-connection liveness check costs a
``getpeername`` and a ``poll``. Here a connection is an ``asyncio.Protocol`` that buffers what arrives: a read of
data already there returns at once, a timer is armed only when a read has to wait, and liveness is a flag the
loop's ``eof_received``/``connection_lost`` callbacks keep. HTTP/1.1, pooling, proxies (tunnels through
``start_tls``) and TLS settings stay httpcore's and httpx's; errors are httpcore's (``ConnectError``,
``ReadTimeout``...), so httpx maps them as before.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore

__all__ = ["AsyncioBackend", "AsyncioStream"]

#: Past this many unread bytes the socket stops being read until the reader catches up.
_HIGH_WATER = 256 * 1024


class _Protocol(asyncio.Protocol):
    __slots__ = ("_buffered", "_chunks", "_drain", "_paused_reading", "_waiter", "closed", "error", "transport")

    def __init__(self) -> None:
        self.transport: Any = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._paused_reading = False
        self.closed = False  # EOF or connection lost: nothing more will arrive
        self.error: BaseException | None = None

    # ---- callbacks from the event loop

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > _HIGH_WATER and not self._paused_reading:
            self._paused_reading = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(httpcore.WriteError(f"connection lost: {exc}" if exc else "connection lost"))

    def pause_writing(self) -> None:
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---- what the stream asks

    def take(self, max_bytes: int) -> bytes:
        chunks = self._chunks
        data = chunks.popleft()
        if len(data) > max_bytes:
            chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        self._buffered -= len(data)
        if self._paused_reading and self._buffered <= _HIGH_WATER // 4 and not self.closed:
            self._paused_reading = False
            self.transport.resume_reading()
        return data

    def has_data(self) -> bool:
        return bool(self._chunks)

    async def wait(self, timeout: float | None) -> None:
        """Until data, EOF or loss; :class:`httpcore.ReadTimeout` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter, httpcore.ReadTimeout)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    async def drained(self, timeout: float | None) -> None:
        drain = self._drain
        if drain is None:
            return
        loop = asyncio.get_running_loop()
        timer = None if timeout is None else loop.call_later(timeout, _expire, drain, httpcore.WriteTimeout)
        try:
            await asyncio.shield(drain)
        finally:
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None], error: type[Exception]) -> None:
    if not waiter.done():
        waiter.set_exception(error("timed out"))


class AsyncioStream(httpcore.AsyncNetworkStream):
    __slots__ = ("_protocol",)

    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.has_data():
            if protocol.closed:
                return self._at_end()
            await protocol.wait(timeout)
            if not protocol.has_data():
                return self._at_end()
        return protocol.take(max_bytes)

    def _at_end(self) -> bytes:
        error = self._protocol.error
        if error is not None:
            raise httpcore.ReadError(str(error) or type(error).__name__)
        return b""  # EOF: httpcore decides whether the answer was complete

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        transport = protocol.transport
        if protocol.closed or transport.is_closing():
            raise httpcore.WriteError("connection closed")
        try:
            transport.write(buffer)
        except (OSError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc)) from exc
        await protocol.drained(timeout)

    async def aclose(self) -> None:
        self._protocol.transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> AsyncioStream:
        protocol = self._protocol
        loop = asyncio.get_running_loop()
        try:
            upgrade = loop.start_tls(protocol.transport, protocol, ssl_context, server_hostname=server_hostname)
            transport = await _within(timeout, upgrade)
        except asyncio.TimeoutError:
            protocol.transport.abort()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            protocol.transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        protocol.transport = transport
        return AsyncioStream(protocol)

    def get_extra_info(self, info: str) -> Any:
        transport = self._protocol.transport
        if info == "is_readable":  # of an idle connection: the server closed it, or sent what nobody asked for
            return self._protocol.closed or self._protocol.has_data()
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


async def _within(timeout: float | None, work: Any) -> Any:
    if timeout is None:
        return await work
    return await asyncio.wait_for(work, timeout)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        connect = loop.create_connection(_Protocol, host, port, local_addr=local)
        return await self._connected(connect, timeout, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        connect = asyncio.get_running_loop().create_unix_connection(_Protocol, path)
        return await self._connected(connect, timeout, socket_options)

    async def _connected(self, connect: Any, timeout: float | None, options: Iterable[Any] | None) -> AsyncioStream:
        try:
            _transport, protocol = await _within(timeout, connect)
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout("connect timed out") from None
        except OSError as exc:  # refused, unreachable, name resolution (socket.gaierror)...
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock: socket.socket | None = protocol.transport.get_extra_info("socket")
        if sock is not None:
            for option in options or ():
                sock.setsockopt(*option)
        return AsyncioStream(protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
