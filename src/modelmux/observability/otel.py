"""OpenTelemetry for modelmux calls: a span per call, a child span per attempt, and the GenAI client metrics.

Needs ``opentelemetry-api`` (the ``otel`` extra: ``pip install '.[otel]'`` in the modelmux checkout) and, to export
anything, an SDK with a tracer and meter provider configured by the application. modelmux imports OpenTelemetry
only here, when you enable it.

Spans: ``"{operation} {model}"`` (kind CLIENT) started when the call starts (a child of the span current then),
ended when the call or its stream ends; each try (retries, fallbacks) is an INTERNAL child span with its own
timing, its own ``gen_ai.provider.name`` and ``gen_ai.request.model`` (a fallback may go elsewhere) and
``error.type``. Metrics: ``gen_ai.client.operation.duration`` (s), ``gen_ai.client.token.usage``
(``{token}``, by ``gen_ai.token.type``), and ``gen_ai.client.operation.time_to_first_chunk`` (s) for streams.
Message content (``gen_ai.input.messages`` / ``gen_ai.output.messages``) only with ``capture_content=True``.
A call answered from modelmux's cache has ``modelmux.cache_hit`` on its span and records no token usage.
"""

from __future__ import annotations

import os
from typing import Any

from ..callbacks import Callback, CallEvent
from .genai_attributes import (
    attempt_attributes,
    input_messages,
    output_messages,
    request_attributes,
    response_attributes,
)

__all__ = ["CAPTURE_CONTENT_ENV", "OpenTelemetry"]

#: The environment variable OpenTelemetry's GenAI instrumentations read to opt in to message content.
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

#: Bucket boundaries the GenAI metric conventions advise.
_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]

_NS = 1_000_000_000


def _import_otel() -> tuple[Any, Any]:
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        raise ImportError(
            "modelmux's OpenTelemetry support needs opentelemetry-api: pip install '.[otel]' in the modelmux checkout"
        ) from None
    return trace, metrics


class OpenTelemetry(Callback):
    """A callback that records spans and metrics (register it with :func:`modelmux.observability.enable_otel`,
    or pass it per call in ``callbacks=[...]``)."""

    def __init__(
        self, *, tracer_provider: Any = None, meter_provider: Any = None, capture_content: bool | None = None
    ) -> None:
        trace, metrics = _import_otel()
        from .. import __version__

        if capture_content is None:
            capture_content = os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() in ("1", "true", "yes")
        self.capture_content = capture_content
        # Without content, on_stream_end needs no rebuilt response: nothing is kept per chunk.
        self.rebuild_stream = capture_content  # type: ignore[misc]
        self._trace = trace
        self._tracer = trace.get_tracer("modelmux", __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter("modelmux", __version__, meter_provider=meter_provider)
        self._duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self._first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk in a streaming operation",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )

    # ------------------------------------------------------------------ hooks

    def on_start(self, event: CallEvent) -> None:
        attrs = request_attributes(event)
        if self.capture_content and event.messages is not None:
            attrs["gen_ai.input.messages"] = input_messages(event.messages)
        span = self._tracer.start_span(
            f"{attrs['gen_ai.operation.name']} {attrs['gen_ai.request.model']}",
            kind=self._trace.SpanKind.CLIENT,
            attributes=attrs,
            start_time=int(event.start_time * _NS),
        )
        event.state[self] = (span, attrs)

    def on_success(self, event: CallEvent) -> None:
        self._end(event)

    def on_stream_end(self, event: CallEvent) -> None:
        self._end(event)

    def on_failure(self, event: CallEvent) -> None:
        self._end(event)

    # ------------------------------------------------------------------ recording

    def _end(self, event: CallEvent) -> None:
        started = event.state.pop(self, None)
        if started is None:  # registered after this call started
            return
        span, request = started
        end_ns = int((event.end_time or event.now()) * _NS)
        result = response_attributes(event)
        if request["gen_ai.provider.name"] == "unknown" and event.attempts:  # a router's group: who answered
            provider = attempt_attributes(event, event.attempts[-1].model)["gen_ai.provider.name"]
            request = {**request, "gen_ai.provider.name": provider}
            result["gen_ai.provider.name"] = provider
        if self.capture_content and event.response is not None:
            output = output_messages(event.response)
            if output is not None:
                result["gen_ai.output.messages"] = output
        span.set_attributes(result)
        if event.hidden_params.get("cache_hit") is True:
            span.set_attribute("modelmux.cache_hit", True)
        if event.error is not None:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, type(event.error).__name__))
        self._attempt_spans(event, span, request)
        span.end(end_time=end_ns)
        self._record_metrics(event, request, result)

    def _attempt_spans(self, event: CallEvent, parent: Any, request: dict[str, Any]) -> None:
        context = self._trace.set_span_in_context(parent)
        operation = request["gen_ai.operation.name"]
        for number, attempt in enumerate(event.attempts, 1):
            attrs: dict[str, Any] = {
                "gen_ai.operation.name": operation,
                **attempt_attributes(event, attempt.model),
                "modelmux.attempt.model": attempt.model,  # as modelmux was given it (``provider/model``, a group)
                "modelmux.attempt.number": number,
            }
            span = self._tracer.start_span(
                f"{operation} {attrs['gen_ai.request.model']}",
                context=context,
                kind=self._trace.SpanKind.INTERNAL,
                attributes=attrs,
                start_time=int(attempt.start_time * _NS),
            )
            if attempt.error is not None:
                span.set_attribute("error.type", type(attempt.error).__name__)
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, type(attempt.error).__name__))
            span.end(end_time=int((attempt.end_time or event.now()) * _NS))

    def _record_metrics(self, event: CallEvent, request: dict[str, Any], result: dict[str, Any]) -> None:
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": request["gen_ai.operation.name"],
            "gen_ai.provider.name": request["gen_ai.provider.name"],
            "gen_ai.request.model": request["gen_ai.request.model"],
        }
        if "gen_ai.response.model" in result:
            attrs["gen_ai.response.model"] = result["gen_ai.response.model"]
        if event.error is not None:
            attrs["error.type"] = type(event.error).__name__
        if event.duration is not None:
            self._duration.record(event.duration, attrs)
        if event.time_to_first_chunk is not None:
            self._first_chunk.record(event.time_to_first_chunk, attrs)
        if event.hidden_params.get("cache_hit") is True:
            return  # answered from modelmux's cache: no token was used (the span still tells the answer's usage)
        for kind, key in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens")):
            if key in result:
                self._tokens.record(result[key], {**attrs, "gen_ai.token.type": kind})
