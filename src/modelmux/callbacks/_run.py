"""Calling hooks so that a handler can never break the call: its exception is logged (once per hook, redacted)
and swallowed. In a sync call an ``async`` hook runs on modelmux's callback thread (its own event loop), never
blocking the caller; in an async call it is awaited (at most :data:`HOOK_TIMEOUT`, then it goes on in the
background), unless the call was cancelled (then it is scheduled)."""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import redact
from ._event import CallEvent, secret_values
from ._handlers import Hook

if TYPE_CHECKING:  # asyncio loads with the first async hook (as in ``_retry``: sync-only programs never pay for it)
    import asyncio
    from concurrent.futures import Future

__all__ = ["afire", "fire", "flush", "report"]

logger = logging.getLogger("modelmux.callbacks")

#: Hooks whose failure was logged at WARNING already (later ones go to DEBUG); bounded.
_reported: set[str] = set()
_MAX_REPORTED = 1024


def report(name: str, exc: BaseException, event: CallEvent) -> None:
    """Log a hook's exception: once at WARNING with the (redacted) traceback, then at DEBUG."""
    text = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), secret_values(event))
    first = name not in _reported and len(_reported) < _MAX_REPORTED
    if first:
        _reported.add(name)
    logger.log(
        logging.WARNING if first else logging.DEBUG,
        "modelmux callback %s raised %s; the call was not affected%s\n%s",
        name,
        type(exc).__name__,
        " (later failures of this hook are logged at DEBUG)" if first else "",
        text,
    )


def fire(hooks: Iterable[Hook], event: CallEvent) -> None:
    """Run hooks from a sync call; an async one is handed to the callback thread."""
    for fn, name in hooks:
        try:
            result = fn(event)
        except Exception as exc:
            report(name, exc, event)
            continue
        if result is not None and inspect.isawaitable(result):
            _submit(result, name, event)


async def afire(hooks: Iterable[Hook], event: CallEvent, *, wait_async: bool = True) -> None:
    """Run hooks from an async call: async ones awaited (or, ``wait_async`` False, scheduled on this loop)."""
    for fn, name in hooks:
        try:
            result = fn(event)
            if result is not None and inspect.isawaitable(result):
                if wait_async:
                    await _bounded(result, name, event)
                else:
                    import asyncio

                    task = asyncio.ensure_future(_guarded(result, name, event))
                    _tasks.add(task)
                    task.add_done_callback(_tasks.discard)
        except Exception as exc:
            report(name, exc, event)


_tasks: set[asyncio.Future[None]] = set()  # scheduled hooks, referenced until done (else they may be collected)


#: Seconds an awaited async hook may hold its call: a slower one (a hung webhook) goes on in the background and the
#: call proceeds, so a handler can never hang a call (nor a gateway request).
HOOK_TIMEOUT = 5.0


async def _bounded(awaitable: Awaitable[Any], name: str, event: CallEvent) -> None:
    import asyncio

    task = asyncio.ensure_future(_guarded(awaitable, name, event))
    _tasks.add(task)  # referenced until done, also when the call is cancelled while waiting
    task.add_done_callback(_tasks.discard)
    done, _ = await asyncio.wait((task,), timeout=HOOK_TIMEOUT)
    if not done:
        slow = f"{name} (slow)"
        first = slow not in _reported and len(_reported) < _MAX_REPORTED
        if first:
            _reported.add(slow)
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "modelmux callback %s took over %.0f s; the call went on without waiting for it (it keeps running)",
            name,
            HOOK_TIMEOUT,
        )


async def _guarded(awaitable: Awaitable[Any], name: str, event: CallEvent) -> None:
    try:
        await awaitable
    except Exception as exc:
        report(name, exc, event)


_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pending: set[Future[None]] = set()


def _background_loop() -> asyncio.AbstractEventLoop:
    import asyncio

    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="modelmux-callbacks", daemon=True).start()
            _loop = loop
        return _loop


def _submit(awaitable: Awaitable[Any], name: str, event: CallEvent) -> None:
    import asyncio

    future = asyncio.run_coroutine_threadsafe(_guarded(awaitable, name, event), _background_loop())
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def flush(timeout: float | None = 5.0) -> bool:
    """Wait until the async hooks started by sync calls (on the callback thread) are done; True if they all are.
    Call it before the process exits (the thread is a daemon: unfinished hooks are dropped at exit)."""
    pending = list(_pending)
    if not pending:
        return True
    from concurrent.futures import wait

    _, not_done = wait(pending, timeout)
    return not not_done
