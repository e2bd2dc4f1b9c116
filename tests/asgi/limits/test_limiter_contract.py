"""What every limiter backend promises, run against MemoryLimiter and RedisLimiter (on a real redis-server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from modelmux.asgi.limits import Decision, Limiter, MemoryLimiter, RedisLimiter

NewLimiter = Callable[..., Limiter]


@pytest.fixture(params=["memory", "redis"])
def new_limiter(request: pytest.FixtureRequest, prefix: str) -> NewLimiter:
    if request.param == "memory":
        return MemoryLimiter
    url = request.getfixturevalue("redis_url")
    return lambda **options: RedisLimiter(url, prefix=prefix, **options)


def run(new_limiter: NewLimiter, scenario: Callable[[Limiter], Awaitable[Any]], **options: Any) -> Any:
    # Each scenario gets its own event loop, and the limiter (and any Redis client) is made inside it.
    async def main() -> Any:
        limiter = new_limiter(**options)
        try:
            return await scenario(limiter)
        finally:
            await limiter.aclose()

    return asyncio.run(main())


async def burst(limiter: Limiter, n: int, key: str = "k", **limits: int | None) -> list[Decision]:
    limits = {"rpm": None, "max_concurrent": None, **limits}
    return list(await asyncio.gather(*(limiter.acquire(key, **limits) for _ in range(n))))


def allowed(decisions: list[Decision]) -> list[Decision]:
    return [d for d in decisions if d.allowed]


def test_parallel_acquires_admit_exactly_max_concurrent(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        first = await burst(limiter, 60, max_concurrent=7)
        admitted = allowed(first)
        assert len(admitted) == 7
        assert len({d.token for d in admitted}) == 7 and all(d.token for d in admitted)
        refused = [d for d in first if not d.allowed]
        assert {(d.reason, d.retry_after, d.token) for d in refused} == {("concurrency", 1.0, "")}

        await asyncio.gather(*(limiter.release("k", d.token) for d in admitted[:3]))
        assert len(allowed(await burst(limiter, 60, max_concurrent=7))) == 3

    run(new_limiter, scenario)


def test_a_burst_admits_exactly_rpm(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        decisions = await burst(limiter, 50, rpm=9)
        assert len(allowed(decisions)) == 9
        for d in decisions:
            if not d.allowed:
                assert d.reason == "requests_per_minute"
                assert d.retry_after is not None and 0 < d.retry_after <= 60
        for d in allowed(decisions):
            await limiter.release("k", d.token)
        assert allowed(await burst(limiter, 5, rpm=9)) == []  # releasing gives back slots, never minutes

    run(new_limiter, scenario)


def test_refused_requests_cost_neither_minute_budget_nor_a_slot(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        held = await limiter.acquire("k", rpm=3, max_concurrent=1)
        assert held.allowed
        # Refused for concurrency: none of these 40 counts against the 3 per minute.
        assert allowed(await burst(limiter, 40, rpm=3, max_concurrent=1)) == []
        await limiter.release("k", held.token)
        for _ in range(2):
            d = await limiter.acquire("k", rpm=3, max_concurrent=1)
            assert d.allowed
            await limiter.release("k", d.token)
        # The minute is used up; refused for rpm, these take no slot either.
        refused = await burst(limiter, 10, rpm=3, max_concurrent=2)
        assert {d.reason for d in refused} == {"requests_per_minute"}
        assert len(allowed(await burst(limiter, 10, max_concurrent=2))) == 2

    run(new_limiter, scenario)


def test_the_window_slides_and_retry_after_is_when_the_oldest_leaves(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        assert (await limiter.acquire("k", rpm=2, max_concurrent=None)).allowed
        await asyncio.sleep(0.5)
        assert (await limiter.acquire("k", rpm=2, max_concurrent=None)).allowed
        refused = await limiter.acquire("k", rpm=2, max_concurrent=None)
        assert not refused.allowed and refused.retry_after is not None
        assert 0 < refused.retry_after <= 0.5  # the first leaves 1 s after it started, about 0.5 s from now

        await asyncio.sleep(refused.retry_after + 0.02)
        assert (await limiter.acquire("k", rpm=2, max_concurrent=None)).allowed
        again = await limiter.acquire("k", rpm=2, max_concurrent=None)
        assert not again.allowed and again.retry_after is not None
        assert 0 < again.retry_after <= 0.5  # now the second one is the oldest

    run(new_limiter, scenario, window_seconds=1.0)


def test_a_lowered_rpm_waits_for_enough_requests_to_leave(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        for _ in range(4):
            assert (await limiter.acquire("k", rpm=5, max_concurrent=None)).allowed
            await asyncio.sleep(0.15)
        # Starts at about 0, .15, .3, .45 s; now about .6 s. With rpm=2, three must leave: the third leaves at 1.3 s.
        refused = await limiter.acquire("k", rpm=2, max_concurrent=None)
        assert refused.reason == "requests_per_minute" and refused.retry_after is not None
        assert 0.6 < refused.retry_after <= 0.7

    run(new_limiter, scenario, window_seconds=1.0)


def test_none_is_unlimited(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        assert len(allowed(await burst(limiter, 200))) == 200
        assert len(allowed(await burst(limiter, 50, rpm=None, max_concurrent=50))) == 50
        assert len(allowed(await burst(limiter, 50, key="other", rpm=50, max_concurrent=None))) == 50

    run(new_limiter, scenario)


def test_zero_refuses_everything(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        by_rpm = await limiter.acquire("k", rpm=0, max_concurrent=None)
        assert (by_rpm.allowed, by_rpm.reason, by_rpm.retry_after) == (False, "requests_per_minute", 60.0)
        by_slots = await limiter.acquire("k", rpm=None, max_concurrent=0)
        assert (by_slots.allowed, by_slots.reason) == (False, "concurrency")

    run(new_limiter, scenario)


def test_negative_limits_are_a_programming_error(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        with pytest.raises(ValueError, match="rpm"):
            await limiter.acquire("k", rpm=-1, max_concurrent=None)
        with pytest.raises(ValueError, match="max_concurrent"):
            await limiter.acquire("k", rpm=None, max_concurrent=-2)

    run(new_limiter, scenario)


def test_release_frees_one_slot_once(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        a, b = await burst(limiter, 2, max_concurrent=2)
        for _ in range(3):
            await limiter.release("k", a.token)
        await limiter.release("k", "not-a-token")
        await limiter.release("other-key", b.token)
        await limiter.release("k", "")
        assert len(allowed(await burst(limiter, 5, max_concurrent=2))) == 1

    run(new_limiter, scenario)


def test_keys_have_separate_budgets(new_limiter: NewLimiter) -> None:
    async def scenario(limiter: Limiter) -> None:
        assert len(allowed(await burst(limiter, 5, key="a", rpm=2, max_concurrent=1))) == 1
        assert len(allowed(await burst(limiter, 5, key="b", rpm=2, max_concurrent=3))) == 2
        assert len(allowed(await burst(limiter, 5, key="c{x}:y", rpm=None, max_concurrent=3))) == 3

    run(new_limiter, scenario)
