"""The retry policy without I/O: which errors retry, the backoff, and the loop's deadline arithmetic."""

from __future__ import annotations

import httpx
import pytest
from reliability_fakes import FakeClock

from modelmux._retry import Backoff, Pacer, RetryLoop, attempt_timeout, retryable
from modelmux.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
    error_class_for_status,
)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 520, 529])
def test_transient_statuses_are_retried(status: int) -> None:
    assert retryable(error_class_for_status(status)("x", status_code=status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422, 418, 501, 505])
def test_the_same_request_failing_the_same_way_is_never_retried(status: int) -> None:
    assert not retryable(error_class_for_status(status)("x", status_code=status))


def test_by_class() -> None:
    assert retryable(APIConnectionError("reset")) and retryable(APITimeoutError("slow"))
    assert retryable(ServiceUnavailableError("overloaded", status_code=529))
    assert not retryable(ContextWindowExceededError("too long"))
    assert not retryable(AuthenticationError("no"))
    assert not retryable(APIError("no status"))
    assert not retryable(ValueError("not ours"))


def test_full_jitter_exponential_backoff_is_capped() -> None:
    backoff = Backoff(base=0.5, cap=8.0)
    err = InternalServerError("x")
    assert [backoff.delay(n, err, lambda: 1.0) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff.delay(3, err, lambda: 0.25) == 1.0  # a draw in [0, window)
    assert backoff.delay(3, err, lambda: 0.0) == 0.0


def test_the_providers_hint_wins_and_is_capped() -> None:
    backoff = Backoff(max_retry_after=60.0)
    assert backoff.delay(5, RateLimitError("x", retry_after=2.5), lambda: 1.0) == 2.5
    assert backoff.delay(0, RateLimitError("x", retry_after=0.0), lambda: 1.0) == 0.0
    assert backoff.delay(0, RateLimitError("x", retry_after=3000.0), lambda: 1.0) == 60.0
    assert backoff.delay(1, RateLimitError("x"), lambda: 1.0) == 1.0  # no hint: the backoff


def _loop(clock: FakeClock, num_retries: int, total: float | None, switch: object = None) -> RetryLoop[str]:
    return RetryLoop("a", num_retries, total, switch or (lambda err: None), pacer=clock.pacer())  # type: ignore[arg-type]


def test_the_loop_retries_then_gives_up() -> None:
    clock = FakeClock()
    loop = _loop(clock, 2, None)
    err = InternalServerError("x")
    assert loop.begin() == ("a", None)
    assert loop.after_failure(err) == 1.0 * 0.5
    loop.begin()
    assert loop.after_failure(err) == 1.0
    loop.begin()
    assert loop.after_failure(err) is None
    assert loop.attempts == 3 and [f["error"] for f in loop.failures] == ["InternalServerError"] * 3


def test_a_wait_past_the_deadline_is_not_taken() -> None:
    clock = FakeClock()
    loop = _loop(clock, 10, 10.0)
    assert loop.begin() == ("a", 10.0)
    assert loop.after_failure(RateLimitError("x", retry_after=4)) == 4
    clock.sleep(4)
    assert loop.begin() == ("a", 6.0)  # the attempt gets the time left
    clock.now += 1.5  # the attempt itself took 1.5 s
    assert loop.after_failure(RateLimitError("x", retry_after=4)) == 4
    clock.sleep(4)
    assert loop.begin() == ("a", 0.5)
    assert loop.after_failure(RateLimitError("x", retry_after=4)) is None


def test_switching_target_resets_the_retries_and_stops_at_the_deadline() -> None:
    clock = FakeClock()
    following = iter(["b", "c"])
    loop = _loop(clock, 1, 5.0, lambda err: next(following, None))
    loop.begin()
    assert loop.after_failure(InternalServerError("x")) == 0.5
    loop.begin()
    assert loop.after_failure(InternalServerError("x")) == 0.0
    assert loop.begin() == ("b", 5.0 - 0.0)
    assert loop.after_failure(BadRequestError("x")) == 0.0  # not retried; the switch decides (here: "c")
    clock.now += 10
    loop.begin()
    assert loop.after_failure(InternalServerError("x")) is None  # past the deadline: no retry, no switch
    assert loop.hidden_params()["attempts"] == 4


def test_attempt_timeout_clips_every_phase() -> None:
    assert attempt_timeout(30.0, None) == 30.0
    assert attempt_timeout(30.0, 12.5) == 12.5
    clipped = attempt_timeout(httpx.Timeout(20.0, connect=5.0), 8.0)
    assert isinstance(clipped, httpx.Timeout)
    assert (clipped.connect, clipped.read, clipped.write, clipped.pool) == (5.0, 8.0, 8.0, 8.0)
    unbounded = attempt_timeout(httpx.Timeout(None), 3.0)
    assert isinstance(unbounded, httpx.Timeout) and unbounded.read == 3.0


def test_status_errors_without_a_status_are_not_retried() -> None:
    err = APIStatusError("x")
    err.status_code = None
    assert not retryable(err)


def test_the_default_pacer_is_real_time() -> None:
    import time

    assert Pacer().clock is time.monotonic


def test_a_wait_past_the_deadline_switches_to_the_next_target_instead() -> None:
    clock = FakeClock()
    loop = _loop(clock, 3, 10.0, lambda err: "b")
    loop.begin()
    assert loop.after_failure(RateLimitError("x", retry_after=30)) == 0.0  # no wait: the fallback, now
    assert loop.begin() == ("b", 10.0) and loop.retries_used == 0
