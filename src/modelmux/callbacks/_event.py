"""What a callback is told about one call: :class:`CallEvent` (and its :class:`Attempt` records).

One event object follows a call from start to end; the expensive parts (the scrubbed keyword arguments, the
response rebuilt from a stream, the cost, the attempt record of a call made once) are computed on first access, so
a handler that reads only the timing costs the call nothing more. Only what a call has of its own is set on a new
event (its name, model, messages, options, start time); every other attribute is read from the class until set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._url_secrets import scrub_url, url_secrets

__all__ = ["REDACTED", "Attempt", "CallEvent", "scrub_kwargs", "secret_values"]

REDACTED = "[REDACTED]"

#: Keyword arguments that hold credentials (``api_key``, ``aws_secret_access_key``, ``azure_ad_token``,
#: ``vertex_credentials``, ``credential_provider``…): never shown to a callback.
_SECRET_NAME = re.compile(r"key|secret|token|credential|password", re.IGNORECASE)
#: Header names whose values are credentials.
#: Broad on purpose (``Ocp-Apim-Subscription-Key``, ``Helicone-Auth``, ``X-Auth``…): a header hidden needlessly costs
#: nothing, one shown is a leaked credential.
_SECRET_HEADER = re.compile(r"auth|key|token|secret|cookie|signature|password|credential", re.IGNORECASE)
_HEADER_OPTIONS = frozenset({"extra_headers", "headers"})
#: Options that may hold credentials one level down: fallback entries (``{"model", "api_key", …}``), native body
#: fields, and URLs (a proxy's ``user:password@``, a ``?key=`` query).
_FALLBACK_OPTIONS = frozenset({"fallbacks", "context_window_fallbacks", "content_policy_fallbacks"})
_URL_OPTIONS = frozenset({"api_base", "base_url"})


def scrub_kwargs(options: Mapping[str, Any]) -> dict[str, Any]:
    """The call's keyword arguments as a callback sees them: None values left out, credentials replaced by
    :data:`REDACTED` (by name, in ``extra_headers``, ``extra_body``, fallback entries and URLs)."""
    out: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if _SECRET_NAME.search(name) and name not in _NOT_SECRET:
            out[name] = REDACTED
        elif name in _HEADER_OPTIONS and isinstance(value, Mapping):
            out[name] = {k: REDACTED if _SECRET_HEADER.search(str(k)) else v for k, v in value.items()}
        elif name == "extra_body" and isinstance(value, Mapping):
            out[name] = {
                k: REDACTED if _SECRET_NAME.search(str(k)) and k not in _NOT_SECRET else v for k, v in value.items()
            }
        elif name in _FALLBACK_OPTIONS and isinstance(value, (list, tuple)):
            out[name] = [scrub_kwargs(v) if isinstance(v, Mapping) else v for v in value]
        elif name in _URL_OPTIONS and isinstance(value, str):
            out[name] = scrub_url(value, REDACTED)
        else:
            out[name] = value
    return out


#: Names that match the credential pattern but are request parameters.
_NOT_SECRET = frozenset(
    {"max_tokens", "max_completion_tokens", "top_logprobs", "prompt_cache_key", "max_tokens_per_doc"}
)


@dataclass(slots=True)
class Attempt:
    """One try of the call on one model (a retry or a fallback is another attempt)."""

    model: str
    start_time: float  # seconds since the epoch
    end_time: float | None = None  # None for the attempt that answered, until the call ends
    error: BaseException | None = None


class CallEvent:
    """One call, as callbacks see it (the same object from ``on_start`` to the end).

    Attributes:
        operation: the function called: ``"completion"``, ``"embedding"``, ``"image_generation"``,
            ``"transcription"``, ``"moderation"``, ``"rerank"``.
        model: the model asked for (the one that answered is ``hidden_params["model"]``).
        stream: a streamed chat completion.
        messages: chat's messages as given (not copied); ``None`` for other operations.
        start_time, end_time: seconds since the epoch (``end_time`` None until the call or stream ended).
        first_chunk_time: when the first stream chunk was handed to the caller (None unless streamed).
        response: the result (a stream's: rebuilt with ``stream_chunk_builder`` when first read, unless every
            handler said ``rebuild_stream = False``); None on failure.
        error: the exception that ended the call (already scrubbed of secrets), else None.
        attempts: one :class:`Attempt` per try (retries, fallbacks).
        hidden_params: the result's ``_hidden_params`` (``attempts``, ``model`` that answered, ``elapsed_s``,
            ``failures``; see ``modelmux._retry``); empty on failure.
        completed: False for a stream the caller closed before its end.
    """

    # Not slots: an attribute still at its default is read from the class (no per-event work to make it, and no
    # fallback to run when a handler reads it); only what each call has of its own is set on the event.
    end_time: float | None = None
    first_chunk_time: float | None = None
    error: BaseException | None = None
    completed: bool = True
    _attempts: list[Attempt] | None = None  # None: none recorded (a call made once: its record is made on access)
    _call_id: str | None = None
    _kwargs: dict[str, Any] | None = None
    _provider: str | None = None
    _response: Any = None
    _chunks: list[Any] | None = None  # a stream's chunks, rebuilt into ``response`` on first access
    _seen: list[Any] | None = None  # kept chunks whose usage and finish reasons are not read yet
    _cost: float | bool | None = False  # False: not computed yet
    _usage: Any = None
    _finish: dict[int, str] | None = None
    _response_id: str | None = None
    _response_model: str | None = None
    _state: dict[Any, Any] | None = None

    def __init__(
        self, operation: str, model: str, options: Mapping[str, Any], *, messages: Any = None, stream: bool = False
    ) -> None:
        self.operation = operation
        self.model = model
        self.stream = stream
        self.messages = messages
        self._options = dict(options)  # a copy: the call pops its options as it goes
        self.start_time = time.time()
        self._perf0 = time.perf_counter()
        self.hidden_params: dict[str, Any] = {}

    @property
    def attempts(self) -> list[Attempt]:
        """One :class:`Attempt` per try (retries, fallbacks)."""
        attempts = self._attempts
        if attempts is None:
            attempts = self._attempts = []
            if self.end_time is not None:  # ended with none recorded: the one try made (none for a cache hit)
                self.add_single_attempt()
        return attempts

    @attempts.setter
    def attempts(self, value: list[Attempt]) -> None:
        self._attempts = value

    def add_single_attempt(self) -> None:
        """Record the call's one try (on the model that answered, else the one asked for), unless it was answered
        without a request (a cache hit: ``hidden_params["attempts"] == 0``)."""
        hidden = self.hidden_params
        if hidden.get("attempts") == 0:
            return
        answered = hidden.get("model")
        record = Attempt(answered if isinstance(answered, str) else self.model, self.start_time)
        record.end_time, record.error = self.end_time, self.error
        self.attempts.append(record)

    @property
    def call_id(self) -> str:
        """A random id, unique per call (made on first access)."""
        if self._call_id is None:
            import os

            self._call_id = os.urandom(8).hex()
        return self._call_id

    @property
    def response(self) -> Any:
        """The result; a stream's is rebuilt from its chunks on first access (``stream_chunk_builder``)."""
        if self._response is None and self._chunks:
            chunks, self._chunks = self._chunks, None
            self._response = _rebuild(chunks)
        return self._response

    @response.setter
    def response(self, value: Any) -> None:
        self._response = value

    def keep_chunks(self, chunks: list[Any]) -> None:
        """The chunks a stream passed on, to rebuild ``response`` from if a handler asks for it."""
        self._chunks = chunks
        self.saw_chunks(chunks)

    def saw_chunks(self, chunks: list[Any]) -> None:
        """Chunks (kept anyway for the rebuilt response) whose usage and finish reasons are read when first
        asked for, instead of chunk by chunk (:meth:`note_chunk`) while the stream runs."""
        self._seen = chunks

    @property
    def state(self) -> dict[Any, Any]:
        """Scratch space for handlers, kept for this call only (e.g. a span started in ``on_start``); key it by
        your handler so handlers do not collide."""
        if self._state is None:
            self._state = {}
        return self._state

    # ------------------------------------------------------------------ clock

    def now(self) -> float:
        """Seconds since the epoch, on the call's monotonic clock (so durations never go negative)."""
        return self.start_time + (time.perf_counter() - self._perf0)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None while running)."""
        return None if self.end_time is None else self.end_time - self.start_time

    @property
    def time_to_first_chunk(self) -> float | None:
        """Seconds from start to the first stream chunk (None unless a chunk came)."""
        return None if self.first_chunk_time is None else self.first_chunk_time - self.start_time

    # ------------------------------------------------------------------ what was asked

    @property
    def kwargs(self) -> dict[str, Any]:
        """The call's keyword arguments (``temperature``, ``max_tokens``, ``timeout``…), None values left out,
        every credential replaced by ``"[REDACTED]"``."""
        if self._kwargs is None:
            self._kwargs = scrub_kwargs(self._options)
        return self._kwargs

    @property
    def provider(self) -> str | None:
        """The provider the model string names (``"openai"``, ``"anthropic"``…), None when it cannot be resolved."""
        if self._provider is None:
            try:
                from .._registry import resolve

                self._provider = resolve(self.model).provider_name
            except Exception:
                return None
        return self._provider

    # ------------------------------------------------------------------ what came back

    @property
    def usage(self) -> Any:
        """The result's ``Usage`` (a stream's last reported one), or None."""
        if self._seen is not None:
            self._read_seen()
        usage = getattr(self._response, "usage", None)
        return usage if usage is not None else self._usage

    @property
    def response_id(self) -> str | None:
        if self._seen is not None:
            self._read_seen()
        value = getattr(self._response, "id", None)
        return value if isinstance(value, str) else self._response_id

    @property
    def response_model(self) -> str | None:
        if self._seen is not None:
            self._read_seen()
        value = getattr(self._response, "model", None)
        return value if isinstance(value, str) else self._response_model

    @property
    def finish_reasons(self) -> list[str]:
        """Each choice's finish reason, in choice order."""
        if self._seen is not None:
            self._read_seen()
        choices = getattr(self._response, "choices", None)
        if isinstance(choices, list):
            return [c.finish_reason for c in choices if getattr(c, "finish_reason", None)]
        return [self._finish[i] for i in sorted(self._finish)] if self._finish else []

    @property
    def cost(self) -> float | None:
        """USD cost (``modelmux.completion_cost``), None when the model or its price is unknown or nothing
        was answered; 0 for a cache hit. Computed on first access."""
        if self._cost is False:
            self._cost = _cost_of(self)
        return self._cost

    # ------------------------------------------------------------------ stream bookkeeping (the wrappers call these)

    def saw_chunk(self, chunk: Any) -> None:
        """Record what a stream chunk (a ``ChatCompletionChunk``) tells: first-chunk time, id, model, usage, finish
        reasons. Per chunk, so plain attribute reads only."""
        if self.first_chunk_time is None:
            self.first_chunk(chunk)
        self.note_chunk(chunk)

    def first_chunk(self, chunk: Any) -> None:
        """The first chunk of a stream came: its time, the response id and model."""
        self.first_chunk_time = self.now()
        self._response_id = chunk.id
        self._response_model = chunk.model

    def _read_seen(self) -> None:
        seen, self._seen = self._seen, None
        note = self.note_chunk
        for chunk in seen or ():
            note(chunk)

    def note_chunk(self, chunk: Any) -> None:
        """Record a chunk's usage and finish reasons (a later one wins)."""
        usage = chunk.usage
        if usage is not None:
            self._usage = usage
        for choice in chunk.choices:
            if choice.finish_reason is not None:
                if self._finish is None:
                    self._finish = {}
                self._finish[choice.index or 0] = choice.finish_reason

    def __repr__(self) -> str:
        state = "running" if self.end_time is None else ("failed" if self.error is not None else "ended")
        return f"<CallEvent {self.operation} {self.model!r} {state} id={self.call_id}>"


def _cost_of(event: CallEvent) -> float | None:
    """The cost of what answered: its usage priced for the model the answer names (else the model that answered),
    on the provider that answered. Only ``model``, ``usage`` and ``service_tier`` are handed to the pricing, so a
    long answer is not copied to price it."""
    if event.hidden_params.get("cache_hit") is True:  # answered from a modelmux.Cache: nothing was billed
        return 0.0
    from ..types import _Costed

    response = event._response
    if isinstance(response, _Costed) or _per_character(response):
        # images, transcriptions…, and models billed per character (Vertex's legacy text embeddings): priced by
        # what the call stamped on the result, never by its tokens
        try:
            from ..cost import completion_cost

            return completion_cost(response)
        except Exception:  # a price lookup never breaks a callback
            return None
    usage = event.usage
    if usage is None:
        return None
    try:
        from .._registry import resolve
        from ..cost import completion_cost

        answered = event.hidden_params.get("model")
        answered = answered if isinstance(answered, str) else event.model
        dump = getattr(usage, "model_dump", None)
        doc: dict[str, Any] = {"model": event.response_model or answered, "usage": dump() if dump else usage}
        tier = getattr(event._response, "service_tier", None)
        if isinstance(tier, str):
            doc["service_tier"] = tier
        return completion_cost(doc, provider=resolve(answered).provider_name)
    except Exception:  # a price lookup never breaks a callback
        return None


def _per_character(response: Any) -> bool:
    """Whether ``response`` carries its provider's billable-character count and its model is priced on it."""
    try:
        from ..cost.character_cost import character_price

        return character_price(response) is not None
    except Exception:  # a price lookup never breaks a callback
        return False


def secret_values(event: CallEvent) -> tuple[str, ...]:
    """The credential strings among the call's options (to redact them from a handler's logged traceback)."""
    return tuple(_secrets(event._options))


def _secrets(options: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in options.items():
        if isinstance(value, str) and _SECRET_NAME.search(name) and name not in _NOT_SECRET:
            out.append(value)
        elif name in _HEADER_OPTIONS and isinstance(value, Mapping):
            out.extend(v for k, v in value.items() if isinstance(v, str) and _SECRET_HEADER.search(str(k)))
        elif name == "extra_body" and isinstance(value, Mapping):
            out.extend(_secrets({k: v for k, v in value.items() if isinstance(k, str)}))
        elif name in _FALLBACK_OPTIONS and isinstance(value, (list, tuple)):
            out.extend(s for v in value if isinstance(v, Mapping) for s in _secrets(v))
        elif name in _URL_OPTIONS and isinstance(value, str):
            out.extend(url_secrets(value))
    return out


def _rebuild(chunks: list[Any]) -> Any:
    try:
        from .._chunk_builder import stream_chunk_builder

        return stream_chunk_builder(chunks)
    except Exception:  # a stream the builder cannot merge leaves the response unset, never breaks a handler
        return None
