"""How a call's attempts are planned: the retry loop, the fallbacks and the one deadline over them (``_retry``,
``_fallbacks``), and the fast path of a call that asked for neither. Chat drives them itself (its streams and
context-window predictions); every other operation goes through :func:`run_operation`."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _http
from ._options import RELIABILITY_OPTIONS
from ._retry import HIDDEN_PARAMS, RetryLoop, arun, attempt_timeout, check_num_retries, current_pacer, run
from .callbacks._observer import Observer, observe

if TYPE_CHECKING:  # fallbacks load with the first call that asks for them
    from ._fallbacks import Fallbacks, Target

__all__ = [
    "Cacheable",
    "arun_operation",
    "attempt_options",
    "one_attempt",
    "plan_attempts",
    "run_operation",
    "stamp_one",
]

R = TypeVar("R")


def attempt_options(
    plan: Fallbacks,
    target: Target,
    remaining: float | None,
    given_timeout: float | httpx.Timeout | None,
    messages: Any,
    loop: RetryLoop[Target] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of one attempt on ``target``: its own over the call's, and the time left; a predicted
    context-window overflow raises instead (nothing is sent, so ``loop`` does not count it as an attempt)."""
    overflow = plan.predicted_overflow(target, messages) if plan.context_window else None
    if overflow is not None:
        if loop is not None:
            loop.attempts -= 1  # attempts count requests sent
        raise overflow
    options = plan.options_for(target)
    options["timeout"] = attempt_timeout(given_timeout, remaining)
    return options


def one_attempt(options: dict[str, Any]) -> bool:
    """No retries and no fallbacks asked for (their options, all empty, are taken out of ``options``)."""
    if any(options.get(name) for name in RELIABILITY_OPTIONS):
        return False
    for name in RELIABILITY_OPTIONS:
        options.pop(name, None)
    return True


def stamp_one(result: R, model: str, started: float) -> R:
    """``_hidden_params`` of a single attempt, the same keys :func:`stamp` gives a retried call."""
    setattr(result, HIDDEN_PARAMS, _single(model, started))
    return result


def plan_attempts(
    model: str, stream: bool, options: dict[str, Any]
) -> tuple[RetryLoop[Target], Fallbacks, float | httpx.Timeout | None, bool]:
    """Take the retry, fallback and timeout options out of ``options``: the call's retry loop, its fallbacks,
    the caller's ``timeout=``, and whether a stream's first chunk is read before returning (only when there is
    something to fail over to: otherwise a stream returns at once, as without retries)."""
    num_retries = check_num_retries(options.pop("num_retries", None))
    from ._fallbacks import pop_fallbacks

    plan = pop_fallbacks(model, options)
    given_timeout = options.pop("timeout", None)
    total = _http.limits_of(_http.timeout_of(given_timeout), None, None).total
    loop = RetryLoop(plan.primary, num_retries, total, plan.switch)
    return loop, plan, given_timeout, stream and (num_retries > 0 or plan.any)


def _stamped(result: R, hidden: dict[str, Any]) -> R:
    """``result`` with ``_hidden_params`` (a plain ``str`` answer, e.g. a text transcription, cannot carry it)."""
    with contextlib.suppress(AttributeError, TypeError):
        setattr(result, HIDDEN_PARAMS, hidden)
    return result


@dataclass(frozen=True, slots=True)
class Cacheable:
    """How an operation goes through ``cache=``: its entry ``kind`` (``cache.entries``) and ``prepare(model,
    options)``, the call prepared as it would be sent (what the key is computed from)."""

    kind: str
    prepare: Callable[[str, dict[str, Any]], Any]


def run_operation(
    operation: str,
    model: str,
    options: dict[str, Any],
    once: Callable[[str, dict[str, Any]], R],
    *,
    arguments: Mapping[str, Any] | None = None,
    cacheable: Cacheable | None = None,
) -> R:
    """``once(model, options)`` (one attempt of any operation) as one call: its callbacks told once (the
    attempts listed inside the event, as for chat), ``cache=`` looked up first when the operation is
    ``cacheable`` (a hit is reported to the callbacks with ``hidden_params["cache_hit"]``), then chat's retry
    loop, fallbacks and one deadline: ``num_retries``, ``fallbacks``, ``timeout`` work for embeddings, images,
    transcriptions, moderations and rerank exactly as for ``completion()``. ``arguments`` are the operation's
    own (``input``…), shown to callbacks in ``event.kwargs``."""
    observer = observe(operation, model, options, params=arguments)  # None: no handler anywhere
    if observer is None:
        return _operation(operation, model, options, once, None, cacheable)
    result: R = observer.run(_operation, operation, model, options, once, observer, cacheable)
    return result


def _operation(
    operation: str,
    model: str,
    options: dict[str, Any],
    once: Callable[[str, dict[str, Any]], R],
    observer: Observer | None,
    cacheable: Cacheable | None,
) -> R:
    cache = options.pop("cache", None) if cacheable is not None else None
    if cacheable is not None and cache is not None:
        from .cache.hook import cached_operation

        result: R = cached_operation(
            cache, operation, cacheable.kind, model, options, cacheable.prepare,
            lambda: _attempts(model, options, once, observer),
        )  # fmt: skip
        return result
    return _attempts(model, options, once, observer)


def _attempts(
    model: str, options: dict[str, Any], once: Callable[[str, dict[str, Any]], R], observer: Observer | None
) -> R:
    if one_attempt(options):
        started = current_pacer().clock()
        result = once(model, options)
        return _stamped(result, _single(model, started))
    loop, plan, given_timeout, _ = plan_attempts(model, False, options)

    def attempt(target: Target, remaining: float | None) -> R:
        return once(target.model, attempt_options(plan, target, remaining, given_timeout, None))

    return _stamped(run(loop, attempt if observer is None else observer.timed(attempt)), loop.hidden_params())


async def arun_operation(
    operation: str,
    model: str,
    options: dict[str, Any],
    once: Callable[[str, dict[str, Any]], Awaitable[R]],
    *,
    arguments: Mapping[str, Any] | None = None,
    cacheable: Cacheable | None = None,
) -> R:
    """The async twin of :func:`run_operation`: async hooks are awaited, the cache's Redis is async."""
    observer = observe(operation, model, options, params=arguments)
    if observer is None:
        return await _aoperation(operation, model, options, once, None, cacheable)
    return await observer.arun(_aoperation, operation, model, options, once, observer, cacheable)


async def _aoperation(
    operation: str,
    model: str,
    options: dict[str, Any],
    once: Callable[[str, dict[str, Any]], Awaitable[R]],
    observer: Observer | None,
    cacheable: Cacheable | None,
) -> R:
    cache = options.pop("cache", None) if cacheable is not None else None
    if cacheable is not None and cache is not None:
        from .cache.hook import acached_operation

        result: R = await acached_operation(
            cache, operation, cacheable.kind, model, options, cacheable.prepare,
            lambda: _aattempts(model, options, once, observer),
        )  # fmt: skip
        return result
    return await _aattempts(model, options, once, observer)


async def _aattempts(
    model: str,
    options: dict[str, Any],
    once: Callable[[str, dict[str, Any]], Awaitable[R]],
    observer: Observer | None,
) -> R:
    if one_attempt(options):
        started = current_pacer().clock()
        result = await once(model, options)
        return _stamped(result, _single(model, started))
    loop, plan, given_timeout, _ = plan_attempts(model, False, options)

    async def attempt(target: Target, remaining: float | None) -> R:
        return await once(target.model, attempt_options(plan, target, remaining, given_timeout, None))

    answer = await arun(loop, attempt if observer is None else observer.atimed(attempt))
    return _stamped(answer, loop.hidden_params())


def _single(model: str, started: float) -> dict[str, Any]:
    return {"attempts": 1, "model": model, "elapsed_s": current_pacer().clock() - started, "failures": []}
