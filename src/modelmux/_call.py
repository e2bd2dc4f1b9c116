"""One call to a provider, whatever the operation: resolve → build → send → parse. The only place with I/O.

``completion()`` and the other public functions (embeddings, images, transcriptions, moderations)
validate their own arguments, then share everything here: the provider lookup, key and base
resolution (argument > environment > default), sending through the pooled client or an injected
transport, error mapping, secret scrubbing, and turning an unreadable answer into ``UpstreamError``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pydantic

from . import _http
from ._registry import Resolved, get_provider
from .errors import APIConnectionError, APIError, AuthenticationError, BadRequestError, UpstreamError
from .providers._base import CallContext, HttpRequest, Operation, Provider

__all__ = ["Call", "aexecute", "asend", "execute", "open_call", "parse", "send"]

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

    def scrub(self, err: APIError) -> APIError:
        """Stamp provider/model on an error and make sure the key is nowhere in it."""
        err.provider = err.provider or self.ctx.provider
        err.model = err.model or self.ctx.model
        secrets = [s for s in (self.ctx.api_key, *self.ctx.secrets) if s]
        if secrets:
            err.redact_secrets(*secrets)
        return err


def _api_key(provider: Provider, given: str | None, api_base: str | None) -> str | None:
    if given:
        return given
    for name in provider.api_key_env:
        value = os.environ.get(name)
        if value:
            return value
    if getattr(provider, "requires_api_key", True) and api_base is None:
        names = " or ".join(provider.api_key_env) or "an API key"
        raise AuthenticationError(
            f"no API key for {provider.name}: pass api_key=... or set {names}", provider=provider.name
        )
    return None


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
) -> Call:
    """Everything resolved for one call, after the caller validated ``params``.

    ``options`` holds the common keyword arguments (popped here) and the caller's unknown ones, which
    join ``extra_body`` (after ``extra``). ``operation`` None is chat, which every provider speaks.
    ``provider_name`` overrides the resolved provider (``mock_response`` answers through ``mock``).
    """
    api_key = options.pop("api_key", None)
    api_base = options.pop("api_base", None) or options.pop("base_url", None)
    timeout = _http.timeout_of(options.pop("timeout", None))
    extra_headers = options.pop("extra_headers", None) or {}
    drop_params = bool(options.pop("drop_params", False))
    transport = options.pop("transport", None)
    extra_body = dict(options.pop("extra_body", None) or {})
    if extra:
        extra_body.update(extra)

    name = provider_name or resolved.provider_name
    provider = get_provider(name)
    consumed: frozenset[str] = getattr(provider, "call_options", frozenset())
    call_options = {k: options.pop(k) for k in [k for k in options if k in consumed]}
    for key, value in options.items():
        if value is not None:
            extra_body[key] = value
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
    return Call(provider, ctx, params, timeout, transport, local)


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
    request = _http.to_httpx_request(native, call.timeout)
    try:
        response = _http.send(request, transport=call.transport, stream=stream)
    except APIError as exc:
        raise call.scrub(_hint(call, exc)) from None
    if response.status_code >= 400:
        if stream:
            try:
                response.read()
            finally:
                response.close()
        raise _error(call, response)
    return response


async def asend(call: Call, native: HttpRequest, *, stream: bool = False) -> httpx.Response:
    """The async twin of :func:`send`."""
    aauthorize = getattr(call.provider, "aauthorize_request", None)
    if aauthorize is not None:
        native = await aauthorize(native, call.ctx)
    else:
        authorize = getattr(call.provider, "authorize_request", None)
        if authorize is not None:
            native = authorize(native, call.ctx)
    request = _http.to_httpx_request(native, call.timeout)
    try:
        response = await _http.asend(request, transport=call.transport, stream=stream)
    except APIError as exc:
        raise call.scrub(_hint(call, exc)) from None
    if response.status_code >= 400:
        if stream:
            try:
                await response.aread()
            finally:
                await response.aclose()
        raise _error(call, response)
    return response


def parse(call: Call, response: httpx.Response, parser: Callable[..., T], *args: Any) -> T:
    """``parser(body, *args)``; an answer it cannot read becomes :class:`UpstreamError` (the provider's fault)."""
    try:
        return parser(response.content, *args)
    except _GARBAGE as exc:
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
    response = send(call, getattr(provider, operation.build)(call.params, call.ctx))
    return parse(call, response, getattr(provider, operation.parse), call.params, call.ctx)


async def aexecute(call: Call, operation: Operation) -> Any:
    """Run a non-chat operation asynchronously: only the send differs from :func:`execute`."""
    provider: Any = call.provider
    if call.local:
        return getattr(provider, operation.answer)(call.params, call.ctx)
    response = await asend(call, getattr(provider, operation.build)(call.params, call.ctx))
    return parse(call, response, getattr(provider, operation.parse), call.params, call.ctx)
