"""The total deadline, down to each socket operation of the pooled transports.

httpx's timeouts bound each read, so an upstream that drips one byte every 50 ms (even inside its status line)
never times out. The pooled transports (sync and async) get a network backend whose streams clip every connect,
read and write timeout to the time left before the deadline of the call in progress (a context variable set by
``_http``/``_streaming`` around each blocking step). Without a deadline set, it changes nothing. This costs a
context-variable lookup per socket operation, where an ``asyncio`` timeout per read would cost a timer; an
injected transport (no sockets of ours) gets ``_http.awithin`` per read instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["DEADLINE", "FIRST_CHUNK_DEADLINE", "deadline_scope", "install"]

#: The deadline (``time.monotonic()``) of the call in progress; hot loops set and reset it inline.
DEADLINE: ContextVar[float | None] = ContextVar("modelmux_deadline", default=None)
_deadline = DEADLINE
#: An earlier deadline while an attempt waits for its stream's first chunk (``first_chunk_timeout``,
#: ``_stream_first``): socket operations stop at whichever comes first. Set around the send and the first read only.
FIRST_CHUNK_DEADLINE: ContextVar[float | None] = ContextVar("modelmux_first_chunk_deadline", default=None)
_first = FIRST_CHUNK_DEADLINE


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
    first = _first.get()
    if first is not None and (deadline is None or first < deadline):
        deadline = first
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the call's total timeout has passed")
    return remaining if timeout is None or remaining < timeout else timeout


def install(transport: Any) -> bool:
    """Put the deadline-aware backend under an httpx transport's pool (and a client's proxy mounts); whether it
    was (it is not if httpx's private attributes ever move: then callers fall back to coarser checks)."""
    from ._deadline_backend import install as install_backend  # httpcore, needed by now anyway

    return install_backend(transport)
