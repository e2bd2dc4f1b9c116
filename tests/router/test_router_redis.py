"""Router state shared between processes through a real redis-server, and the state contract on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from router_fakes import status, upstreams

import modelmux
from modelmux.router import MemoryState, RedisState, RouterState
from modelmux.router.circuit import CircuitPolicy, Outcome
from modelmux.router.deployments import Deployment

WORKER = Path(__file__).with_name("router_redis_worker.py")
POLICY = CircuitPolicy(allowed_fails=2, cooldown_time=0.3, probe_timeout=5.0)


def _env() -> dict[str, str]:
    src = str(Path(modelmux.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _away_from_a_minute_boundary() -> None:
    """Usage is counted per wall-clock minute: keep a test's calls within one."""
    if time.time() % 60 > 54:
        time.sleep(60 - time.time() % 60 + 0.1)


def _run(url: str, prefix: str, calls: int, *bases: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(WORKER), url, prefix, str(calls), *bases]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _result(process: subprocess.Popen[str]) -> list[str]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return list(json.loads(out.strip().splitlines()[-1]))


def test_a_cooldown_set_by_one_process_is_seen_by_another(redis_url: str, prefix: str) -> None:
    with upstreams("d1", "d2") as up:
        up["d1"].then(status(429, {"retry-after": "30"}))
        first = _result(_run(redis_url, prefix, 1, up["d1"].base, up["d2"].base))
        assert first == ["d2"]  # d1 (order 0) answered 429, cooled down, d2 answered
        second = _result(_run(redis_url, prefix, 2, up["d1"].base, up["d2"].base))
        assert second == ["d2", "d2"]  # another process: d1 is still cooling down, nothing sent to it
        assert up["d1"].count == 1


def test_rpm_is_shared_exactly_between_concurrent_processes(redis_url: str, prefix: str) -> None:
    _away_from_a_minute_boundary()
    with upstreams("d1") as up:
        a, b = _run(redis_url, prefix, 3, up["d1"].base), _run(redis_url, prefix, 3, up["d1"].base)
        results = _result(a) + _result(b)
        assert sorted(results) == ["NoDeploymentAvailableError"] * 3 + ["d1"] * 3  # rpm = 3 for both together
        assert up["d1"].count == 3


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Iterator[RouterState]:
    if request.param == "memory":
        yield MemoryState()
        return
    url = request.getfixturevalue("redis_url")
    backend = RedisState(url, prefix=request.getfixturevalue("prefix"))
    yield backend
    backend.close()


def _dep(**kwargs: object) -> Deployment:
    return Deployment(id="x", group="g", model="openai/gpt-4o", **kwargs)  # type: ignore[arg-type]


def test_in_flight_counts_and_latency_average(state: RouterState) -> None:
    d = _dep()
    a, b = state.reserve(d, time.monotonic(), 0, POLICY), state.reserve(d, time.monotonic(), 0, POLICY)
    assert a.ok and b.ok and state.snapshot([d], time.monotonic())[0].in_flight == 2
    state.settle(d, a.token, time.monotonic(), Outcome(ok=True, latency=1.0), POLICY, 0.5)
    state.settle(d, b.token, time.monotonic(), Outcome(ok=True, latency=0.0), POLICY, 0.5)
    stats = state.snapshot([d], time.monotonic())[0]
    assert stats.in_flight == 0 and stats.latency == pytest.approx(0.5)


def test_cooldowns_only_extend_then_half_open_admits_one_probe(state: RouterState) -> None:
    d = _dep()
    state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=True, cooldown=0.4), POLICY, 0.3)
    state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=True, cooldown=0.05), POLICY, 0.3)
    left = state.snapshot([d], time.monotonic())[0].cooldown_left
    assert 0.3 < left <= 0.4
    assert state.reserve(d, time.monotonic(), 0, POLICY).reason == "cooldown"
    time.sleep(left + 0.05)
    stats = state.snapshot([d], time.monotonic())[0]
    assert stats.cooldown_left == 0 and stats.half_open and not stats.probing
    probe = state.reserve(d, time.monotonic(), 0, POLICY)
    assert probe.ok and state.reserve(d, time.monotonic(), 0, POLICY).reason == "probe"
    state.settle(d, probe.token, time.monotonic(), Outcome(ok=True, latency=0.1), POLICY, 0.3)
    stats = state.snapshot([d], time.monotonic())[0]
    assert not stats.half_open and state.reserve(d, time.monotonic(), 0, POLICY).ok


def test_failures_over_allowed_fails_trip_the_circuit(state: RouterState) -> None:
    d = _dep()
    for _ in range(2):
        state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=True), POLICY, 0.3)
    assert state.snapshot([d], time.monotonic())[0].cooldown_left == 0
    state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=False), POLICY, 0.3)  # the request's fault
    assert state.snapshot([d], time.monotonic())[0].cooldown_left == 0
    state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=True), POLICY, 0.3)
    assert state.snapshot([d], time.monotonic())[0].cooldown_left == pytest.approx(0.3, abs=0.05)


def test_rpm_and_tpm_are_checked_on_reserve(state: RouterState) -> None:
    _away_from_a_minute_boundary()
    d = _dep(rpm=2, tpm=100)
    assert state.reserve(d, time.monotonic(), 60, POLICY).ok
    assert state.reserve(d, time.monotonic(), 60, POLICY).reason == "tpm"
    assert state.reserve(d, time.monotonic(), 30, POLICY).ok
    assert state.reserve(d, time.monotonic(), 1, POLICY).reason == "rpm"
    stats = state.snapshot([d], time.monotonic())[0]
    assert (stats.requests, stats.tokens) == (2, 90) and 0 < stats.minute_left <= 60


def test_async_calls_share_state_through_redis(redis_url: str, prefix: str) -> None:
    import asyncio

    from router_fakes import MSG, deployment

    async def main() -> None:
        with upstreams("d1", "d2") as up:
            up["d1"].then(status(429, {"retry-after": "30"}))
            model_list = [deployment("g", up["d1"], order=1), deployment("g", up["d2"], order=2)]
            router = modelmux.Router(model_list, redis_url=redis_url, redis_prefix=prefix)
            other = modelmux.Router(model_list, redis_url=redis_url, redis_prefix=prefix)
            answer = await router.acompletion("g", MSG)
            assert answer._hidden_params["model_id"] == "d2"
            stream = await other.acompletion("g", MSG, stream=True)
            assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices]) == "hello from d2"
            stats = await other.state.asnapshot(other.deployments("g"), 0)
            assert 29 < stats[0].cooldown_left <= 30 and [s.in_flight for s in stats] == [0, 0]
            assert stats[1].latency is not None and up["d1"].count == 1
            await router.aclose()
            await other.aclose()

    asyncio.run(main())


def test_release_later_frees_the_slot_by_the_next_snapshot(state: RouterState) -> None:
    d = _dep()
    admission = state.reserve(d, time.monotonic(), 0, POLICY)
    assert admission.ok and state.snapshot([d], time.monotonic())[0].in_flight == 1
    state.release_later(d, admission.token)  # what a stream dropped unfinished does, from the garbage collector
    assert state.snapshot([d], time.monotonic())[0].in_flight == 0
    state.release_later(d, admission.token)  # told again: nothing goes below zero
    assert state.snapshot([d], time.monotonic())[0].in_flight == 0


def _half_open(state: RouterState, d: Deployment) -> None:
    state.settle(d, "", time.monotonic(), Outcome(ok=False, failure=True, cooldown=0.05), POLICY, 0.3)
    time.sleep(0.1)
    assert state.snapshot([d], time.monotonic())[0].half_open


def test_a_probe_ended_without_an_answer_lets_the_next_call_probe(state: RouterState) -> None:
    d = _dep()
    _half_open(state, d)
    probe = state.reserve(d, time.monotonic(), 0, POLICY)
    assert probe.ok and state.reserve(d, time.monotonic(), 0, POLICY).reason == "probe"
    state.release(d, probe.token)  # the probe was cancelled (the client went away): no verdict either way
    assert state.reserve(d, time.monotonic(), 0, POLICY).ok  # not blocked for probe_timeout (5 s here)


def test_only_the_probe_itself_frees_the_probe_lease(state: RouterState) -> None:
    d = _dep()
    early = state.reserve(d, time.monotonic(), 0, POLICY)  # in flight since before the cooldown
    _half_open(state, d)
    probe = state.reserve(d, time.monotonic(), 0, POLICY)
    assert early.ok and probe.ok
    state.settle(d, early.token, time.monotonic(), Outcome(ok=False, failure=False), POLICY, 0.3)  # its 400
    assert state.reserve(d, time.monotonic(), 0, POLICY).reason == "probe"  # still exactly one probe
    state.settle(d, probe.token, time.monotonic(), Outcome(ok=False, failure=False), POLICY, 0.3)  # the probe's 400
    assert state.reserve(d, time.monotonic(), 0, POLICY).ok  # the next call probes instead
