"""Callbacks on chat completions: what each hook is told, per call and process-wide."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from obs_fakes import KEY, MSG, Recorder, Upstream, error, registered, sse

import modelmux
from modelmux import callbacks
from modelmux._streaming import ChatStream
from modelmux.callbacks import Callback, CallEvent
from modelmux.errors import BadRequestError, InternalServerError

GPT = "openai/gpt-4o"


def test_success_tells_timing_usage_cost_attempts_and_scrubbed_kwargs() -> None:
    rec = Recorder()
    up = Upstream()
    answer = modelmux.completion(
        GPT, MSG, api_key=KEY, transport=up.transport, temperature=0.2, callbacks=[rec],
        extra_headers={"Authorization": "Bearer " + KEY, "X-Trace": "t1"},
    )  # fmt: skip
    assert rec.hooks == ["start", "success"]
    event = rec.last
    assert event.operation == "completion" and event.model == GPT and event.provider == "openai"
    assert event.response is answer and event.error is None and not event.stream
    assert event.messages is MSG
    assert event.duration is not None and event.duration >= 0 and event.end_time >= event.start_time  # type: ignore[operator]
    assert event.usage.prompt_tokens == 1000 and event.usage.completion_tokens == 500
    # gpt-4o: $2.50 / $10 per million tokens (prices.json): 1000 * 2.5e-6 + 500 * 1e-5
    assert event.cost == pytest.approx(0.0075)
    assert event.kwargs["temperature"] == 0.2
    assert event.kwargs["api_key"] == callbacks.REDACTED
    assert event.kwargs["extra_headers"] == {"Authorization": callbacks.REDACTED, "X-Trace": "t1"}
    assert KEY not in repr(event.kwargs) and "transport" in event.kwargs
    assert [a.model for a in event.attempts] == [GPT] and event.attempts[0].error is None
    assert event.hidden_params["attempts"] == 1
    assert event.response_id == "chatcmpl-1" and event.finish_reasons == ["stop"]


def test_failure_is_told_and_the_error_reaches_the_caller_unchanged() -> None:
    rec = Recorder()
    up = Upstream(error(500, f"bad key {KEY}"))
    with pytest.raises(InternalServerError) as caught:
        modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, callbacks=[rec])
    assert rec.hooks == ["start", "failure"]
    event = rec.last
    assert event.error is caught.value and event.response is None and event.cost is None
    assert KEY not in str(event.error)  # scrubbed before any hook sees it
    assert event.attempts[0].error is caught.value


def test_each_retry_and_fallback_is_an_attempt() -> None:
    from modelmux._retry import Pacer, pacing

    rec = Recorder()
    up = Upstream(error(500), error(503))
    with pacing(Pacer(sleep=lambda s: None)):
        modelmux.completion(
            GPT, MSG, api_key=KEY, transport=up.transport, num_retries=1, fallbacks=["openai/gpt-4o-mini"],
            callbacks=[rec],
        )  # fmt: skip
    event = rec.last
    assert [a.model for a in event.attempts] == [GPT, GPT, "openai/gpt-4o-mini"]
    assert [type(a.error).__name__ if a.error else None for a in event.attempts] == [
        "InternalServerError",
        "ServiceUnavailableError",
        None,
    ]
    assert all(a.end_time is not None and a.end_time >= a.start_time for a in event.attempts)
    assert event.hidden_params["attempts"] == 3 and event.hidden_params["model"] == "openai/gpt-4o-mini"


def test_a_stream_end_gives_the_rebuilt_response_and_time_to_first_chunk() -> None:
    rec = Recorder()
    stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec])
    assert isinstance(stream, ChatStream) and rec.hooks == ["start"]  # nothing until the stream ends
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "hello" and rec.hooks == ["start", "stream_end"]
    event = rec.last
    assert event.stream and event.completed and event.error is None
    assert event.response.choices[0].message.content == "hello"
    assert event.response.usage.total_tokens == 1500 and event.cost == pytest.approx(0.0075)
    assert event.time_to_first_chunk is not None and 0 <= event.time_to_first_chunk <= event.duration  # type: ignore[operator]
    assert event.finish_reasons == ["stop"] and event.response_model == "gpt-4o-2024-08-06"
    assert stream._hidden_params["attempts"] == 1  # type: ignore[attr-defined]


def test_a_stream_closed_early_ends_once_as_not_completed() -> None:
    rec = Recorder()
    with modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec]) as s:
        next(s)
    s.close()  # a second close tells nothing more
    assert rec.hooks == ["start", "stream_end"]
    assert rec.last.completed is False and rec.last.first_chunk_time is not None


def test_a_stream_failing_midway_is_a_failure() -> None:
    rec = Recorder()
    broken = httpx.Response(200, content=sse("hel", finish=False), headers={"content-type": "text/event-stream"})
    up = Upstream(broken)
    stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, stream=True, callbacks=[rec])
    with pytest.raises(modelmux.UpstreamError):
        list(stream)
    assert rec.hooks == ["start", "failure"]
    assert isinstance(rec.last.error, modelmux.UpstreamError) and rec.last.first_chunk_time is not None


def test_rebuild_stream_false_keeps_no_chunks_but_still_knows_usage_and_cost() -> None:
    class Light(Recorder):
        rebuild_stream = False

    rec = Light()
    list(modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec]))
    event = rec.last
    assert event.response is None
    assert event.usage.total_tokens == 1500 and event.cost == pytest.approx(0.0075)
    assert event.finish_reasons == ["stop"] and event.response_id == "chatcmpl-s"


def test_a_plain_function_is_called_once_at_the_end() -> None:
    seen: list[CallEvent] = []
    modelmux.completion("mock/demo", MSG, callbacks=[seen.append])
    list(modelmux.completion("mock/demo", MSG, stream=True, callbacks=[seen.append]))
    with pytest.raises(modelmux.APIError):
        modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream(error(500)).transport, callbacks=[seen.append])
    assert [(e.stream, e.error is None) for e in seen] == [(False, True), (True, True), (False, False)]


def test_a_failing_handler_never_breaks_the_call_and_is_logged_once_redacted(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Callback):
        def on_success(self, event: CallEvent) -> None:
            raise RuntimeError(f"cannot log {event._options['api_key']}")

    caplog.set_level(logging.DEBUG, logger="modelmux.callbacks")
    after = Recorder()
    for _ in range(3):
        answer = modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, callbacks=[Broken(), after])
        assert answer.choices[0].message.content == "hello"
    assert after.hooks == ["start", "success"] * 3  # the next handler still runs
    records = [r for r in caplog.records if r.name == "modelmux.callbacks"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "Broken.on_success" in records[0].getMessage() and "RuntimeError" in records[0].getMessage()
    assert all(KEY not in r.getMessage() for r in records)


def test_process_wide_handlers_are_snapshotted_when_a_call_starts() -> None:
    first, late = Recorder(), Recorder()
    with registered(first):
        assert callbacks.registered() == (first,)
        stream = modelmux.completion("mock/demo", MSG, stream=True)
        with registered(late):  # registered while the stream runs: not told about it
            list(stream)
            modelmux.completion("mock/demo", MSG)
        modelmux.completion("mock/demo", MSG, callbacks=[first])  # given twice: told once
    assert first.hooks == ["start", "stream_end", "start", "success", "start", "success"]
    assert late.hooks == ["start", "success"]
    assert callbacks.registered() == () and callbacks.unregister(first) is False


def test_without_any_handler_the_call_is_not_wrapped() -> None:
    assert callbacks.registered() == ()
    stream = modelmux.completion("mock/demo", MSG, stream=True)
    assert type(stream) is ChatStream  # no observing layer on the hot path
    list(stream)


@pytest.mark.parametrize("bad", ["langfuse", 3, [object()]])
def test_invalid_callbacks_are_a_bad_request(bad: Any) -> None:
    with pytest.raises(BadRequestError, match="callback") as caught:
        modelmux.completion("mock/demo", MSG, callbacks=bad)
    assert caught.value.param == "callbacks"


def test_secrets_given_as_provider_options_are_redacted() -> None:
    rec = Recorder()
    modelmux.completion(
        "bedrock/anthropic.claude-3-haiku-20240307-v1:0", MSG, mock_response="ok", callbacks=[rec],
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="AWSSECRETVALUE123", aws_session_token="SESSIONTOK",
        aws_region_name="us-east-1",
    )  # fmt: skip
    kwargs = rec.last.kwargs
    dumped = json.dumps(kwargs, default=str)
    assert "AWSSECRETVALUE123" not in dumped and "SESSIONTOK" not in dumped and "AKIDEXAMPLE" not in dumped
    assert kwargs["aws_region_name"] == "us-east-1" and kwargs["aws_secret_access_key"] == callbacks.REDACTED


def test_module_settings_for_callbacks_point_to_the_registry() -> None:
    for name in ("success_callback", "failure_callback", "callbacks"):
        with pytest.raises(modelmux.ModuleSettingError, match=r"modelmux\.callbacks\.register"):
            setattr(modelmux, name, [print])
    assert modelmux.callbacks is callbacks  # the subpackage itself stays reachable


def test_the_same_handlers_are_planned_once_and_replanned_when_registrations_change() -> None:
    from modelmux.callbacks._handlers import combine, current_plan

    rec, other = Recorder(), Recorder()
    given = (rec,)
    first = combine(current_plan(), given)
    assert combine(current_plan(), given) is first  # the gateway's per-route tuple: no planning per call
    with registered(other):
        plan = combine(current_plan(), given)
        assert plan is not first and plan.handlers == (other, rec)
        modelmux.completion("mock/demo", MSG, callbacks=given)
    assert rec.hooks == other.hooks == ["start", "success"]
    assert combine(current_plan(), [rec]) is first  # the same handlers in a list: the same plan
    assert combine(current_plan(), [rec, other]).handlers == (rec, other)


def test_kept_chunks_tell_usage_and_finish_reasons_before_the_response_is_rebuilt() -> None:
    class Reads(Callback):
        def on_stream_end(self, event: CallEvent) -> None:
            # Read from the kept chunks first (no per-chunk bookkeeping while they are kept), then rebuilt.
            self.before = (event.usage.total_tokens, event.finish_reasons, event.response_id, event.response_model)
            self.after = (event.response.usage.total_tokens, [c.finish_reason for c in event.response.choices])

    rec = Reads()
    list(modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec]))
    assert rec.before == (1500, ["stop"], "chatcmpl-s", "gpt-4o-2024-08-06")
    assert rec.after == (1500, ["stop"])


def test_a_stream_failing_after_its_finish_reason_still_tells_what_it_saw() -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Any:
            yield sse("hel", usage=False)[: -len(b"data: [DONE]\n\n")]
            raise httpx.ReadError("connection reset")

    for handler in (Recorder(), type("Light", (Recorder,), {"rebuild_stream": False})()):
        up = Upstream(httpx.Response(200, stream=Broken(), headers={"content-type": "text/event-stream"}))
        stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, stream=True, callbacks=[handler])
        with pytest.raises(modelmux.APIConnectionError):
            list(stream)
        assert handler.hooks == ["start", "failure"]
        assert handler.last.finish_reasons == ["stop"] and handler.last.response_id == "chatcmpl-s"
