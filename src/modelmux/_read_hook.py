"""A callback the pooled async transports await right before each network read of the task in progress.

A relay that forwards a stream (the gateway) keeps what it translated from one network read and writes it out when
the upstream is about to be read again: one write per network read instead of one per event, and nothing held back
while the upstream is quiet (the callback runs before the read waits). Without a callback set, nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

__all__ = ["BEFORE_READ"]

#: Awaited before every network read of a body by ``_fastclient.body`` and ``_deadline_backend``'s async streams
#: (a context variable: per task).
BEFORE_READ: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("modelmux_before_read", default=None)
