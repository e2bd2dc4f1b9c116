"""One call to a provider, whatever the operation: resolve → build → send → parse. The only place with I/O.

``completion()`` and the other public functions (embeddings, images, transcriptions, moderations)
validate their own arguments, then share everything here: the provider lookup, key and base
resolution (argument > environment > default), sending through the pooled client or an injected
transport, error mapping, secret scrubbing, and turning an unreadable answer into ``UpstreamError``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
import pydantic
from pydantic_core import from_json

from . import _http
from ._credentials import credentials_in
from ._logsafe import install_log_filter, secrets_scope
from ._options import NOT_SENT, drop_litellm_only, sort_options
from ._registry import Resolved, get_provider
from ._url_secrets import url_secrets
from .errors import APIConnectionError, APIError, AuthenticationError, BadRequestError, UpstreamError, redact
from .providers._base import CallContext, HttpRequest, Operation, Provider

if TYPE_CHECKING:
    from ._exchange import RawReply

__all__ = ["Call", "aexecute", "asend", "execute", "open_call", "parse", "send"]

install_log_filter()
logger = logging.getLogger("modelmux")

T = TypeVar("T")

#: What a parser raises on an answer that is not the promised shape.
_GARBAGE = (ValueError, KeyError, TypeError, IndexError, pydantic.ValidationError)


@dataclass(slots=True)
class Call:
    provider: Provider
    ctx: CallContext
    params: dict[str, Any]
    timeout: httpx.Timeout
    transport: Any
    local: bool
    limits: _http.Limits
    #: ``time.monotonic()`` by which the whole upstream call must be over (set when the request is sent).
    deadline: float | None = None

    def start_clock(self) -> float | None:
        """Start the total deadline (``timeout`` bounds connect, first byte, body and the whole stream)."""
        total = self.limits.total
        self.deadline = None if total is None else time.monotonic() + total
        return self.deadline

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ctx.api_key, *self.ctx.secrets) if s)

    def scrub(self, err: APIError) -> APIError:
        """Stamp provider/model on an error and make sure the key is nowhere in it."""
        err.provider = err.provider or self.ctx.provider
        err.model = err.model or self.ctx.model
        secrets = self.secrets()
        if secrets:
            err.redact_secrets(*secrets)
        # Short fields an upstream may echo a credential into (a request-id header, an error code).
        for name in ("request_id", "param", "code", "native_type"):
            value = getattr(err, name, None)
            if isinstance(value, str):
                cleaned = redact(value, secrets)
                if cleaned != value:
                    setattr(err, name, cleaned)
        return err


def _api_key(provider: Provider, given: str | None, api_base: str | None) -> str | None:
    if given:
        return _checked_key(given, provider.name, "api_key")
    for name in provider.api_key_env:
        value = os.environ.get(name)
        if value:
            return _checked_key(value, provider.name, name)
    if getattr(provider, "requires_api_key", True) and api_base is None:
        names = " or ".join(provider.api_key_env) or "an API key"
        raise AuthenticationError(
            f"no API key for {provider.name}: pass api_key=... or set {names}", provider=provider.name
        )
    return None


def _checked_key(key: Any, provider: str, source: str) -> str:
    """A key that cannot go into an HTTP header as is fails here, clearly and without showing it.

    Otherwise httpx/h11 would raise an error quoting the header (key included), also in httpcore's
    debug log. Keys are printable ASCII without whitespace; a stray newline or space is a copying mistake
    we report rather than repair (a repaired key would hide where the bad copy lives).
    """
    if not isinstance(key, str):
        raise AuthenticationError(
            f"the API key for {provider} (from {source}) must be a string, not {type(key).__name__}",
            provider=provider,
            code="invalid_api_key",
        )
    if key.isascii() and key.isprintable() and " " not in key:  # the usual case, without a loop per character
        return key
    for i, char in enumerate(key):
        if char.isspace():
            what = "whitespace (a stray space or newline?)"
        elif not char.isascii() or not char.isprintable():
            what = "a non-ASCII or control character"
        else:
            continue
        raise AuthenticationError(
            f"the API key for {provider} (from {source}) contains {what} at position {i} of {len(key)}; "
            "API keys are printable ASCII without spaces: check how it was copied",
            provider=provider,
            code="invalid_api_key",
        )
    return key


def _api_base(provider: Provider, given: str | None) -> str:
    if given:
        return given
    for name in getattr(provider, "api_base_env", ()):
        value = os.environ.get(name)
        if value:
            return value
    return provider.default_api_base


def gather(arguments: dict[str, Any], *positional: str) -> dict[str, Any]:
    """A public function's ``locals()`` (taken first thing) → its options: every named keyword argument,
    merged over ``**provider_options``; the ``positional`` ones are left out. Spelling the signatures out
    keeps them visible to editors and type checkers; this keeps their bodies from repeating them."""
    options = dict(arguments.get("provider_options") or {})
    options.update((k, v) for k, v in arguments.items() if k not in positional and k != "provider_options")
    return options


def open_call(
    resolved: Resolved,
    params: dict[str, Any],
    options: dict[str, Any],
    *,
    operation: Operation | None = None,
    provider_name: str | None = None,
    extra: Mapping[str, Any] | None = None,
    stream: bool = False,
    include_usage: bool = False,
    known: Collection[str] = (),
) -> Call:
    """Everything resolved for one call, after the caller validated ``params``.

    ``options`` holds the common keyword arguments (popped here) and the caller's other ones, sorted by
    ``_options.sort_options`` (the provider's call options and native body fields; anything else is an
    error). ``known`` names the caller's own parameters, for did-you-mean suggestions.
    ``operation`` None is chat, which every provider speaks.
    ``provider_name`` overrides the resolved provider; an operation given ``mock_response`` answers through ``mock``.
    """
    # Every operation's callbacks wrap its whole call, retries and cache included (``_api``, ``_attempts``);
    # a raw call (the gateway's Anthropic passthrough) is not observed.
    options.pop("callbacks", None)
    api_key = options.pop("api_key", None)
    api_base = options.pop("api_base", None)
    base_url = options.pop("base_url", None)
    api_base = api_base or base_url
    timeout = _http.timeout_of(options.pop("timeout", None))
    limits = _http.limits_of(timeout, options.pop("max_response_bytes", None), options.pop("max_event_bytes", None))
    extra_headers = options.pop("extra_headers", None) or {}
    drop_params = bool(options.pop("drop_params", False))
    transport = options.pop("transport", None)
    extra_body = dict(options.pop("extra_body", None) or {})

    if provider_name is None and operation is not None and options.get("mock_response") is not None:
        provider_name = "mock"  # as completion(mock_response=...): any model answers offline
    name = provider_name or resolved.provider_name
    provider = get_provider(name)
    consumed: frozenset[str] = getattr(provider, "call_options", frozenset())
    native: frozenset[str] = getattr(provider, "native_params", frozenset())
    if name != resolved.provider_name:  # answered by the mock: the real provider's keywords stay valid
        real = get_provider(resolved.provider_name)
        consumed |= getattr(real, "call_options", frozenset())
        native |= getattr(real, "native_params", frozenset())
    call_options, fields, litellm = sort_options(
        options,
        consumed=consumed,
        native=native,
        known=known,
        provider=name,
        function=operation.name if operation is not None else "completion",
    )
    litellm += [k for k in extra_body if k in NOT_SENT]
    drop_litellm_only(litellm, drop_params, name, resolved.model)
    for key in litellm:
        extra_body.pop(key, None)
    extra_body.update(fields)
    if extra:
        extra_body.update(extra)
    local = name != resolved.provider_name or bool(getattr(provider, "local", False))
    if operation is not None and not callable(getattr(provider, operation.answer if local else operation.build, None)):
        raise BadRequestError(
            f"provider {name!r} does not support {operation.label}",
            provider=name,
            model=resolved.model,
            param="model",
            code="unsupported_operation",
        )
    ctx = CallContext(
        provider=name,
        model=resolved.model,
        api_base="" if local else _api_base(provider, api_base),
        api_key=None if local else _api_key(provider, api_key, api_base),
        stream=stream,
        include_usage=include_usage,
        drop_params=drop_params,
        extra_headers=extra_headers,
        extra_body=extra_body,
        info=resolved.info,
        options={k: v for k, v in call_options.items() if v is not None},
    )
    ctx.secrets.extend(credentials_in(extra_headers, ctx.options))  # scrubbed from errors and logs like the key
    if "@" in ctx.api_base or "?" in ctx.api_base:  # a password or key in the URL is redacted from errors too
        ctx.secrets.extend(url_secrets(ctx.api_base))
    return Call(provider, ctx, params, timeout, transport, local, limits)


def _error(call: Call, response: httpx.Response) -> APIError:
    try:
        err = call.provider.map_error(response.status_code, response.headers, response.content, call.ctx)
    except _GARBAGE:
        err = UpstreamError(f"HTTP {response.status_code} with an unreadable body", status_code=response.status_code)
    return call.scrub(err)


def _hint(call: Call, exc: APIError) -> APIError:
    """A provider's word on a connection that failed (e.g. Ollama: "does not seem to be running at …")."""
    hint = getattr(call.provider, "connection_error_hint", None)
    if hint is not None and type(exc) is APIConnectionError:
        exc.message = f"{exc.message}. {hint(call.ctx)}"
        exc.args = (exc.message,)
    return exc


def send(call: Call, native: HttpRequest, *, stream: bool = False) -> httpx.Response:
    """Send a native request; an error status raises the provider's mapped error (body read, response closed)."""
    authorize = getattr(call.provider, "authorize_request", None)
    if authorize is not None:
        native = authorize(native, call.ctx)
    limits = call.limits
    try:
        request = _http.to_httpx_request(native, call.timeout)
        deadline = call.start_clock()
        with secrets_scope(call.secrets()):
            response = _http.send(
                request, transport=call.transport, stream=stream, deadline=deadline, max_bytes=limits.max_response_bytes
            )
    except APIError as exc:
        raise call.scrub(_hint(call, exc)) from None
    if response.status_code >= 400:
        raise _error(call, response)
    return response


async def asend(call: Call, native: HttpRequest, *, stream: bool = False) -> httpx.Response:
    """The async twin of :func:`send`."""
    return await _asend_authorized(call, await _aauthorize(call, native), stream)


async def aexchange(call: Call, native: HttpRequest) -> httpx.Response | RawReply:
    """:func:`asend` for a whole (non-streamed) answer: through modelmux's own pooled client its status, headers and
    bytes without httpx's objects (:class:`~modelmux._exchange.RawReply`), else :func:`asend`'s response."""
    native = await _aauthorize(call, native)
    if call.transport is not None:
        return await _asend_authorized(call, native, False)
    from ._exchange import aexchange as exchange

    try:
        deadline = call.start_clock()
        reply = await exchange(native, call.timeout, deadline, call.limits.max_response_bytes)
    except APIError as exc:
        raise call.scrub(_hint(call, exc)) from None
    if reply is None:
        return await _asend_authorized(call, native, False)
    if reply.status_code >= 400:
        raise _error(call, reply.as_response())
    return reply


async def _aauthorize(call: Call, native: HttpRequest) -> HttpRequest:
    aauthorize = getattr(call.provider, "aauthorize_request", None)
    if aauthorize is not None:
        return cast(HttpRequest, await aauthorize(native, call.ctx))
    authorize = getattr(call.provider, "authorize_request", None)
    return native if authorize is None else cast(HttpRequest, authorize(native, call.ctx))


async def _asend_authorized(call: Call, native: HttpRequest, stream: bool) -> httpx.Response:
    limits = call.limits
    try:
        request = _http.to_httpx_request(native, call.timeout)
        deadline = call.start_clock()
        with secrets_scope(call.secrets()):
            response = await _http.asend(
                request, transport=call.transport, stream=stream, deadline=deadline, max_bytes=limits.max_response_bytes
            )
    except APIError as exc:
        raise call.scrub(_hint(call, exc)) from None
    if response.status_code >= 400:
        raise _error(call, response)
    return response


def build(call: Call, builder: Callable[[dict[str, Any], CallContext], HttpRequest]) -> HttpRequest:
    """``builder(params, ctx)``; a shape the provider's translation could not handle is the caller's bad request.

    The public functions validate what they can, but some shapes are only checked by the provider (a server
    tool's fields, content parts): a KeyError deep in a converter must not surface as a crash (a 500).
    """
    try:
        return builder(call.params, call.ctx)
    except APIError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        logger.debug("building the %s request failed", call.ctx.provider, exc_info=True)
        raise call.scrub(
            BadRequestError(
                f"the request could not be translated for {call.ctx.provider} "
                f"({type(exc).__name__}); check the shape of messages, tools and options",
                code="untranslatable_request",
            )
        ) from None


def _error_document(call: Call, response: httpx.Response) -> APIError | None:
    """A 2xx whose body is ``{"error": {...}}`` (some proxies answer so): the provider's mapped error."""
    try:
        doc = from_json(response.content)
        error = doc.get("error") if isinstance(doc, dict) else None
        if error is None:
            return None
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and 400 <= code < 600 else 502
        return call.provider.map_error(status, response.headers, response.content, call.ctx)
    except _GARBAGE:
        return None


def parse(call: Call, answer: httpx.Response | RawReply, parser: Callable[..., T], *args: Any) -> T:
    """``parser(body, *args)``; an answer it cannot read becomes :class:`UpstreamError` (the provider's fault)."""
    try:
        return parser(answer.content, *args)
    except _GARBAGE as exc:
        response = answer if isinstance(answer, httpx.Response) else answer.as_response()
        mapped = _error_document(call, response)
        if mapped is not None:
            raise call.scrub(mapped) from None
        raise call.scrub(
            UpstreamError(
                f"the provider answered with something that is not a valid response ({type(exc).__name__})",
                status_code=502,
                request_id=response.headers.get("x-request-id") or response.headers.get("request-id"),
            )
        ) from None


def execute(call: Call, operation: Operation) -> Any:
    """Run a non-chat operation synchronously (locally for the mock)."""
    provider: Any = call.provider
    if call.local:
        return getattr(provider, operation.answer)(call.params, call.ctx)
    response = send(call, build(call, getattr(provider, operation.build)))
    return parse(call, response, getattr(provider, operation.parse), call.params, call.ctx)


async def aexecute(call: Call, operation: Operation) -> Any:
    """Run a non-chat operation asynchronously: only the send differs from :func:`execute`."""
    provider: Any = call.provider
    if call.local:
        return getattr(provider, operation.answer)(call.params, call.ctx)
    answer = await aexchange(call, build(call, getattr(provider, operation.build)))
    return parse(call, answer, getattr(provider, operation.parse), call.params, call.ctx)
