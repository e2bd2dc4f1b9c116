"""How the gateway's metrics learn about upstream calls: a callback per model route, and the per-request record
(:class:`RequestWatch`) it writes the public model name into.

The watch is put in a context variable by :mod:`.metrics_asgi` when a request starts; the handler's tasks inherit
the context, so the callback's ``on_start`` finds the same object and the request's counters get their ``model``
label without the handlers knowing about metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..callbacks import Callback, CallEvent
from .types import Message, Send

if TYPE_CHECKING:
    from .metrics import GatewayMetrics

__all__ = ["CURRENT", "MetricsCallback", "RequestWatch", "route_callbacks"]

#: At most this much of an error answer's body is kept, to read its error type.
_ERROR_BODY = 4096
#: Operations whose results are priced without a token usage (per image, audio minute, request, search unit).
_PRICED_PER_UNIT = frozenset({"image_generation", "transcription", "moderation", "rerank"})


class RequestWatch:
    """``send`` for one request, noting the status and an error answer's body; the model and whether an upstream
    call failed are filled in by :class:`MetricsCallback`."""

    __slots__ = ("error_body", "model", "send", "status", "upstream_failed")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.model = ""
        self.error_body = b""
        self.upstream_failed = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif self.status >= 400 and not self.error_body:
            self.error_body = bytes(message.get("body", b""))[:_ERROR_BODY]
        await self.send(message)


CURRENT: ContextVar[RequestWatch | None] = ContextVar("modelmux_gateway_request", default=None)


class MetricsCallback(Callback):
    """Counts one model route's upstream calls: tokens, cost, time to first token, attempts, upstream errors."""

    rebuild_stream = False  # usage and timing are enough: no chunk is kept
    #: Never reads ``event.response`` (usage, cost, timings, attempts and errors only): a passed-through answer or
    #: stream (``asgi.passthrough``) can be told to it from its raw usage and timings.
    reads_response = False

    def __init__(self, metrics: GatewayMetrics, model: str) -> None:
        self._metrics = metrics
        self._model = model
        self._label = (model,)

    def on_start(self, event: CallEvent) -> None:
        watch = CURRENT.get()
        if watch is not None:
            watch.model = self._model

    def on_success(self, event: CallEvent) -> None:
        self._ended(event)

    def on_stream_end(self, event: CallEvent) -> None:
        self._ended(event)

    def on_failure(self, event: CallEvent) -> None:
        error = event.error
        if isinstance(error, Exception):  # not a cancellation (the client left): that is no upstream error
            self._metrics.errors.inc(("upstream", type(error).__name__))
            watch = CURRENT.get()
            if watch is not None:
                watch.upstream_failed = True
        self._first_token(event)
        self._attempts(event)

    def _ended(self, event: CallEvent) -> None:
        if event.hidden_params.get("cache_hit") is True:
            return  # answered from the gateway's cache: no upstream tokens, cost, first token or attempt
        metrics, model = self._metrics, self._model
        usage = event.usage
        if usage is not None:
            prompt = getattr(usage, "prompt_tokens", 0) or 0
            completion = getattr(usage, "completion_tokens", 0) or 0
            if prompt:
                metrics.tokens.inc((model, "prompt"), prompt)
            if completion:
                metrics.tokens.inc((model, "completion"), completion)
        if usage is not None or event.operation in _PRICED_PER_UNIT:
            cost = event.cost
            if cost:
                metrics.cost.inc(self._label, cost)
        self._first_token(event)
        self._attempts(event)

    def _first_token(self, event: CallEvent) -> None:
        first = event.time_to_first_chunk
        if first is not None:  # a stream failing after its first chunk still had one
            self._metrics.first_token.observe(self._label, first)

    def _attempts(self, event: CallEvent) -> None:
        counter = self._metrics.attempts
        for attempt in event.attempts:
            error = attempt.error
            outcome = "ok" if error is None else ("error" if isinstance(error, Exception) else "cancelled")
            counter.inc((self._model, outcome))


def route_callbacks(user: Sequence[Any], metrics: GatewayMetrics | None) -> Callable[[str], tuple[Any, ...]] | None:
    """The callbacks each model route's calls get: the app's own, then the route's metrics counter; None when
    there are none (the calls then carry no ``callbacks=`` at all)."""
    if not user and metrics is None:
        return None
    handlers = tuple(user)

    def for_route(name: str) -> tuple[Any, ...]:
        return (*handlers, MetricsCallback(metrics, name)) if metrics is not None else handlers

    return for_route
