"""Callbacks of embedding, image_generation, transcription, moderation and rerank: one event per call (its retries
and fallbacks listed in ``event.attempts``, as for chat), sync and async, per call and process-wide; and a cache hit
reported (``hidden_params["cache_hit"]``, no attempt)."""

from __future__ import annotations

import pytest
from obs_fakes import Recorder, registered

from fake_clock import fake_clock
from modelmux import Cache
from modelmux.errors import InternalServerError
from operation_fakes import OPERATIONS, Scripted, error, invoke

ALL = pytest.mark.parametrize("operation", list(OPERATIONS))
BOTH = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
CACHEABLE = pytest.mark.parametrize("operation", ["embedding", "moderation", "rerank", "transcription"])


@ALL
@BOTH
def test_a_retried_call_is_one_event_with_its_attempts(operation: str, use_async: bool) -> None:
    up, rec = Scripted(error(500)), Recorder()
    with fake_clock():
        result = invoke(operation, up, num_retries=1, callbacks=[rec], use_async=use_async)
    assert rec.hooks == ["start", "success"]
    event = rec.last
    assert event.operation == operation and event.response is result
    assert len(event.attempts) == 2 and len(up.requests) == 2
    assert isinstance(event.attempts[0].error, InternalServerError) and event.attempts[1].error is None
    assert all(a.end_time is not None for a in event.attempts)
    assert event.hidden_params["attempts"] == 2


@ALL
@BOTH
def test_a_failed_call_is_one_failure_event(operation: str, use_async: bool) -> None:
    up, rec = Scripted(error(500), error(503)), Recorder()
    with fake_clock(), pytest.raises(Exception) as info:
        invoke(operation, up, num_retries=1, callbacks=[rec], use_async=use_async)
    assert rec.hooks == ["start", "failure"]
    assert rec.last.error is info.value and [a.error is not None for a in rec.last.attempts] == [True, True]


@ALL
def test_a_fallback_is_an_attempt_of_the_same_event(operation: str) -> None:
    up, rec = Scripted(error(500)), Recorder()
    model = OPERATIONS[operation][2]
    with fake_clock():
        invoke(operation, up, fallbacks=[model.replace("/", "/other-", 1)], callbacks=[rec])
    assert rec.hooks == ["start", "success"]
    assert [a.model for a in rec.last.attempts] == [model, model.replace("/", "/other-", 1)]


@ALL
@BOTH
def test_a_process_wide_handler_sees_one_event_per_call(operation: str, use_async: bool) -> None:
    up = Scripted(error(500), error(500))
    with registered(Recorder()) as rec, fake_clock():
        invoke(operation, up, num_retries=2, use_async=use_async)
    assert rec.hooks == ["start", "success"] and len(rec.last.attempts) == 3


@ALL
def test_the_event_shows_the_operation_arguments_without_credentials(operation: str) -> None:
    rec = Recorder()
    invoke(operation, Scripted(), api_key="sk-secret-value-0123456789", callbacks=[rec])
    kwargs = rec.last.kwargs
    assert kwargs["api_key"] == "[REDACTED]"
    assert set(OPERATIONS[operation][3]) <= set(kwargs)


@CACHEABLE
@BOTH
def test_a_cache_hit_is_reported_to_callbacks(operation: str, use_async: bool) -> None:
    up, rec, cache = Scripted(), Recorder(), Cache()
    first = invoke(operation, up, cache=cache, callbacks=[rec], use_async=use_async)
    again = invoke(operation, up, cache=cache, callbacks=[rec], use_async=use_async)
    assert len(up.requests) == 1
    assert rec.hooks == ["start", "success", "start", "success"]
    miss, hit = rec.calls[1][1], rec.calls[3][1]
    assert miss.hidden_params["cache_hit"] is False and len(miss.attempts) == 1
    assert hit.hidden_params["cache_hit"] is True and hit.hidden_params["attempts"] == 0
    assert hit.attempts == [] and hit.response is again
    assert again.model_dump() == first.model_dump()


@pytest.mark.parametrize("stream", [False, True])
def test_a_hit_costs_nothing_in_the_event(stream: bool) -> None:
    """The miss is priced from its usage; the hit, answered from the cache, costs 0 (as ``completion_cost``)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "cache"))
    from cache_fakes import MSG, Upstream

    import modelmux

    up, cache, rec = Upstream(), Cache(), Recorder()
    for _ in range(2):
        reply = modelmux.completion(
            "openai/gpt-4o", MSG, api_key="k", transport=up.transport, cache=cache, callbacks=[rec], stream=stream
        )
        if stream:
            list(reply)
    miss, hit = rec.calls[1][1], rec.calls[3][1]
    assert miss.cost is not None and miss.cost > 0
    assert hit.hidden_params["cache_hit"] is True and hit.cost == 0.0


@ALL
def test_otel_one_call_span_with_one_span_per_attempt(operation: str) -> None:
    from opentelemetry.trace import SpanKind, StatusCode
    from test_otel import Otel

    otel = Otel()
    with fake_clock():
        invoke(operation, Scripted(error(500)), num_retries=1, callbacks=[otel.handler])
    calls = [s for s in otel.finished() if s.kind == SpanKind.CLIENT]
    attempts = sorted((s for s in otel.finished() if s.kind == SpanKind.INTERNAL), key=lambda s: s.start_time)
    assert len(calls) == 1 and len(attempts) == 2
    assert all(s.parent is not None and s.parent.span_id == calls[0].context.span_id for s in attempts)
    assert [s.status.status_code for s in attempts] == [StatusCode.ERROR, StatusCode.UNSET]
