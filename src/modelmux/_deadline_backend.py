"""The deadline-aware httpcore network backends :func:`modelmux._deadline.install` puts under the pooled transports.

Kept apart from ``_deadline`` so that importing modelmux does not import httpcore (httpx loads it on the first call).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore._utils import is_socket_readable

from ._asyncio_backend import AsyncioBackend, AsyncioStream
from ._deadline import _clip
from ._read_hook import BEFORE_READ

__all__ = ["install"]


class _Stream(httpcore.NetworkStream):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> _Stream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout))
        return _Stream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    __slots__ = ("_inner", "_socket")

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: Any = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        hook = BEFORE_READ.get()
        if hook is not None:  # a relay flushes what it holds before this read may wait (see _read_hook)
            await hook()
        return await self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _AsyncStream:
        inner = await self._inner.start_tls(ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout))
        return _AsyncStream(inner)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and not isinstance(self._inner, AsyncioStream):  # that one answers from a flag
            # httpcore's pool asks this of every idle connection each time a request starts or ends; anyio answers
            # through its typed-attribute lookup, about 70% of that check's CPU in a gateway profile: keep the socket.
            sock = self._socket
            if sock is None:
                sock = self._socket = self._inner.get_extra_info("socket")
            if sock is not None:
                return is_socket_readable(sock)
        return self._inner.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clip(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clip(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


#: The pooled async transports talk to sockets through plain asyncio (``_asyncio_backend``), not anyio.
_PLAIN_ASYNCIO = True


def _async_backend(default: httpcore.AsyncNetworkBackend) -> httpcore.AsyncNetworkBackend:
    return AsyncioBackend() if _PLAIN_ASYNCIO else default


def install(transport: Any) -> bool:
    """Put the deadline-aware backend under an httpx transport's pool (and a client's proxy mounts); whether it
    was (it is not if httpx's private attributes ever move: then callers fall back to coarser checks).

    """
    transports = [transport]
    if hasattr(transport, "_mounts"):  # an httpx client: its own transport and the proxy mounts
        transports = [getattr(transport, "_transport", None), *getattr(transport, "_mounts", {}).values()]
    installed = False
    for item in transports:
        pool: Any = getattr(item, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, (_Backend, _AsyncBackend)):
            installed = True
        elif isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend)
            installed = True
        elif isinstance(backend, httpcore.AsyncNetworkBackend):
            pool._network_backend = _AsyncBackend(_async_backend(backend))
            installed = True
    return installed
