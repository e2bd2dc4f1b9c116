"""One call's callbacks, from start to end: :func:`observe` (None when no handler anywhere: the hot path pays one
dictionary pop and one global read), then :meth:`Observer.run` / :meth:`Observer.arun` around the call.

The core calls these; so can a layer that makes its own calls (the router): take ``callbacks=`` out of the options
with :func:`observe`, run the whole routed call under ``run``/``arun``, and wrap each attempt with
``timed``/``atimed`` so the event lists them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from .._streaming import AsyncChatStream, ChatStream
from . import _handlers
from ._event import Attempt, CallEvent
from ._handlers import Plan, combine
from ._run import afire, fire
from ._streams import ObservedAsyncChatStream, ObservedChatStream

__all__ = ["OBSERVED", "Observer", "observe"]

R = TypeVar("R")
T = TypeVar("T")

#: The keyword argument every public function takes for per-call handlers.
OPTION = "callbacks"


class _Observed:
    def __repr__(self) -> str:
        return "<observed by the caller>"


#: ``callbacks=OBSERVED``: a layer that makes its own calls (the router) observes the whole call itself; the inner
#: calls tell no handler (else a routed call would be one event per deployment attempt).
OBSERVED = _Observed()


def observe(
    operation: str,
    model: str,
    options: dict[str, Any],
    *,
    messages: Any = None,
    stream: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Observer | None:
    """Take ``callbacks`` out of ``options``; an :class:`Observer` when any handler (per call or process-wide)
    is there, else None. ``params`` (an operation's validated request fields) join ``options`` in
    ``event.kwargs``."""
    given = options.pop(OPTION, None)
    if given is OBSERVED:
        return None
    plan = _handlers._plan  # ``current_plan()``, read inline: every call of the library passes here
    if given is not None:
        plan = combine(plan, given)
    if plan is None or not plan.handlers:
        return None
    kwargs = {**params, **options} if params else options
    return Observer(CallEvent(operation, model, kwargs, messages=messages, stream=stream), plan)


class Observer:
    """Fires one call's hooks; never lets a hook's failure reach the call."""

    __slots__ = ("_done", "event", "plan")

    def __init__(self, event: CallEvent, plan: Plan) -> None:
        self.event = event
        self.plan = plan
        self._done = False

    # ------------------------------------------------------------------ sync

    def run(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(*args)`` between the start and end hooks (a stream is wrapped: its end fires at its end)."""
        if self.plan.start:
            fire(self.plan.start, self.event)
        try:
            result = fn(*args)
        except BaseException as exc:
            self.failed(exc)
            raise
        return self.succeeded(result)

    def succeeded(self, result: R) -> R:
        hidden = getattr(result, "_hidden_params", None)
        if isinstance(hidden, dict):
            self.event.hidden_params = hidden
        if isinstance(result, ChatStream):
            return ObservedChatStream(result, self)  # type: ignore[return-value]
        self.event._response = result
        self._end()
        fire(self.plan.success, self.event)
        return result

    def failed(self, exc: BaseException) -> None:
        if self._end(exc):
            fire(self.plan.failure, self.event)

    def stream_ended(self, chunks: list[Any] | None, completed: bool) -> None:
        if self._end(chunks=chunks, completed=completed):
            fire(self.plan.stream_end, self.event)

    def timed(self, attempt: Callable[[T, float | None], R]) -> Callable[[T, float | None], R]:
        """``attempt`` recording an :class:`Attempt` per call (for the retry loop)."""
        event = self.event

        def timed_attempt(target: T, remaining: float | None) -> R:
            record = Attempt(str(target), event.now())
            event.attempts.append(record)
            try:
                return attempt(target, remaining)
            except BaseException as exc:
                record.end_time, record.error = event.now(), exc
                raise

        return timed_attempt

    # ------------------------------------------------------------------ async

    async def arun(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R:
        """The async twin of :meth:`run`: async hooks are awaited."""
        if self.plan.start:
            await afire(self.plan.start, self.event)
        try:
            result = await fn(*args)
        except Exception as exc:
            await self.afailed(exc)
            raise
        except BaseException as exc:  # cancelled: run the hooks, never wait for them
            if self._end(exc):
                await afire(self.plan.failure, self.event, wait_async=False)
            raise
        return await self.asucceeded(result)

    async def asucceeded(self, result: R) -> R:
        hidden = getattr(result, "_hidden_params", None)
        if isinstance(hidden, dict):
            self.event.hidden_params = hidden
        if isinstance(result, AsyncChatStream):
            return ObservedAsyncChatStream(result, self)  # type: ignore[return-value]
        self.event._response = result
        self._end()
        await afire(self.plan.success, self.event)
        return result

    async def afailed(self, exc: BaseException, *, wait_async: bool = True) -> None:
        if self._end(exc):
            await afire(self.plan.failure, self.event, wait_async=wait_async)

    async def astream_ended(self, chunks: list[Any] | None, completed: bool, *, wait_async: bool = True) -> None:
        if self._end(chunks=chunks, completed=completed):
            await afire(self.plan.stream_end, self.event, wait_async=wait_async)

    def atimed(self, attempt: Callable[[T, float | None], Awaitable[R]]) -> Callable[[T, float | None], Awaitable[R]]:
        """The async twin of :meth:`timed`."""
        event = self.event

        async def timed_attempt(target: T, remaining: float | None) -> R:
            record = Attempt(str(target), event.now())
            event.attempts.append(record)
            try:
                return await attempt(target, remaining)
            except BaseException as exc:
                record.end_time, record.error = event.now(), exc
                raise

        return timed_attempt

    # ------------------------------------------------------------------ shared

    def _end(
        self, exc: BaseException | None = None, *, chunks: list[Any] | None = None, completed: bool = True
    ) -> bool:
        """Stamp the end (once: False when it already ended)."""
        if self._done:
            return False
        self._done = True
        event = self.event
        event.end_time = end = event.now()
        event.error = exc
        event.completed = completed
        if chunks:
            event.keep_chunks(chunks)
        attempts = event._attempts
        if attempts is None:  # none recorded (no retry loop): the one try's record is made if read
            return True
        if not attempts:  # read before the end, none recorded: the one try, now
            event.add_single_attempt()
            return True
        last = attempts[-1]
        if last.end_time is None:
            last.end_time = end
            if exc is not None and last.error is None:
                last.error = exc
        return True
