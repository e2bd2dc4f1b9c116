"""OpenTelemetry spans and metrics (GenAI semantic conventions), read back from the SDK's in-memory exporters."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from obs_fakes import KEY, MSG, Upstream, error
from opentelemetry.sdk.metrics import MeterProvider  # opentelemetry-sdk: the dev extra
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import modelmux
from modelmux import callbacks
from modelmux.observability import disable_otel, enable_otel
from modelmux.observability.otel import OpenTelemetry

GPT = "openai/gpt-4o"


class Otel:
    def __init__(self, capture_content: bool = False) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.tracer_provider = tracer_provider
        self.handler = OpenTelemetry(
            tracer_provider=tracer_provider,
            meter_provider=MeterProvider(metric_readers=[self.reader]),
            capture_content=capture_content,
        )

    def finished(self) -> list[Any]:
        return list(self.spans.get_finished_spans())

    def call_span(self) -> Any:
        return next(s for s in self.finished() if s.kind == SpanKind.CLIENT)

    def metrics(self) -> dict[str, list[Any]]:
        data = self.reader.get_metrics_data()
        out: dict[str, list[Any]] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    out.setdefault(metric.name, []).extend(metric.data.data_points)
        return out


@pytest.fixture
def otel() -> Iterator[Otel]:
    yield Otel()


def test_a_chat_call_is_one_client_span_with_the_genai_attributes(otel: Otel) -> None:
    modelmux.completion(
        GPT, MSG, api_key=KEY, transport=Upstream().transport, temperature=0.3, max_tokens=50, top_p=0.9,
        stop=["END"], seed=7, callbacks=[otel.handler],
    )  # fmt: skip
    span = otel.call_span()
    assert span.name == "chat gpt-4o" and span.status.status_code == StatusCode.UNSET
    a = dict(span.attributes)
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "openai"
    assert a["gen_ai.request.model"] == "gpt-4o" and a["gen_ai.request.stream"] is False
    assert a["gen_ai.request.temperature"] == 0.3 and a["gen_ai.request.max_tokens"] == 50
    assert a["gen_ai.request.top_p"] == 0.9 and a["gen_ai.request.seed"] == 7
    assert a["gen_ai.request.stop_sequences"] == ("END",)
    assert a["gen_ai.response.id"] == "chatcmpl-1" and a["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["gen_ai.usage.input_tokens"] == 1000 and a["gen_ai.usage.output_tokens"] == 500
    assert "gen_ai.input.messages" not in a and "gen_ai.output.messages" not in a  # content is opt-in
    assert KEY not in json.dumps({k: str(v) for k, v in a.items()})


def test_one_span_per_attempt_under_the_call_span(otel: Otel) -> None:
    from modelmux._retry import Pacer, pacing

    with pacing(Pacer(sleep=lambda s: None)):
        modelmux.completion(
            GPT, MSG, api_key=KEY, transport=Upstream(error(500), error(503)).transport, num_retries=1,
            fallbacks=["openai/gpt-4o-mini"], callbacks=[otel.handler],
        )  # fmt: skip
    call = otel.call_span()
    attempts = sorted((s for s in otel.finished() if s.kind == SpanKind.INTERNAL), key=lambda s: s.start_time)
    assert len(attempts) == 3
    assert all(s.parent is not None and s.parent.span_id == call.context.span_id for s in attempts)
    assert all(s.context.trace_id == call.context.trace_id for s in attempts)
    assert [s.attributes["gen_ai.request.model"] for s in attempts] == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    assert [s.attributes["modelmux.attempt.model"] for s in attempts] == [GPT, GPT, "openai/gpt-4o-mini"]
    assert {s.attributes["gen_ai.provider.name"] for s in attempts} == {"openai"}
    errors = [s.attributes.get("error.type") for s in attempts]
    assert errors == ["InternalServerError", "ServiceUnavailableError", None]
    assert [s.status.status_code for s in attempts] == [StatusCode.ERROR, StatusCode.ERROR, StatusCode.UNSET]
    assert call.start_time <= attempts[0].start_time and attempts[-1].end_time <= call.end_time


def test_an_attempt_span_names_the_provider_and_model_it_went_to(otel: Otel) -> None:
    from modelmux._retry import Pacer, pacing

    groq = "groq/llama-3.1-8b-instant"  # an OpenAI-compatible provider: the fake upstream answers it too
    with pacing(Pacer(sleep=lambda s: None)):
        modelmux.completion(
            GPT, MSG, api_key=KEY, transport=Upstream(error(500)).transport,
            fallbacks=[{"model": groq, "api_key": KEY}], callbacks=[otel.handler],
        )  # fmt: skip
    first, second = sorted((s for s in otel.finished() if s.kind == SpanKind.INTERNAL), key=lambda s: s.start_time)
    assert first.name == "chat gpt-4o" and first.attributes["gen_ai.provider.name"] == "openai"
    assert second.name == "chat llama-3.1-8b-instant" and second.attributes["gen_ai.provider.name"] == "groq"
    assert second.attributes["gen_ai.request.model"] == "llama-3.1-8b-instant"
    assert second.attributes["modelmux.attempt.model"] == groq


def test_a_failed_call_marks_the_span_and_the_duration_metric(otel: Otel) -> None:
    with pytest.raises(modelmux.InternalServerError):
        modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream(error(500)).transport, callbacks=[otel.handler])
    span = otel.call_span()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "InternalServerError"
    (point,) = otel.metrics()["gen_ai.client.operation.duration"]
    assert point.attributes["error.type"] == "InternalServerError" and point.count == 1


def test_metrics_follow_the_genai_conventions(otel: Otel) -> None:
    for _ in range(2):
        modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, callbacks=[otel.handler])
    metrics = otel.metrics()
    (duration,) = metrics["gen_ai.client.operation.duration"]
    assert duration.count == 2 and duration.sum > 0
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
    }
    assert list(duration.explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    tokens = {p.attributes["gen_ai.token.type"]: p for p in metrics["gen_ai.client.token.usage"]}
    assert tokens["input"].sum == 2000 and tokens["output"].sum == 1000 and tokens["input"].count == 2


def test_a_stream_records_time_to_first_chunk_and_ends_its_span_at_the_end(otel: Otel) -> None:
    up = Upstream()
    stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, stream=True, callbacks=[otel.handler])
    assert otel.finished() == []  # the span stays open while the stream runs
    list(stream)
    a = dict(otel.call_span().attributes)
    assert a["gen_ai.request.stream"] is True and a["gen_ai.usage.output_tokens"] == 500
    assert a["gen_ai.response.finish_reasons"] == ("stop",) and a["gen_ai.response.time_to_first_chunk"] >= 0
    (ttfc,) = otel.metrics()["gen_ai.client.operation.time_to_first_chunk"]
    assert ttfc.count == 1


def test_a_cache_hit_uses_no_tokens_in_the_metrics_and_is_marked_on_its_span(otel: Otel) -> None:
    cache = modelmux.Cache()
    for _ in range(2):
        up = Upstream()
        modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, cache=cache, callbacks=[otel.handler])
    miss, hit = sorted((s for s in otel.finished() if s.kind == SpanKind.CLIENT), key=lambda s: s.start_time)
    assert "modelmux.cache_hit" not in miss.attributes and hit.attributes["modelmux.cache_hit"] is True
    metrics = otel.metrics()
    tokens = {p.attributes["gen_ai.token.type"]: p for p in metrics["gen_ai.client.token.usage"]}
    assert tokens["input"].count == 1 and tokens["input"].sum == 1000  # the miss only
    (duration,) = metrics["gen_ai.client.operation.duration"]
    assert duration.count == 2  # both calls took their time


def test_cache_and_reasoning_tokens() -> None:
    otel = Otel()
    usage = {
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 1000},
        "completion_tokens_details": {"reasoning_tokens": 200},
    }
    body = {"id": "r", "model": "o3", "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}}]}
    up = Upstream(httpx.Response(200, json={**body, "usage": usage}))
    modelmux.completion("openai/o3", MSG, api_key=KEY, transport=up.transport, callbacks=[otel.handler])
    a = dict(otel.call_span().attributes)
    assert a["gen_ai.usage.input_tokens"] == 1200 and a["gen_ai.usage.cache_read.input_tokens"] == 1000
    assert a["gen_ai.usage.output_tokens"] == 300 and a["gen_ai.usage.reasoning.output_tokens"] == 200


def test_anthropic_cache_writes_are_cache_creation_tokens() -> None:
    otel = Otel()
    answer = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 300,
                  "cache_read_input_tokens": 200},
    }  # fmt: skip
    up = Upstream(httpx.Response(200, json=answer))
    modelmux.completion(
        "anthropic/claude-sonnet-4-20250514", MSG, api_key=KEY, transport=up.transport, callbacks=[otel.handler]
    )
    a = dict(otel.call_span().attributes)
    assert a["gen_ai.provider.name"] == "anthropic"
    assert a["gen_ai.usage.input_tokens"] == 510  # every input token, cached ones included
    assert a["gen_ai.usage.cache_read.input_tokens"] == 200 and a["gen_ai.usage.cache_creation.input_tokens"] == 300
    assert a["gen_ai.response.finish_reasons"] == ("stop",)


def test_message_content_only_when_opted_in() -> None:
    otel = Otel(capture_content=True)
    modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, callbacks=[otel.handler])
    up = Upstream()
    list(modelmux.completion(GPT, MSG, api_key=KEY, transport=up.transport, stream=True, callbacks=[otel.handler]))
    spans = [s for s in otel.finished() if s.kind == SpanKind.CLIENT]
    assert len(spans) == 2
    for span in spans:
        assert json.loads(span.attributes["gen_ai.input.messages"]) == [
            {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
        ]
        assert json.loads(span.attributes["gen_ai.output.messages"]) == [
            {"role": "assistant", "parts": [{"type": "text", "content": "hello"}], "finish_reason": "stop"}
        ]


def test_capture_content_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    assert OpenTelemetry(tracer_provider=TracerProvider()).capture_content is True
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
    assert OpenTelemetry(tracer_provider=TracerProvider()).capture_content is False


def test_the_call_span_is_a_child_of_the_current_span(otel: Otel) -> None:
    tracer = otel.tracer_provider.get_tracer("app")

    async def run() -> None:
        with tracer.start_as_current_span("request"):
            await modelmux.acompletion("mock/demo", MSG, callbacks=[otel.handler])

    asyncio.run(run())
    outer = next(s for s in otel.finished() if s.name == "request")
    call = otel.call_span()
    assert call.parent.span_id == outer.context.span_id and call.attributes["gen_ai.provider.name"] == "mock"


def test_embeddings_are_the_embeddings_operation(otel: Otel) -> None:
    modelmux.embedding("mock/emb", "hello", encoding_format="float", callbacks=[otel.handler])
    span = otel.call_span()
    assert span.name == "embeddings emb"
    assert span.attributes["gen_ai.operation.name"] == "embeddings"
    assert span.attributes["gen_ai.request.encoding_formats"] == ("float",)


def test_enable_and_disable_register_one_process_wide_handler() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    first = enable_otel(tracer_provider=provider)
    second = enable_otel(tracer_provider=provider)  # replaces, never doubles
    try:
        assert callbacks.registered() == (second,) and first is not second
        modelmux.completion("mock/demo", MSG)
    finally:
        assert disable_otel() is True
    assert disable_otel() is False and callbacks.registered() == ()
    modelmux.completion("mock/demo", MSG)
    assert [s.name for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT] == ["chat demo"]


def test_import_modelmux_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, modelmux\n"
        "modelmux.completion('mock/demo', [{'role': 'user', 'content': 'hi'}])\n"
        "import modelmux.observability, modelmux.callbacks\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
