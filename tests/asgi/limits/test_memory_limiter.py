"""MemoryLimiter on a hand-driven clock: exact window edges, thread safety, bounded memory, a reference model."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from modelmux.asgi.limits import Decision, MemoryLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def acquire(limiter: MemoryLimiter, key: str = "k", *, rpm: int | None = None, slots: int | None = None) -> Decision:
    return asyncio.run(limiter.acquire(key, rpm=rpm, max_concurrent=slots))


def test_the_window_edge_is_exact() -> None:
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    for start in (0.0, 20.0, 40.0):
        clock.now = 1000 + start
        assert acquire(limiter, rpm=3).allowed
    clock.now = 1059.75
    assert acquire(limiter, rpm=3) == Decision(False, reason="requests_per_minute", retry_after=0.25)
    clock.now = 1060.0  # the first request started exactly a window ago: it no longer counts
    assert acquire(limiter, rpm=3).allowed
    clock.now = 1061.0
    assert acquire(limiter, rpm=3) == Decision(False, reason="requests_per_minute", retry_after=19.0)


def test_a_lowered_rpm_counts_from_the_right_request() -> None:
    clock = Clock()
    limiter = MemoryLimiter(window_seconds=10, clock=clock)
    for _ in range(5):
        assert acquire(limiter, rpm=5).allowed
        clock.now += 1
    # Starts at 0..4, now 5; with rpm=2 four must leave, the fourth (started at 3) leaves at 13.
    assert acquire(limiter, rpm=2).retry_after == 8.0


def test_threads_with_their_own_event_loops_share_one_exact_budget() -> None:
    limiter = MemoryLimiter()
    results: list[Decision] = []
    gate = threading.Barrier(8)

    async def hammer() -> list[Decision]:
        return list(await asyncio.gather(*(limiter.acquire("k", rpm=40, max_concurrent=13) for _ in range(25))))

    def worker() -> None:
        gate.wait()
        results.extend(asyncio.run(hammer()))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admitted = [d for d in results if d.allowed]
    assert len(results) == 200 and len(admitted) == 13
    assert len({d.token for d in admitted}) == 13


def test_idle_keys_are_forgotten() -> None:
    clock = Clock()
    limiter = MemoryLimiter(window_seconds=60, clock=clock)

    async def many_keys() -> None:
        for i in range(1000):
            d = await limiter.acquire(f"key-{i}", rpm=10, max_concurrent=2)
            await limiter.release(f"key-{i}", d.token)

    asyncio.run(many_keys())
    busy = acquire(limiter, "busy", slots=1)
    assert len(limiter._keys) == 1001
    clock.now += 61  # past the window: only the key with a request in flight is kept
    acquire(limiter, "new", rpm=1)
    assert set(limiter._keys) == {"busy", "new"}
    asyncio.run(limiter.release("busy", busy.token))
    assert set(limiter._keys) == {"new"}


def test_refusals_and_unlimited_keys_leave_no_state() -> None:
    limiter = MemoryLimiter(clock=Clock())
    assert not acquire(limiter, "zero", rpm=0).allowed
    assert not acquire(limiter, "none", slots=0).allowed
    assert acquire(limiter, "free").allowed
    assert limiter._keys == {}


@dataclass
class Reference:
    """The rules spelled out naively: every start kept forever, counted by scanning."""

    rpm: int | None
    slots: int | None
    window: float
    starts: list[float] = field(default_factory=list)
    live: set[str] = field(default_factory=set)

    def acquire(self, now: float) -> tuple[bool, str | None, float | None]:
        counted = sorted(t for t in self.starts if t > now - self.window)
        if self.rpm == 0:
            return False, "requests_per_minute", self.window
        if self.rpm is not None and len(counted) >= self.rpm:
            return False, "requests_per_minute", counted[len(counted) - self.rpm] + self.window - now
        if self.slots is not None and len(self.live) >= self.slots:
            return False, "concurrency", 1.0
        return True, None, None


steps = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.integers(0, 25)),  # seconds to wait first
        st.tuples(st.just("release"), st.integers(0, 30)),  # which held request ends
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps=steps, rpm=st.none() | st.integers(0, 6), slots=st.none() | st.integers(0, 4))
def test_matches_the_reference_model(steps: list[tuple[str, int]], rpm: int | None, slots: int | None) -> None:
    clock = Clock()
    limiter = MemoryLimiter(window_seconds=60, clock=clock)
    model = Reference(rpm, slots, 60.0)
    held: list[str] = []
    for action, n in steps:
        if action == "acquire":
            clock.now += n
            got = acquire(limiter, rpm=rpm, slots=slots)
            assert (got.allowed, got.reason, got.retry_after) == model.acquire(clock.now)
            if got.allowed:
                if rpm is not None:
                    model.starts.append(clock.now)
                if slots is not None:
                    model.live.add(got.token)
                held.append(got.token)
        elif held:
            token = held.pop(n % len(held))
            asyncio.run(limiter.release("k", token))
            model.live.discard(token)
