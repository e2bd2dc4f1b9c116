"""The provider contract.

A provider turns an OpenAI-format chat request into its native HTTP request and turns the native
answer (JSON body, SSE events, error body) back into OpenAI-format objects; optionally it does the
same for the other endpoints (embeddings, images, transcriptions, moderations: see :class:`Operation`).
Everything here is pure: no network, no environment reads, no module-level mutable state.
``modelmux._call`` does the I/O and hands the provider a :class:`CallContext` with everything resolved.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from ..errors import APIError, DroppedParamWarning, UnsupportedParamsError, error_for_status
from ..types import ChatCompletion, ChatCompletionChunk

logger = logging.getLogger("modelmux")

#: The OpenAI request fields modelmux understands (besides ``model``/``messages``/``stream``).
OPENAI_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "seed",
        "user",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "stream_options",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "metadata",
        "service_tier",
        "store",
        "modalities",
        "prediction",
        "audio",
        "web_search_options",
        "verbosity",
        "prompt_cache_key",
        "safety_identifier",
        "functions",
        "function_call",
    }
)


#: The OpenAI parameters a translating provider usually expresses: the start of its ``supported_params``.
COMMON_CHAT_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "stream_options",
    }
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the catalog knows of a model."""

    provider: str
    model: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    capabilities: frozenset[str] = frozenset()
    #: What the model does: ``chat``, ``embedding``, ``image_generation``, ``audio_transcription``, ``moderation``.
    mode: str = "chat"


@dataclass(slots=True)
class CallContext:
    """Everything resolved for one call; handed to the provider's pure functions."""

    provider: str
    model: str  # the provider's own model id, without the ``provider/`` prefix
    api_base: str
    api_key: str | None = field(default=None, repr=False)
    stream: bool = False
    include_usage: bool = False
    drop_params: bool = False
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    extra_body: dict[str, Any] = field(default_factory=dict)
    info: ModelInfo | None = None
    warnings: list[str] = field(default_factory=list)
    #: The keyword arguments named in the provider's ``call_options`` (credentials, region, project…):
    #: read by the provider, never sent in a body as they are.
    options: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Further secret values (besides ``api_key``) that the provider resolved: redacted from every error.
    secrets: list[str] = field(default_factory=list, repr=False)

    def unsupported(self, param: str, detail: str = "") -> None:
        """Report that ``param`` cannot be expressed for this provider.

        Raises :class:`UnsupportedParamsError` unless the caller passed ``drop_params=True``;
        then the parameter is dropped (the caller must skip it) and a warning is recorded,
        emitted with :func:`warnings.warn` and logged.
        """
        msg = f"{self.provider} does not support parameter {param!r}"
        if detail:
            msg += f" ({detail})"
        if not self.drop_params:
            raise UnsupportedParamsError(
                msg + "; pass drop_params=True to drop it with a warning",
                provider=self.provider,
                model=self.model,
                param=param,
                code="unsupported_parameter",
            )
        msg += "; dropped because drop_params=True"
        self.warnings.append(msg)
        warnings.warn(msg, DroppedParamWarning, stacklevel=4)
        logger.warning(msg)


@dataclass(slots=True)
class HttpRequest:
    """A native request, before it becomes bytes.

    A JSON body goes in ``json``. A multipart form (audio uploads) goes in ``files``
    (field → ``(filename, bytes, content type)``) and ``data`` (field → value, a list for a repeated
    field); then the headers must not set ``content-type``, which carries the boundary.
    """

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    json: Any = field(default=None, repr=False)
    files: dict[str, tuple[str, bytes, str]] | None = field(default=None, repr=False)
    data: dict[str, str | list[str]] | None = field(default=None, repr=False)
    #: A body the provider serialised itself (sent as is, e.g. to sign the exact bytes), instead of ``json``.
    content: bytes | None = field(default=None, repr=False)


class StreamTranslator(Protocol):
    """Per-stream state: native events in, OpenAI chunks out."""

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        """Translate one SSE event (its ``event:`` name, possibly empty, and ``data:``)."""
        ...

    def finish(self) -> list[ChatCompletionChunk]:
        """Called once when the byte stream ends; returns any chunks still owed."""
        ...


class StreamDecoder(Protocol):
    """Bytes → ``(event, data)`` pairs, for a provider whose stream is not SSE (a provider exposing
    ``chat_stream_decoder(ctx)`` gets its bytes decoded by it instead of the SSE decoder)."""

    def feed(self, chunk: bytes) -> list[tuple[str, str]]: ...

    def flush(self) -> list[tuple[str, str]]: ...


class Provider(Protocol):
    """What every provider module exposes (as module attributes or an object's)."""

    name: str
    default_api_base: str
    api_key_env: tuple[str, ...]
    #: OpenAI params this provider can express at all; others raise or are dropped.
    supported_params: frozenset[str]

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest: ...

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion: ...

    def chat_stream_translator(self, ctx: CallContext) -> StreamTranslator: ...

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError: ...


@dataclass(frozen=True, slots=True)
class Operation:
    """An endpoint besides chat, and the provider methods that implement it. All are optional:
    a provider without them does not offer the operation (the core says so, naming both).

    * ``build_<name>_request(params, ctx) -> HttpRequest`` — pure, like ``build_chat_request``;
    * ``parse_<name>_response(body, params, ctx) -> result`` — the parse also sees the request
      ``params`` (the answer's shape can depend on them, e.g. ``encoding_format``, ``response_format``);
    * ``answer_<name>(params, ctx) -> result`` — instead of both, for a ``local`` provider (the mock).

    ``params`` holds the OpenAI request fields the caller set (None values removed, already validated);
    unknown keyword arguments arrive in ``ctx.extra_body``, to be merged into the native request.
    """

    name: str
    #: How error messages name it: "provider 'x' does not support {label}".
    label: str

    @property
    def build(self) -> str:
        return f"build_{self.name}_request"

    @property
    def parse(self) -> str:
        return f"parse_{self.name}_response"

    @property
    def answer(self) -> str:
        return f"answer_{self.name}"


EMBEDDING = Operation("embedding", "embeddings")
IMAGE_GENERATION = Operation("image_generation", "image generation")
TRANSCRIPTION = Operation("transcription", "audio transcription")
MODERATION = Operation("moderation", "moderation")

#: Transcription ``response_format`` values answered with plain text (a ``str``), not JSON.
TEXT_TRANSCRIPT_FORMATS = frozenset({"text", "srt", "vtt"})


class BaseProvider:
    """Defaults shared by the HTTP providers; subclasses fill in the dialect."""

    name: ClassVar[str] = ""
    default_api_base: ClassVar[str] = ""
    api_key_env: ClassVar[tuple[str, ...]] = ()
    api_base_env: ClassVar[tuple[str, ...]] = ()
    supported_params: ClassVar[frozenset[str]] = frozenset()
    requires_api_key: ClassVar[bool] = True
    #: Keyword arguments (beyond the OpenAI parameters) the provider consumes itself, e.g. credentials,
    #: region or project; they arrive in ``ctx.options`` and are never sent as body fields.
    call_options: ClassVar[frozenset[str]] = frozenset()
    #: The provider's documented native body fields that may be passed as keyword arguments (e.g. ``top_k``);
    #: they arrive in ``ctx.extra_body``. Any other unknown keyword is an error (``extra_body=`` takes anything).
    native_params: ClassVar[frozenset[str]] = frozenset()
    #: The OpenAI chat shapes whose upstream bytes a relay speaking OpenAI's format (the gateway) may forward as
    #: they came, because this provider's translation leaves them as they are: ``"answer"`` (a non-streamed
    #: ``chat.completion``, still checked body by body: ``modelmux._raw_answer``), ``"stream"`` (the SSE chunks).
    openai_relay: ClassVar[frozenset[str]] = frozenset()

    # Optional, for providers whose auth is more than a static header (signing, refreshed tokens):
    #   def authorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest
    #   async def aauthorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest
    # The core calls one right before sending (the async one on the async path when present, else the sync one);
    # it may resolve credentials (an async one must not block the event loop: run blocking refreshes in a thread).

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        """Fallback: the status picks the class, the body's text is the message."""
        text = body.decode("utf-8", "replace").strip() or f"HTTP {status}"
        return error_for_status(
            status, text[:2000], headers, provider=ctx.provider, model=ctx.model, request_id=request_id_from(headers)
        )


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The provider's request id, from the usual headers."""
    for name in ("x-request-id", "request-id", "x-goog-request-id", "cf-ray"):
        value = headers.get(name)
        if value:
            return value
    return None
