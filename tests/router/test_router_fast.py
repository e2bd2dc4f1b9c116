"""The router's direct pick (``modelmux.router.fast``): taken only while nothing needs looking at, and left for the
full path (snapshot, ranking, reservation) the moment a cooldown, a half-open probe, a limit, a failure in the call,
another strategy or a shared state is there; its draw is the full path's first choice."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest
from router_fakes import MSG, deployment, fake_clock, status, upstreams

import modelmux
from modelmux.router import MemoryState, RedisState, Router, Stats
from modelmux.router.circuit import CircuitPolicy, Outcome
from modelmux.router.deployments import Deployment
from modelmux.router.fast import FastGroup, fast_groups
from modelmux.router.strategies import LeastBusy, WeightedShuffle

POLICY = CircuitPolicy()


class Counting(MemoryState):
    """Not a plain MemoryState (so never picked from directly): only for the unit tests below."""


def _snapshots(router: Router) -> list[int]:
    """Counts the full path's looks at the group (``snapshot``) of ``router``'s state, in a one-item list."""
    seen = [0]
    state = router.state
    original = state.snapshot

    def counted(deployments: Any, now: float) -> list[Stats]:
        seen[0] += 1
        return original(deployments, now)

    state.snapshot = counted  # type: ignore[method-assign]
    return seen


def _text(result: Any) -> str:
    return str(result.choices[0].message.content)


def test_a_calm_call_picks_directly_and_still_records_everything() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        assert set(router.fast_groups) == {"g"} and router.fast_state is router.state
        looks = _snapshots(router)
        answer = router.completion("g", MSG)
        assert looks == [0]  # no Stats, no ranking
        hidden = answer._hidden_params
        assert hidden["attempts"] == 1 and hidden["model_id"] == "d1" and hidden["failures"] == []
        stats = router.state.snapshot(router.deployments("g"), clock.now)
        assert (stats[0].in_flight, stats[0].requests, stats[0].tokens) == (0, 1, 10)  # usage counted
        assert stats[0].latency is not None
        stream = router.completion("g", MSG, stream=True)
        assert router.state.snapshot(router.deployments("g"), clock.now)[0].in_flight == 1  # held while open
        stream.close()
        assert router.state.snapshot(router.deployments("g"), clock.now)[0].in_flight == 0


def test_a_cooldown_switches_to_the_full_path_until_it_ends_and_the_probe_closes_the_circuit() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "30"}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        looks = _snapshots(router)
        assert _text(router.completion("g", MSG)) == "hello from d2"  # first try direct (d1: 429), then full
        assert looks == [1]
        for n in range(3):  # d1 cools down: every call looks at the group, none goes to d1
            assert _text(router.completion("g", MSG)) == "hello from d2"
            assert looks == [2 + n]
        clock.now += 31  # the cooldown is over, d1 half-open: still the full path (it admits one probe)
        assert _text(router.completion("g", MSG)) == "hello from d1" and looks == [5]
        assert _text(router.completion("g", MSG)) == "hello from d1" and looks == [5]  # closed: direct again
        assert (up["d1"].count, up["d2"].count) == (3, 4)


def test_a_failure_in_the_call_takes_the_full_path_for_its_retry() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        looks = _snapshots(router)
        answer = router.completion("g", MSG)  # rand 0.0: d1 drawn directly; its failure is not cooled down...
        assert _text(answer) == "hello from d2" and answer._hidden_params["attempts"] == 2
        assert looks == [1]  # ...but the retry ranks the group, with d1 (failed in this call) last
        router.completion("g", MSG)
        assert looks == [1]  # a 500 under allowed_fails leaves the state calm


@pytest.mark.parametrize(
    "extra",
    [{"rpm": 100}, {"tpm": 100_000}],
)
def test_a_group_with_limits_always_takes_the_full_path(extra: dict[str, Any]) -> None:
    with upstreams("d1", "d2", "d3") as up, fake_clock():
        router = modelmux.Router(
            [deployment("g", up["d1"], **extra), deployment("g", up["d2"]), deployment("h", up["d3"])]
        )
        assert set(router.fast_groups) == {"h"}
        looks = _snapshots(router)
        router.completion("g", MSG)
        router.completion("h", MSG)
        assert looks == [1]


def test_the_rpm_limit_of_a_group_is_honoured() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"], rpm=2, order=1), deployment("g", up["d2"], order=2)])
        answered = [router.completion("g", MSG)._hidden_params["model_id"] for _ in range(4)]
        assert answered == ["d1", "d1", "d2", "d2"]


@pytest.mark.parametrize("strategy", ["least-busy", "latency-based-routing", "usage-based-routing"])
def test_other_strategies_take_the_full_path(strategy: str) -> None:
    with upstreams("d1") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"])], routing_strategy=strategy)
        assert router.fast_groups == {}
        looks = _snapshots(router)
        router.completion("g", MSG)
        assert looks == [1]


def test_a_subclass_of_memory_state_takes_the_full_path() -> None:
    with upstreams("d1") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"])], state=Counting())
        assert router.fast_groups == {} and router.fast_state is None
        looks = _snapshots(router)
        router.completion("g", MSG)
        assert looks == [1]
        assert router.state.snapshot(router.deployments("g"), 0)[0].latency is not None  # settled with an Outcome


def test_a_cooldown_set_through_a_shared_memory_state_by_another_router_is_seen() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        shared = MemoryState()
        up["d1"].then(status(429, {"retry-after": "30"}))
        first = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], state=shared)
        second = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], state=shared)
        first.completion("g", MSG)
        looks = _snapshots(second)
        assert [_text(second.completion("g", MSG)) for _ in range(3)] == ["hello from d2"] * 3
        assert looks == [3] and up["d1"].count == 1


def test_the_async_call_picks_directly_and_switches_alike() -> None:
    async def main() -> None:
        with upstreams("d1", "d2") as up, fake_clock():
            up["d1"].then("ok", status(429, {"retry-after": "30"}))
            router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
            looks = _snapshots(router)
            assert _text(await router.acompletion("g", MSG)) == "hello from d1" and looks == [0]
            assert _text(await router.acompletion("g", MSG)) == "hello from d2" and looks == [1]
            assert _text(await router.acompletion("g", MSG)) == "hello from d2" and looks == [2]
            stream = await router.acompletion("g", MSG, stream=True)
            assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices]) == "hello from d2"
            stats = router.state.snapshot(router.deployments("g"), 0)
            assert [s.in_flight for s in stats] == [0, 0]

    asyncio.run(main())


# ------------------------------------------------------------------ the state's counters


def _dep(name: str, **kwargs: Any) -> Deployment:
    return Deployment(id=name, group="g", model="openai/gpt-4o", **kwargs)


def test_take_refuses_once_a_cooldown_began_after_calm_was_read() -> None:
    state, d = MemoryState(), _dep("a")
    assert state.calm(10.0)
    state.settle(d, "", 10.0, Outcome(ok=False, failure=True, cooldown=5.0), POLICY, 0.3)  # another thread's 429
    assert not state.take(d, 10.0) and not state.calm(10.0)
    assert state.snapshot([d], 10.0)[0].in_flight == 0  # nothing taken


def test_a_success_during_a_cooldown_keeps_the_state_unsettled_until_the_cooldown_ends() -> None:
    state, a, b = MemoryState(), _dep("a"), _dep("b")
    assert state.take(a, 0.0) and state.take(a, 0.0)  # two calls in flight on a
    state.settle(a, "", 1.0, Outcome(ok=False, failure=True, cooldown=30.0), POLICY, 0.3)
    state.succeed(a, 2.0, 0.5, 0, True, POLICY, 0.3)  # the other one answers: the half-open flag is cleared...
    assert not state.snapshot([a], 2.0)[0].half_open
    assert not state.calm(2.0) and not state.take(b, 2.0)  # ...but a cools down until 31
    assert state.calm(31.0) and state.take(b, 31.0)


def test_half_open_slots_are_counted_once_and_uncounted_when_the_probe_answers() -> None:
    state, a, b = MemoryState(), _dep("a"), _dep("b")
    for d in (a, a, b):  # a cooled down twice (one slot), b once
        state.settle(d, "", 0.0, Outcome(ok=False, failure=True, cooldown=1.0), POLICY, 0.3)
    assert not state.calm(5.0)
    assert state.reserve(a, 5.0, 0, POLICY).ok  # a's probe
    state.settle(a, "", 5.0, Outcome(ok=True, latency=0.1), POLICY, 0.3)
    assert not state.calm(5.0)  # b is still half-open
    assert state.reserve(b, 5.0, 0, POLICY).ok
    state.succeed(b, 5.0, 0.1, 0, True, POLICY, 0.3)
    assert state.calm(5.0)


# ------------------------------------------------------------------ the draw


def _groups() -> Iterator[list[Deployment]]:
    yield [_dep("a")]
    yield [_dep("a"), _dep("b"), _dep("c")]
    yield [_dep("a", weight=1), _dep("b", weight=3), _dep("c", weight=0.5)]
    yield [_dep("a", weight=0), _dep("b", weight=0)]
    yield [_dep("a", weight=0), _dep("b", weight=2)]
    yield [_dep("a", weight=0.1), _dep("b", weight=0.2), _dep("c", weight=0.3)]


@pytest.mark.parametrize("group", list(_groups()))
def test_the_draw_is_the_first_choice_of_the_weighted_shuffle(group: list[Deployment]) -> None:
    stats = [Stats() for _ in group]
    draws = [0.0, 1.0, 0.25, 0.5, 0.75, 1 / 3, 2 / 3, 0.999999, *[random.Random(7).random() for _ in range(200)]]
    for r in draws:
        first = WeightedShuffle({}).rank(list(zip(group, stats, strict=True)), itertools.repeat(r).__next__)[0]
        assert FastGroup(group).draw(itertools.repeat(r).__next__) is first


def test_the_draw_keeps_to_the_lowest_order() -> None:
    ds = {"g": (_dep("a", order=2), _dep("b", order=1), _dep("c"), _dep("d", order=1))}
    fast = fast_groups(ds, WeightedShuffle({}), MemoryState())["g"]
    assert [d.id for d in fast.deployments] == ["b", "d"]
    assert fast_groups(ds, LeastBusy({}), MemoryState()) == {}


def test_a_redis_state_is_never_picked_from_directly(redis_url: str, prefix: str) -> None:
    """Another process's cooldown lives in Redis, seen only through its snapshot: no local shortcut there."""
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(429, {"retry-after": "30"}))
        model_list = [deployment("g", up["d1"], order=1), deployment("g", up["d2"], order=2)]
        one = modelmux.Router(model_list, state=RedisState(redis_url, prefix=prefix))
        other = modelmux.Router(model_list, state=RedisState(redis_url, prefix=prefix))  # as another process
        assert one.fast_groups == {} and one.fast_state is None
        assert _text(one.completion("g", MSG)) == "hello from d2"
        assert [_text(other.completion("g", MSG)) for _ in range(2)] == ["hello from d2"] * 2
        assert up["d1"].count == 1
        for router in (one, other):
            close = getattr(router.state, "close", None)
            if close is not None:
                close()


@pytest.mark.parametrize(
    ("usage", "counted"), [({"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}, 12), (None, 0)]
)
def test_a_tpm_group_counts_the_real_usage_instead_of_the_estimate(usage: Any, counted: int) -> None:
    """The estimate reserved before sending is replaced by the answer's usage (refunded when it has none)."""
    import httpx

    answer = {
        "id": "1",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }
    if usage is not None:
        answer["usage"] = usage
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    params = {"model": "openai/gpt-4o", "api_key": "sk-x", "transport": transport, "tpm": 100_000}
    with fake_clock() as clock:
        router = modelmux.Router([{"model_name": "g", "litellm_params": params}])
        router.completion("g", [{"role": "user", "content": "x" * 400}], max_tokens=50)  # estimate: 100 + 50
        assert router.state.snapshot(router.deployments("g"), clock.now)[0].tokens == counted
