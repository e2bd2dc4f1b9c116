"""RedisLimiter against a real redis-server: budgets shared across clients and processes, leases, failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio

from modelmux.asgi.limits import Decision, LimiterError, RedisLimiter

WORKER = Path(__file__).with_name("redis_limiter_worker.py")


async def burst(limiter: RedisLimiter, n: int, **limits: Any) -> list[Decision]:
    return list(await asyncio.gather(*(limiter.acquire("k", **limits) for _ in range(n))))


def admitted(decisions: list[Decision]) -> int:
    return sum(d.allowed for d in decisions)


@pytest.mark.parametrize(
    ("limits", "expected"), [({"rpm": None, "max_concurrent": 11}, 11), ({"rpm": 17, "max_concurrent": None}, 17)]
)
def test_two_limiters_with_their_own_clients_share_one_budget(
    redis_url: str, prefix: str, limits: dict[str, int | None], expected: int
) -> None:
    async def main() -> int:
        one, two = RedisLimiter(redis_url, prefix=prefix), RedisLimiter(redis_url, prefix=prefix)
        try:
            results = await asyncio.gather(burst(one, 40, **limits), burst(two, 40, **limits))
            return admitted(results[0]) + admitted(results[1])
        finally:
            await one.aclose()
            await two.aclose()

    assert asyncio.run(main()) == expected


class Workers:
    """Worker processes, each with its own RedisLimiter; every round they fire their bursts at the same moment."""

    def __init__(self, count: int, redis_url: str, prefix: str) -> None:
        command = [sys.executable, str(WORKER), redis_url, prefix]
        self.procs = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(count)
        ]
        assert self.tell_all("") == ["ready"] * count

    def tell_all(self, line: str) -> list[str]:
        for proc in self.procs:  # everyone is told before anyone is heard: the bursts overlap
            if line:
                assert proc.stdin is not None
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
        answers = []
        for proc in self.procs:
            assert proc.stdout is not None
            answers.append(proc.stdout.readline().strip())
        return answers

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.write("quit\n")
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_processes_share_one_budget(redis_url: str, prefix: str) -> None:
    workers = Workers(3, redis_url, prefix)
    try:
        for key, rpm, max_concurrent, expected in [("a", "-", "9", 9), ("b", "23", "-", 23), ("c", "12", "5", 5)]:
            counts = [int(n) for n in workers.tell_all(f"go {key} 30 {rpm} {max_concurrent}")]
            assert sum(counts) == expected, (key, counts)
            assert workers.tell_all("release") == ["released"] * 3
        # The slots of "c" all came back, and its minute still holds the 5 it counted: 5 more, then no more.
        assert sum(int(n) for n in workers.tell_all("go c 30 12 5")) == 5
        assert workers.tell_all("release") == ["released"] * 3
        assert sum(int(n) for n in workers.tell_all("go c 30 12 5")) == 2
        workers.tell_all("release")
    finally:
        workers.stop()
    assert [proc.returncode for proc in workers.procs] == [0, 0, 0]


def test_the_slots_of_a_limiter_that_stopped_lapse_with_their_lease(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        crashed = RedisLimiter(redis_url, prefix=prefix, lease_seconds=0.5)
        other = RedisLimiter(redis_url, prefix=prefix, lease_seconds=0.5)
        try:
            assert admitted(await burst(crashed, 3, rpm=None, max_concurrent=3)) == 3
            await crashed.aclose()  # stops renewing and never releases: as a worker that died
            assert admitted(await burst(other, 3, rpm=None, max_concurrent=3)) == 0
            await asyncio.sleep(0.6)
            assert admitted(await burst(other, 5, rpm=None, max_concurrent=3)) == 3
        finally:
            await other.aclose()

    asyncio.run(main())


def test_a_held_slot_is_renewed_past_its_lease(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        holder = RedisLimiter(redis_url, prefix=prefix, lease_seconds=0.3)
        other = RedisLimiter(redis_url, prefix=prefix, lease_seconds=0.3)
        try:
            held = await holder.acquire("k", rpm=None, max_concurrent=1)
            assert held.allowed
            deadline = time.monotonic() + 1.2  # four leases long
            while time.monotonic() < deadline:
                assert not (await other.acquire("k", rpm=None, max_concurrent=1)).allowed
                await asyncio.sleep(0.05)
            await holder.release("k", held.token)
            assert (await other.acquire("k", rpm=None, max_concurrent=1)).allowed
        finally:
            await holder.aclose()
            await other.aclose()

    asyncio.run(main())


def test_keys_use_server_time_and_expire_when_idle(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        client: Any = redis.asyncio.from_url(redis_url)  # redis-py types replies loosely
        limiter = RedisLimiter(client, prefix=prefix, window_seconds=0.4, lease_seconds=0.4)
        try:
            d = await limiter.acquire("alice", rpm=5, max_concurrent=5)
            starts, leases = f"{prefix}:limits:{{alice}}:starts", f"{prefix}:limits:{{alice}}:leases"
            seconds, micros = await client.time()
            [(member, score)] = await client.zrange(starts, 0, -1, withscores=True)
            assert member.decode() == d.token
            assert abs(score - (seconds * 1_000_000 + micros)) < 1_000_000
            assert await client.zscore(leases, d.token) == pytest.approx(score + 400_000, abs=1)
            await limiter.release("alice", d.token)
            assert await client.zcard(leases) == 0
            await asyncio.sleep(0.5)
            assert await client.exists(starts, leases) == 0
        finally:
            await limiter.aclose()
            assert await client.ping()  # a client passed in stays open: its owner closes it
            await client.aclose()

    asyncio.run(main())


def test_an_unreachable_store_raises_limiter_error_and_release_only_logs(
    start_redis: Any, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    url, stop = start_redis()

    async def main() -> None:
        limiter = RedisLimiter(url, prefix=prefix)
        try:
            held = await limiter.acquire("k", rpm=10, max_concurrent=2)
            assert held.allowed
            stop()
            with pytest.raises(LimiterError, match="Redis limit store failed") as caught:
                await limiter.acquire("k", rpm=10, max_concurrent=2)
            assert url not in str(caught.value)
            await limiter.release("k", held.token)  # the lease lapses on its own; nothing to raise
            with pytest.raises(LimiterError):
                await limiter.acquire("k", rpm=10, max_concurrent=2)
        finally:
            await limiter.aclose()

    caplog.set_level(logging.WARNING, logger="modelmux.asgi.limits")
    asyncio.run(main())
    # The outage is one log line without a traceback, not one per failed call.
    outage = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage) == 1 and outage[0].exc_info is None


def test_a_clear_error_without_the_redis_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ImportError, match=r"'redis' extra\): pip install redis"):
        RedisLimiter("redis://127.0.0.1:1")


def test_importing_the_limits_does_not_import_redis() -> None:
    code = "import sys, modelmux.asgi.limits as m; m.MemoryLimiter(); assert 'redis' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cancelled_acquires_and_releases_leave_no_slot_taken(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        limiter = RedisLimiter(redis_url, prefix=prefix)
        try:
            for ticks in range(12):  # cancel at different points: before, during and after the round trip
                attempt = asyncio.ensure_future(limiter.acquire("k", rpm=None, max_concurrent=1))
                for _ in range(ticks):
                    await asyncio.sleep(0)
                attempt.cancel()
                try:
                    decision = await attempt
                except asyncio.CancelledError:
                    pass
                else:  # it finished first: release it, and cancel that instead
                    assert decision.allowed
                    ending = asyncio.ensure_future(limiter.release("k", decision.token))
                    await asyncio.sleep(0)
                    ending.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await ending
                await asyncio.sleep(0.02)
                probe = await limiter.acquire("k", rpm=None, max_concurrent=1)
                assert probe.allowed, ticks
                await limiter.release("k", probe.token)
        finally:
            await limiter.aclose()

    asyncio.run(main())
