"""Router calls against fake upstreams on loopback failing in scripted ways; waits on a fake clock."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
from router_fakes import MSG, deployment, fake_clock, status, upstreams

import modelmux
from modelmux.errors import APIError, APITimeoutError, BadRequestError, InternalServerError, RateLimitError
from modelmux.router import NoDeploymentAvailableError


def _text(result: Any) -> str:
    return str(result.choices[0].message.content)


def test_a_429_fails_over_at_once_and_cools_the_deployment_down_for_its_retry_after() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "30"}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        answer = router.completion("g", MSG)
        assert _text(answer) == "hello from d2"
        assert clock.sleeps == []  # another deployment was free: no backoff
        hidden = answer._hidden_params
        assert hidden["attempts"] == 2 and hidden["model_id"] == "d2" and hidden["model_group"] == "g"
        assert hidden["failures"] == [
            {"model": "openai/gpt-4o", "model_id": "d1", "model_group": "g", "error": "RateLimitError", "status": 429}
        ]
        assert "sk-secret" not in repr(hidden)
        for _ in range(3):  # d1 is cooling down: every call goes to d2
            assert _text(router.completion("g", MSG)) == "hello from d2"
        assert (up["d1"].count, up["d2"].count) == (1, 4)
        clock.now += 29.0
        router.completion("g", MSG)
        assert up["d1"].count == 1
        clock.now += 1.5  # cooldown over: half-open, d1 is probed (first in order) and closes again
        assert _text(router.completion("g", MSG)) == "hello from d1"
        assert _text(router.completion("g", MSG)) == "hello from d1"


@pytest.mark.parametrize(
    ("headers", "cooldown"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after-ms": "2500"}, 2.5),
        ({}, 5.0),  # no hint: the router's cooldown_time
    ],
)
def test_each_retry_after_form_sets_the_cooldown(headers: dict[str, str], cooldown: float) -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, headers))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        router.completion("g", MSG)
        stats = router.state.snapshot(router.deployments("g"), clock.now)
        assert stats[0].cooldown_left == pytest.approx(cooldown)


def test_azure_x_ms_retry_after_ms_sets_the_cooldown() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"x-ms-retry-after-ms": "1500", "retry-after": "40"}))
        azure = {"model": "azure/dep", "api_base": up["d1"].base, "api_key": "k", "api_version": "2024-10-21"}
        router = modelmux.Router([{"model_name": "g", "litellm_params": azure}, deployment("g", up["d2"])])
        assert _text(router.completion("g", MSG)) == "hello from d2"
        assert router.state.snapshot(router.deployments("g"), clock.now)[0].cooldown_left == pytest.approx(1.5)


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": when}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        router.completion("g", MSG)
        left = router.state.snapshot(router.deployments("g"), clock.now)[0].cooldown_left
        assert 17.0 <= left <= 20.0


def test_every_deployment_cooling_down_raises_rate_limit_with_the_earliest_retry_after() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(429, {"retry-after": "30"}))
        up["d2"].then(status(429, {"retry-after": "8"}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], num_retries=5)
        with pytest.raises(RateLimitError) as caught:
            router.completion("g", MSG)
        assert isinstance(caught.value, NoDeploymentAvailableError)
        assert caught.value.retry_after == pytest.approx(8.0)
        assert (up["d1"].count, up["d2"].count) == (1, 1)  # no request was sent to a cooling deployment
        assert "sk-secret" not in str(caught.value)


def test_wait_for_cooldown_waits_for_the_first_free_deployment() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "30"}))
        up["d2"].then(status(429, {"retry-after": "8"}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], wait_for_cooldown=True)
        answer = router.completion("g", MSG)
        assert _text(answer) == "hello from d2" and clock.sleeps == [pytest.approx(8.0)]
        assert answer._hidden_params["attempts"] == 3


def test_wait_for_cooldown_never_waits_past_the_deadline() -> None:
    with upstreams("d1") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "30"}))
        router = modelmux.Router([deployment("g", up["d1"])], wait_for_cooldown=True, timeout=10)
        with pytest.raises(RateLimitError):
            router.completion("g", MSG)
        assert clock.sleeps == []


def test_a_cooldown_only_extends() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "60"}))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        router.completion("g", MSG)
        d1 = router.deployments("g")[0]
        from modelmux.router.circuit import Outcome

        router.state.settle(d1, "", clock.now, Outcome(ok=False, failure=True, cooldown=2.0), router.policy, 0.3)
        assert router.state.snapshot([d1], clock.now)[0].cooldown_left == pytest.approx(60.0)
        router.state.settle(d1, "", clock.now, Outcome(ok=False, failure=True, cooldown=90.0), router.policy, 0.3)
        assert router.state.snapshot([d1], clock.now)[0].cooldown_left == pytest.approx(90.0)


def test_failures_over_allowed_fails_open_the_circuit() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(*[status(500)] * 3)
        router = modelmux.Router(
            [deployment("g", up["d1"], order=1), deployment("g", up["d2"], order=2)], allowed_fails=2, num_retries=1
        )
        for _ in range(3):  # d1 first (order 1), fails, d2 answers
            assert _text(router.completion("g", MSG)) == "hello from d2"
        assert up["d1"].count == 3
        router.completion("g", MSG)  # the third failure was over allowed_fails=2: d1 cools down
        assert up["d1"].count == 3


def test_the_failure_rate_rule_over_a_minimum_volume() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then("ok", status(503), status(503), "ok", status(503))
        router = modelmux.Router(
            [deployment("g", up["d1"], order=1), deployment("g", up["d2"], order=2)],
            allowed_fails=None,
            failure_threshold=0.5,
            failure_min_requests=5,
        )
        for _ in range(5):
            router.completion("g", MSG)
        assert up["d1"].count == 5  # 3 of 5 failed: over half of at least 5
        router.completion("g", MSG)
        assert up["d1"].count == 5


def test_half_open_lets_one_probe_through_and_a_failed_probe_cools_down_again() -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(429, {"retry-after": "10"}), status(500))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], cooldown_time=20)
        router.completion("g", MSG)
        clock.now += 11
        assert _text(router.completion("g", MSG)) == "hello from d2"  # the probe failed (500)...
        assert up["d1"].count == 2
        left = router.state.snapshot(router.deployments("g"), clock.now)[0].cooldown_left
        assert left == pytest.approx(20.0)  # ...and d1 cools down again, for cooldown_time


@pytest.mark.parametrize("code", [401, 403, 404])
def test_a_deployment_s_own_key_or_model_error_moves_to_another_deployment(code: int) -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(status(code, kind="authentication_error"), status(code, kind="authentication_error"))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], num_retries=3)
        assert _text(router.completion("g", MSG)) == "hello from d2" and clock.sleeps == []
        lone = modelmux.Router([deployment("h", up["d1"])], num_retries=3)
        with pytest.raises(APIError):
            lone.completion("h", MSG)  # nothing else to try: not retried on the same key
        assert up["d1"].count == 2


def test_a_request_error_is_neither_retried_nor_counted() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(400, message="bad request", kind="invalid_request_error"))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], fallbacks=[])
        with pytest.raises(BadRequestError):
            router.completion("g", MSG)
        assert (up["d1"].count, up["d2"].count) == (1, 0)
        stats = router.state.snapshot(router.deployments("g"), 0)
        assert stats[0].cooldown_left == 0 and stats[0].in_flight == 0


@pytest.mark.parametrize("failure", [status(500), status(529, kind="overloaded_error"), "reset"])
def test_transient_failures_move_to_the_other_deployment(failure: Any) -> None:
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        up["d1"].then(failure)
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        assert _text(router.completion("g", MSG)) == "hello from d2" and clock.sleeps == []


def test_a_lone_deployment_is_retried_with_backoff_and_then_the_error_is_raised() -> None:
    with upstreams("d1") as up, fake_clock(rand=1.0) as clock:
        up["d1"].then(status(500), status(500), status(500))
        router = modelmux.Router([deployment("g", up["d1"])], num_retries=2, allowed_fails=None)
        with pytest.raises(InternalServerError):
            router.completion("g", MSG)
        assert up["d1"].count == 3 and clock.sleeps == [0.5, 1.0]  # one loop: 1 + num_retries requests


def test_fallbacks_between_groups_each_once_and_capped() -> None:
    with upstreams("a", "b", "c") as up, fake_clock():
        up["a"].then(status(500))
        up["b"].then(status(500))
        router = modelmux.Router(
            [deployment("A", up["a"]), deployment("B", up["b"]), deployment("C", up["c"])],
            num_retries=0,
            fallbacks=[{"A": ["B", "A", "C"]}, {"B": ["A"]}],
        )
        answer = router.completion("A", MSG)
        assert _text(answer) == "hello from c" and answer._hidden_params["model_group"] == "C"
        assert (up["a"].count, up["b"].count, up["c"].count) == (1, 1, 1)
        up["a"].then(status(500), status(500))
        assert _text(router.completion("A", MSG, fallbacks=["B"])) == "hello from b"  # the call's own list
        with pytest.raises(InternalServerError):
            router.completion("A", MSG, disable_fallbacks=True)
        assert up["c"].count == 1


def test_context_window_and_content_policy_fallbacks_come_first() -> None:
    with upstreams("small", "big", "other", "safe") as up, fake_clock():
        up["small"].then(
            status(400, {"x-code": "context_length_exceeded"}, "maximum context length", "invalid_request_error"),
            status(400, {"x-code": "content_policy_violation"}, "content policy", "invalid_request_error"),
        )
        router = modelmux.Router(
            [deployment(g, up[n]) for g, n in (("S", "small"), ("B", "big"), ("O", "other"), ("P", "safe"))],
            fallbacks=[{"S": ["O"]}],
            context_window_fallbacks=[{"S": ["B"]}],
            content_policy_fallbacks=[{"S": ["P"]}],
        )
        assert _text(router.completion("S", MSG)) == "hello from big"
        assert _text(router.completion("S", MSG)) == "hello from safe"
        assert up["other"].count == 0


def test_stream_fails_over_before_the_first_chunk_only() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(503))
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
        stream = router.completion("g", MSG, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "hello from d2" and stream._hidden_params["attempts"] == 2


def test_stream_cut_after_the_first_chunk_ends_with_the_error_and_is_never_replayed() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then("cut")
        router = modelmux.Router([deployment("g", up["d1"], order=1), deployment("g", up["d2"], order=2)])
        stream = router.completion("g", MSG, stream=True)
        received: list[str] = []
        with pytest.raises(APIError):
            for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        assert received == ["partial from d1"]
        assert (up["d1"].count, up["d2"].count) == (1, 0)
        assert router.state.snapshot(router.deployments("g"), 0)[0].in_flight == 0


def test_async_calls_and_streams() -> None:
    async def main() -> None:
        with upstreams("d1", "d2") as up, fake_clock():
            up["d1"].then(status(429, {"retry-after": "5"}), status(500))
            router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])])
            answer = await router.acompletion("g", MSG)
            assert _text(answer) == "hello from d2" and answer._hidden_params["attempts"] == 2
            stream = await router.acompletion("g", MSG, stream=True)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text == "hello from d2"
            vectors = await router.aembedding("g", "hello")
            assert vectors._hidden_params["model_id"] == "d2"
            stats = router.state.snapshot(router.deployments("g"), 0)
            assert [s.in_flight for s in stats] == [0, 0]

    asyncio.run(main())


def test_the_overall_deadline_bounds_every_attempt() -> None:
    with upstreams("d1", "d2") as up:
        up["d1"].then("hang")
        up["d2"].then("hang")
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], num_retries=5, timeout=0.6)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            router.completion("g", MSG)
        assert time.monotonic() - started < 1.5
        assert up["d1"].count + up["d2"].count <= 2


def test_rpm_limits_are_honoured_before_sending() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"], rpm=2, order=1), deployment("g", up["d2"], rpm=1, order=2)])
        for _ in range(3):
            router.completion("g", MSG)
        assert (up["d1"].count, up["d2"].count) == (2, 1)
        with pytest.raises(NoDeploymentAvailableError) as caught:
            router.completion("g", MSG)
        assert 0 < (caught.value.retry_after or 0) <= 60
        assert up["d1"].count + up["d2"].count == 3


def test_the_deployment_key_never_shows() -> None:
    with upstreams("d1") as up, fake_clock():
        up["d1"].then(status(401, message="bad key sk-secret-d1", kind="authentication_error"))
        router = modelmux.Router([deployment("g", up["d1"])])
        with pytest.raises(APIError) as caught:
            router.completion("g", MSG)
        assert "sk-secret-d1" not in str(caught.value) and "sk-secret" not in repr(router)
        assert "sk-secret" not in repr(router.deployments("g"))
        assert up["d1"].requests[0]["key"] == "Bearer sk-secret-d1"


def test_unknown_group_and_per_call_options() -> None:
    with upstreams("d1") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"])], default_options={"temperature": 0.5})
        with pytest.raises(BadRequestError, match="not a model group"):
            router.completion("nope", MSG)
        router.completion("g", MSG, seed=7)
        body = up["d1"].requests[-1]["body"]
        assert body["temperature"] == 0.5 and body["seed"] == 7


def test_a_backoff_that_would_pass_the_deadline_is_not_taken() -> None:
    with upstreams("d1") as up, fake_clock(rand=1.0) as clock:
        up["d1"].then(status(500), status(500), status(500))
        router = modelmux.Router([deployment("g", up["d1"])], num_retries=5, allowed_fails=None, timeout=1.2)
        with pytest.raises(InternalServerError):
            router.completion("g", MSG)
        assert clock.sleeps == [0.5] and up["d1"].count == 2  # the next wait (1.0 s) would end past 1.2 s


def test_least_busy_counts_an_open_stream_as_in_flight() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], routing_strategy="least-busy")
        stream = router.completion("g", MSG, stream=True)
        busy = stream._hidden_params["model_id"]
        assert [s.in_flight for s in router.state.snapshot(router.deployments("g"), 0)].count(1) == 1
        for _ in range(3):  # every call goes to the deployment without the open stream
            assert router.completion("g", MSG)._hidden_params["model_id"] != busy
        stream.close()
        assert [s.in_flight for s in router.state.snapshot(router.deployments("g"), 0)] == [0, 0]


def test_an_async_stream_closed_early_frees_its_slot() -> None:
    async def main() -> None:
        with upstreams("d1") as up, fake_clock():
            router = modelmux.Router([deployment("g", up["d1"])])
            stream = await router.acompletion("g", MSG, stream=True)
            assert router.state.snapshot(router.deployments("g"), 0)[0].in_flight == 1
            await stream.__anext__()
            await stream.aclose()
            assert router.state.snapshot(router.deployments("g"), 0)[0].in_flight == 0
            unread = await router.acompletion("g", MSG, stream=True)
            await unread.aclose()  # never iterated
            assert router.state.snapshot(router.deployments("g"), 0)[0].in_flight == 0

    asyncio.run(main())


def test_a_predicted_context_window_overflow_goes_to_the_bigger_group_without_sending() -> None:
    huge = [{"role": "user", "content": "word " * 140_000}]  # over gpt-4o's 128k-token window
    with upstreams("small", "big") as up, fake_clock():
        router = modelmux.Router(
            [deployment("S", up["small"]), deployment("B", up["big"], model="openai/gpt-4.1")],
            context_window_fallbacks=[{"S": ["B"]}],
        )
        answer = router.completion("S", huge)
        assert _text(answer) == "hello from big" and up["small"].count == 0
        assert answer._hidden_params["failures"][0]["error"] == "ContextWindowExceededError"
        assert answer._hidden_params["attempts"] == 1  # requests sent: the predicted overflow sent none
        assert router.completion("S", MSG)._hidden_params["model_group"] == "S"  # a small prompt stays


@pytest.mark.parametrize("use_async", [False, True])
def test_an_attempt_after_waiting_for_a_cooldown_gets_only_the_time_left(use_async: bool) -> None:
    import httpx

    sent: list[float | None] = []
    answers = [(429, {"retry-after": "8"}), (200, {})]
    ok = {"id": "1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]}

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"]["read"])
        code, headers = answers.pop(0)
        return httpx.Response(code, json=ok if code == 200 else {"error": {"message": "slow down"}}, headers=headers)

    async def areply(request: httpx.Request) -> httpx.Response:
        return reply(request)

    transport = httpx.MockTransport(areply if use_async else reply)
    params = {"model": "openai/gpt-4o", "api_key": "sk-x", "transport": transport}
    with fake_clock() as clock:
        router = modelmux.Router([{"model_name": "g", "litellm_params": params}], wait_for_cooldown=True, timeout=10)
        if use_async:
            asyncio.run(router.acompletion("g", MSG))
        else:
            router.completion("g", MSG)
    assert clock.sleeps == [pytest.approx(8.0)]
    assert sent == [10.0, pytest.approx(2.0)]  # the 8 s wait came out of the one deadline


def _busy(router: modelmux.Router) -> list[int]:
    return [s.in_flight for s in router.state.snapshot(router.deployments("g"), 0)]


def test_a_stream_dropped_unfinished_frees_its_slot() -> None:
    import gc

    with upstreams("d1") as up, fake_clock():
        router = modelmux.Router([deployment("g", up["d1"])], routing_strategy="least-busy")
        stream = router.completion("g", MSG, stream=True)
        next(stream)
        assert _busy(router) == [1]
        del stream  # iterated, never closed
        gc.collect()
        assert _busy(router) == [0]
        unread = router.completion("g", MSG, stream=True)
        del unread  # never iterated
        gc.collect()
        assert _busy(router) == [0]
        for _chunk in router.completion("g", MSG, stream=True):
            break  # the caller stops iterating; the stream is dropped with the loop
        gc.collect()
        assert _busy(router) == [0]


def test_an_async_stream_dropped_unfinished_frees_its_slot() -> None:
    import gc

    async def main() -> None:
        with upstreams("d1") as up, fake_clock():
            router = modelmux.Router([deployment("g", up["d1"])], routing_strategy="least-busy")
            stream = await router.acompletion("g", MSG, stream=True)
            await stream.__anext__()
            del stream
            gc.collect()
            await asyncio.sleep(0.01)
            assert _busy(router) == [0]
            unread = await router.acompletion("g", MSG, stream=True)
            del unread
            gc.collect()
            assert _busy(router) == [0]
            async for _chunk in await router.acompletion("g", MSG, stream=True):
                break
            gc.collect()
            await asyncio.sleep(0.01)
            assert _busy(router) == [0]

    asyncio.run(main())


def test_a_request_timeout_408_falls_back_to_the_next_group() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(408, kind="timeout"), status(408, kind="timeout"))
        router = modelmux.Router(
            [deployment("A", up["d1"]), deployment("B", up["d2"])], num_retries=1, fallbacks=[{"A": ["B"]}]
        )
        answer = router.completion("A", MSG)
        assert _text(answer) == "hello from d2" and answer._hidden_params["model_group"] == "B"
        assert (up["d1"].count, up["d2"].count) == (2, 1)


def test_a_deployment_s_own_timeout_keeps_the_call_s_idle_gap_and_connect_limits() -> None:
    import httpx

    sent: list[dict[str, float]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"])
        return httpx.Response(200, json={"id": "1", "choices": [{"index": 0, "message": {"content": "hi"}}]})

    params = {"model": "openai/gpt-4o", "api_key": "sk-x", "transport": httpx.MockTransport(reply), "timeout": 30}
    router = modelmux.Router([{"model_name": "g", "litellm_params": params}])
    with fake_clock():
        router.completion("g", MSG, timeout=httpx.Timeout(20, connect=2, read=0.4))
        assert sent == [{"connect": 2, "read": 0.4, "write": 20, "pool": 20}]  # the idle gap is not widened
        router.completion("g", MSG, timeout=httpx.Timeout(60, read=0.4))
        assert sent[-1] == {"connect": 30, "read": 0.4, "write": 30, "pool": 30}  # the deployment caps the rest


def test_every_group_cooling_down_raises_the_earliest_retry_after_of_them_all() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(429, {"retry-after": "8"}))
        up["d2"].then(status(429, {"retry-after": "30"}))
        router = modelmux.Router([deployment("A", up["d1"]), deployment("B", up["d2"])], fallbacks=[{"A": ["B"]}])
        with pytest.raises(RateLimitError):
            router.completion("A", MSG)  # A's d1: 429 (8 s); B's d2: 429 (30 s)
        with pytest.raises(NoDeploymentAvailableError) as caught:
            router.completion("A", MSG)  # nothing free in A (8 s) nor in B (30 s)
        assert caught.value.retry_after == pytest.approx(8.0)  # A, the called group, is free first
        assert (up["d1"].count, up["d2"].count) == (1, 1)
