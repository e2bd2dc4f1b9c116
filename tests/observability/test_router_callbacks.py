"""Callbacks on a Router call: one event per routed call (not one per deployment attempt), its attempts listed
inside, whether the handlers are given per call, in the router's ``default_options`` or process-wide; streams and
the other operations too, sync and async; and an OpenTelemetry call span with one span per attempt."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from obs_fakes import Recorder, registered

sys.path.insert(0, str(Path(__file__).parent.parent / "router"))
from router_fakes import MSG, deployment, fake_clock, status, upstreams

import modelmux
from modelmux.errors import InternalServerError


def _router(up: dict[str, Any], **kwargs: Any) -> modelmux.Router:
    return modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], **kwargs)


def test_a_failover_is_one_event_with_both_attempts() -> None:
    rec = Recorder()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        answer = _router(up).completion("g", MSG, callbacks=[rec])
    assert rec.hooks == ["start", "success"]
    event = rec.last
    assert event.model == "g" and event.response is answer and event.operation == "completion"
    assert len(event.attempts) == 3 and [type(a.error) for a in event.attempts[:2]] == [InternalServerError] * 2
    assert event.attempts[-1].error is None and event.attempts[-1].end_time is not None
    assert event.hidden_params["model_group"] == "g" and event.hidden_params["attempts"] == 3


def test_a_failed_routed_call_is_one_failure() -> None:
    rec = Recorder()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(*[status(500)] * 5)
        up["d2"].then(*[status(500)] * 5)
        with pytest.raises(InternalServerError):
            _router(up, num_retries=1).completion("g", MSG, callbacks=[rec])
    assert rec.hooks == ["start", "failure"] and len(rec.last.attempts) == 2


@pytest.mark.parametrize("where", ["default_options", "registered"])
def test_router_wide_and_process_wide_handlers_see_one_event_per_call(where: str) -> None:
    rec = Recorder()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        if where == "default_options":
            _router(up, default_options={"callbacks": [rec]}).completion("g", MSG)
        else:
            with registered(rec):
                _router(up).completion("g", MSG)
    assert rec.hooks == ["start", "success"] and len(rec.last.attempts) == 3


def test_a_routed_stream_ends_once_with_its_rebuilt_response() -> None:
    rec = Recorder()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        chunks = list(_router(up).completion("g", MSG, stream=True, callbacks=[rec]))
    assert chunks and rec.hooks == ["start", "stream_end"]
    assert rec.last.response.choices[0].message.content and len(rec.last.attempts) == 3


def test_async_calls_and_other_operations() -> None:
    rec = Recorder()

    async def run(router: modelmux.Router) -> None:
        await router.acompletion("g", MSG, callbacks=[rec])
        await router.aembedding("g", "hi", callbacks=[rec])

    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        router = _router(up)
        asyncio.run(run(router))
        router.embedding("g", "hi", callbacks=[rec])
    assert rec.hooks == ["start", "success"] * 3
    assert [e.operation for h, e in rec.calls if h == "success"] == ["completion", "embedding", "embedding"]
    assert len(rec.calls[1][1].attempts) == 3


def test_otel_one_call_span_per_routed_call() -> None:
    from opentelemetry.trace import SpanKind
    from test_otel import Otel

    otel = Otel()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        _router(up).completion("g", MSG, callbacks=[otel.handler])
    calls = [s for s in otel.finished() if s.kind == SpanKind.CLIENT]
    attempts = [s for s in otel.finished() if s.kind == SpanKind.INTERNAL]
    assert len(calls) == 1 and len(attempts) == 3
    assert all(s.parent is not None and s.parent.span_id == calls[0].context.span_id for s in attempts)
    # The group names no provider: the call span takes the deployments' (required by the GenAI conventions).
    assert calls[0].attributes["gen_ai.request.model"] == "g"
    assert calls[0].attributes["gen_ai.provider.name"] == "openai"
    assert {s.attributes["gen_ai.provider.name"] for s in attempts} == {"openai"}
    (duration,) = otel.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["gen_ai.provider.name"] == "openai"


def test_no_handler_anywhere_leaves_the_call_unobserved() -> None:
    with upstreams("d1", "d2") as up, fake_clock():
        router = _router(up)
        call = router._call("completion", "g", {"messages": MSG}, {})
        assert type(call).__name__ == "RouterCall"
