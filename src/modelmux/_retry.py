"""The one retry loop: which failures are retried, how long to wait, and the overall deadline.

:class:`RetryLoop` is a small state machine with no I/O: ``begin()`` hands out the next attempt (its target and
the seconds left before the overall deadline), ``after_failure(err)`` says how long to wait before the next one,
or ``None`` to give up (the caller re-raises ``err``). :func:`run` (sync) and :func:`arun` (async) drive it and
differ only in how they sleep. A router reuses the same loop with its own ``switch`` (the next deployment).

Policy (the OpenAI SDK's and LiteLLM's, see https://platform.openai.com/docs/guides/error-codes and
https://docs.anthropic.com/en/api/errors):

* retried: could not connect or no answer in time (:class:`APIConnectionError`, :class:`APITimeoutError`),
  408, 409 (OpenAI: a lock conflict, "retry"), 429, 5xx except 501/505, and Anthropic's 529 ``overloaded_error``;
* never retried: 400, 401, 403, 404, 413, 422 and every other 4xx (the same request fails the same way);
* the wait is the provider's hint when it gave one (``RateLimitError.retry_after``: ``retry-after-ms``,
  ``x-ms-retry-after-ms``, ``retry-after`` in seconds or as an HTTP date, Gemini's ``RetryInfo``; see the providers'
  ``map_error``), capped at :attr:`Backoff.max_retry_after`; otherwise capped exponential backoff with full jitter
  (``random() * min(cap, base * 2**n)``, https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/);
* one deadline (``timeout=``) bounds every attempt, wait and fallback together: an attempt gets the time left, and
  a wait that would end past the deadline is not taken (the next fallback is tried at once, else the last error is
  raised at once).

The clock, the sleeps and the random source are a :class:`Pacer`, injectable with :func:`pacing` (tests use a fake
clock whose ``sleep`` only advances time).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from .errors import APIConnectionError, APIError, BadRequestError

__all__ = [
    "HIDDEN_PARAMS",
    "MAX_RETRIES",
    "Backoff",
    "Pacer",
    "RetryLoop",
    "arun",
    "attempt_timeout",
    "check_num_retries",
    "current_pacer",
    "pacing",
    "retryable",
    "run",
    "stamp",
]

T = TypeVar("T")
R = TypeVar("R")

#: 4xx statuses that mean "try again": 408 Request Timeout, 409 Conflict (OpenAI retries it), 429 Too Many Requests.
_RETRY_4XX = frozenset({408, 409, 429})
#: 5xx statuses that will not get better by retrying: 501 Not Implemented, 505 HTTP Version Not Supported.
_NEVER_5XX = frozenset({501, 505})


def retryable(err: BaseException) -> bool:
    """Whether the same request to the same target may succeed if sent again."""
    if isinstance(err, APIConnectionError):  # includes APITimeoutError
        return True
    if not isinstance(err, APIError):
        return False
    status = err.status_code
    if status is None:
        return False
    if status in _RETRY_4XX:
        return True
    return 500 <= status < 600 and status not in _NEVER_5XX  # 529 (Anthropic overloaded) included


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before retry number ``n`` (0-based)."""

    #: First backoff window in seconds (doubles per retry).
    base: float = 0.5
    #: Largest backoff window in seconds.
    cap: float = 8.0
    #: Longest provider-requested wait honoured; a longer hint is capped at this.
    max_retry_after: float = 60.0

    def delay(self, n: int, err: BaseException, rand: Callable[[], float]) -> float:
        hint = getattr(err, "retry_after", None)
        if isinstance(hint, (int, float)) and not isinstance(hint, bool) and hint >= 0:
            return min(float(hint), self.max_retry_after)
        return rand() * min(self.cap, self.base * (2.0**n))


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    import asyncio  # only async callers pay for importing it

    await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Pacer:
    """The loop's clock, sleeps and randomness."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = _sleep
    asleep: Callable[[float], Awaitable[None]] = _asleep
    random: Callable[[], float] = random.random


_DEFAULT_PACER = Pacer()
_PACER: ContextVar[Pacer | None] = ContextVar("modelmux_pacer", default=None)


def current_pacer() -> Pacer:
    """The pacer of this context (:func:`pacing`), else the real clock, sleeps and randomness."""
    return _PACER.get() or _DEFAULT_PACER


@contextmanager
def pacing(pacer: Pacer) -> Iterator[None]:
    """Calls inside the block use ``pacer`` (a fake clock in tests)."""
    token = _PACER.set(pacer)
    try:
        yield
    finally:
        _PACER.reset(token)


#: The most retries a call may ask for: more is a mistake (the deadline ends a call long before), and without a
#: deadline (``httpx.Timeout(None)``) it would retry for days.
MAX_RETRIES = 100


def check_num_retries(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES:
        raise BadRequestError(
            f"num_retries must be an integer from 0 to {MAX_RETRIES}, got {value!r}", param="num_retries"
        )
    return value


@dataclass
class RetryLoop(Generic[T]):
    """Attempts on ``target`` (``num_retries`` retries each), then on what ``switch(err)`` names, all before
    ``total`` seconds have passed (None: no overall deadline)."""

    target: T
    num_retries: int
    total: float | None
    switch: Callable[[APIError], T | None]
    backoff: Backoff = field(default_factory=Backoff)
    pacer: Pacer = field(default_factory=current_pacer)
    #: Whether a failure may be retried on the same target (a router also refuses "every deployment is cooling").
    may_retry: Callable[[BaseException], bool] = retryable
    attempts: int = 0
    retries_used: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = self.pacer.clock()
        self.deadline = None if self.total is None else self.started + self.total

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - self.pacer.clock())

    def begin(self) -> tuple[T, float | None]:
        """The next attempt: its target and the seconds it may take."""
        self.attempts += 1
        return self.target, self.remaining()

    def after_failure(self, err: APIError, describe: Callable[[T], str] = str) -> float | None:
        """Seconds to wait before the next attempt, or None: give up (re-raise ``err``)."""
        self.failures.append({"model": describe(self.target), "error": type(err).__name__, "status": err.status_code})
        now = self.pacer.clock()
        if self.may_retry(err) and self.retries_used < self.num_retries:
            delay = self.backoff.delay(self.retries_used, err, self.pacer.random)
            if self.deadline is None or now + delay < self.deadline:
                self.retries_used += 1
                return delay
            # The wait alone would pass the deadline: a fallback (tried without a wait) may still answer in time;
            # without one the caller gets the real error now.
        following = self.switch(err)
        if following is None or (self.deadline is not None and now >= self.deadline):
            return None
        self.target, self.retries_used = following, 0
        return 0.0

    def hidden_params(self, describe: Callable[[T], str] = str) -> dict[str, Any]:
        """How the result was obtained (``response._hidden_params``, as LiteLLM names it)."""
        return {
            "attempts": self.attempts,
            "model": describe(self.target),
            "elapsed_s": self.pacer.clock() - self.started,
            "failures": list(self.failures),
        }


#: The attribute of a result that says how it was obtained (LiteLLM's name, so code that reads it ports).
HIDDEN_PARAMS = "_hidden_params"


def stamp(result: R, loop: RetryLoop[Any], describe: Callable[[Any], str] = str) -> R:
    """Put ``loop.hidden_params()`` on ``result`` as ``_hidden_params`` (through the object's own ``__setattr__``,
    so a pydantic private attribute of that name also works); never part of the result's JSON."""
    setattr(result, HIDDEN_PARAMS, loop.hidden_params(describe))
    return result


def attempt_timeout(given: float | httpx.Timeout | None, remaining: float | None) -> float | httpx.Timeout | None:
    """The ``timeout=`` of one attempt: the caller's, clipped to the time left before the overall deadline."""
    if remaining is None:
        return given
    if isinstance(given, httpx.Timeout):
        phases = (given.connect, given.read, given.write, given.pool)
        c, r, w, p = (remaining if v is None else min(v, remaining) for v in phases)
        return httpx.Timeout(connect=c, read=r, write=w, pool=p)
    return remaining


def run(loop: RetryLoop[T], attempt: Callable[[T, float | None], R], describe: Callable[[T], str] = str) -> R:
    """Drive ``loop`` synchronously: ``attempt(target, seconds_left)`` until one succeeds or the loop gives up."""
    while True:
        target, remaining = loop.begin()
        try:
            return attempt(target, remaining)
        except APIError as err:
            delay = loop.after_failure(err, describe)
            if delay is None:
                raise
        if delay > 0:
            loop.pacer.sleep(delay)


async def arun(
    loop: RetryLoop[T], attempt: Callable[[T, float | None], Awaitable[R]], describe: Callable[[T], str] = str
) -> R:
    """The async twin of :func:`run`: only the sleep differs."""
    while True:
        target, remaining = loop.begin()
        try:
            return await attempt(target, remaining)
        except APIError as err:
            delay = loop.after_failure(err, describe)
            if delay is None:
                raise
        if delay > 0:
            await loop.pacer.asleep(delay)
