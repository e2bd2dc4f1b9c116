"""The total deadline on the sync path, down to each socket operation.

httpx's timeouts bound each read, so a sync upstream that drips one byte every 50 ms (even inside its status
line) never times out. The sync connection pool gets a network backend whose streams clip every connect, read
and write timeout to the time left before the deadline of the call in progress (a context variable set by
``_http`` around each blocking step). Without a deadline set, it changes nothing. Async calls are cut by
``asyncio`` timeouts instead (``_http.awithin``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore

__all__ = ["deadline_scope", "install"]

_deadline: ContextVar[float | None] = ContextVar("modelmux_deadline", default=None)


@contextmanager
def deadline_scope(deadline: float | None) -> Iterator[None]:
    """Socket operations of this thread inside the block stop at ``deadline`` (``time.monotonic()``)."""
    if deadline is None:
        yield
        return
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the call's total timeout has passed")
    return remaining if timeout is None or remaining < timeout else timeout


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


def install(transport: Any) -> None:
    """Put the deadline-aware backend under a sync httpx transport's pool (and a client's proxy mounts).

    It reaches into httpx's and httpcore's private attributes; if they ever move, nothing is installed and
    the sync path falls back to checking the deadline between reads (``_http.check_deadline``).
    """
    transports = [transport]
    if hasattr(transport, "_mounts"):  # an httpx.Client: its own transport and the proxy mounts
        transports = [getattr(transport, "_transport", None), *getattr(transport, "_mounts", {}).values()]
    for item in transports:
        pool = getattr(item, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
