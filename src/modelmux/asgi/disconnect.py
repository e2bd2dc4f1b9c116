"""Cancel the work on a request as soon as its client disconnects.

The body has been read by then, so the only message left to receive is ``http.disconnect``: a watcher waits for it
and cancels the work (the upstream call and its stream close in their ``finally``), so a client that leaves stops
the provider request promptly and leaves no task or connection behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from .types import Receive

__all__ = ["until_disconnect"]


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def until_disconnect(receive: Receive, work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` unless the client leaves first; True when it ran to the end (its errors propagate)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
        # Let both unwind (the work closes its upstream response) before the request is over.
        await asyncio.gather(task, watcher, return_exceptions=True)
    if task.cancelled():
        return False
    task.result()
    return True
