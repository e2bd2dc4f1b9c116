"""Cancel the work on a request as soon as its client disconnects.

The body has been read by then, so the only message left to receive is ``http.disconnect``: one watcher task waits
for it and cancels the request's own task, in which the work runs (the upstream call and its stream close in their
``finally``), so a client that leaves stops the provider request promptly and leaves no task or connection behind.
The work is not moved to a task of its own: one task per request, not two, and no ``asyncio.wait``. Under
``modelmux serve``'s own protocol there is no watcher task either: the server calls back from ``connection_lost``
(:class:`~modelmux.asgi.server_hooks.ServerHooks`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from .server_hooks import ServerHooks
from .types import Receive

__all__ = ["until_disconnect"]


class _Watch:
    __slots__ = ("left", "running", "target")

    def __init__(self, target: asyncio.Task[Any]) -> None:
        self.target = target
        self.running = True  # the work has not finished: a disconnect still cancels it
        self.left = False  # the client left, and the watcher cancelled the work

    async def __call__(self, receive: Receive) -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except Exception:  # the server's receive failed: nothing left to watch (and no unretrieved task error)
            return
        self.gone()

    def gone(self) -> None:
        """The client left: cancel the work if it is still running."""
        if self.running:
            self.left = True
            self.target.cancel()


async def until_disconnect(receive: Receive, work: Coroutine[Any, Any, None], hooks: ServerHooks | None = None) -> bool:
    """Run ``work`` unless the client leaves first; True when it ran to the end (its errors propagate).

    With ``hooks`` (``modelmux serve``'s own protocol) the server says when the client goes: no watcher task.
    """
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - not under asyncio's tasks: nothing to cancel
        await work
        return True
    watch = _Watch(task)
    watcher: asyncio.Task[None] | None = None
    if hooks is not None:
        hooks.on_client_gone(watch.gone)
    else:
        watcher = asyncio.get_running_loop().create_task(watch(receive))
    try:
        await work
    except asyncio.CancelledError:
        if not watch.left:
            raise
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+: the cancel was ours, not the server's
        if uncancel is not None:
            uncancel()
        return False
    finally:
        watch.running = False
        if hooks is not None:
            hooks.on_client_gone(None)
        elif watcher is not None and not watcher.done():
            watcher.cancel()
            # One turn of the loop lets the watcher unwind, so no task outlives the request.
            await asyncio.sleep(0)
    return True
