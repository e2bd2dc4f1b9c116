"""A routed call told to callbacks once: one event per router call (``on_start`` once, then one success, failure or
stream end), its deployment attempts listed in ``event.attempts``, as for a plain ``completion()``.

The router takes ``callbacks=`` (the call's, under the router's ``default_options`` ones) and the process-wide
handlers itself, and calls its deployments with ``callbacks=OBSERVED``, so a failover is not one event per
deployment. Without any handler anywhere nothing here runs beyond one dictionary pop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..callbacks._event import Attempt
from ..callbacks._handlers import current_plan
from ..callbacks._observer import OBSERVED, OPTION, Observer, observe
from .call import RouterCall
from .call_state import stamp_hidden

if TYPE_CHECKING:
    from .router import Router

__all__ = ["ObservedCall", "observe_routed"]


def observe_routed(
    router: Router, operation: str, group: str, args: dict[str, Any], options: dict[str, Any]
) -> Observer | None:
    """The call's :class:`Observer` (its ``callbacks`` taken out of ``options`` and replaced by ``OBSERVED``), or
    None when no handler is registered anywhere."""
    given = options.pop(OPTION, None)
    default = router.default_options.get(OPTION)
    if default:
        given = [*default, *(given or ())]
    if given is None:
        plan = current_plan()
        if plan is None or not plan.handlers:  # the usual case: no handler anywhere, nothing to build
            return None
    else:
        options[OPTION] = given
    shown = {k: v for k, v in args.items() if k not in ("messages", "stream")}
    observer = observe(
        operation, group, options, messages=args.get("messages"), stream=bool(args.get("stream")), params=shown
    )
    if observer is not None or default:
        options[OPTION] = OBSERVED  # the deployments' calls (and the router's default callbacks) tell no one
    return observer


class TimedRouterCall(RouterCall):
    """A router call whose attempts go through the observer's timers (``RouterCall`` has slots, so its
    methods cannot be replaced on the instance)."""

    __slots__ = ("atimed", "timed")

    timed: Callable[[str, float | None], Any]
    atimed: Callable[[str, float | None], Any]

    def attempt(self, group: str, remaining: float | None) -> Any:
        return self.timed(group, remaining)

    async def aattempt(self, group: str, remaining: float | None) -> Any:
        return await self.atimed(group, remaining)


class ObservedCall:
    """A :class:`RouterCall` run under its :class:`Observer` (``run``/``arun``/``hidden_params`` as the call's)."""

    def __init__(
        self, inner: RouterCall, observer: Observer, stamp: Callable[[Any, Any], Any], runner: Any = None
    ) -> None:
        """``runner`` (default ``inner``): what runs the call (a ``CachedCall`` around ``inner``); ``inner``'s
        attempts are the ones timed."""
        self.inner, self.observer, self._stamp = inner, observer, stamp
        self.runner = inner if runner is None else runner
        event = observer.event
        attempt = functools.partial(RouterCall.attempt, inner)
        aattempt = functools.partial(RouterCall.aattempt, inner)

        def record(group: str) -> Attempt:
            entry = Attempt(group, event.now())
            event.attempts.append(entry)
            return entry

        def ended(entry: Attempt, exc: BaseException | None) -> None:
            entry.end_time, entry.error = event.now(), exc
            failures, answered = inner.failures, inner.deployment
            if exc is None and answered is not None:
                entry.model = answered.model
            elif exc is not None and failures and "model" in failures[-1]:
                entry.model = failures[-1]["model"]

        def timed(group: str, remaining: float | None) -> Any:
            entry = record(group)
            try:
                result = attempt(group, remaining)
            except BaseException as exc:
                ended(entry, exc)
                raise
            ended(entry, None)
            entry.end_time = None  # the attempt that answered ends with the call (or its stream)
            return result

        async def atimed(group: str, remaining: float | None) -> Any:
            entry = record(group)
            try:
                result = await aattempt(group, remaining)
            except BaseException as exc:
                ended(entry, exc)
                raise
            ended(entry, None)
            entry.end_time = None
            return result

        if not isinstance(inner, TimedRouterCall):
            raise TypeError("an observed router call is made as a TimedRouterCall")
        inner.timed, inner.atimed = timed, atimed

    def stamp(self, result: Any) -> Any:
        """``result`` with :meth:`hidden_params` as its ``_hidden_params``."""
        return stamp_hidden(result, self.hidden_params())

    def hidden_params(self) -> dict[str, Any]:
        hidden: dict[str, Any] = self.runner.hidden_params()
        return hidden

    def run(self) -> Any:
        runner = self.runner
        return self.observer.run(lambda: self._stamp(runner.run(), runner))

    async def arun(self) -> Any:
        runner = self.runner

        async def routed() -> Any:
            return self._stamp(await runner.arun(), runner)

        return await self.observer.arun(routed)
