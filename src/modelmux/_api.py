"""``completion()`` and ``acompletion()``: resolve → build → send → parse. The only place with I/O."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import httpx
import pydantic

from . import _http
from ._registry import get_provider, resolve
from ._streaming import AsyncChatStream, ChatStream
from .errors import APIError, AuthenticationError, BadRequestError, UpstreamError
from .providers._base import OPENAI_PARAMS, CallContext, Provider
from .types import ChatCompletion

__all__ = ["acompletion", "completion"]

_GARBAGE = (ValueError, KeyError, TypeError, IndexError, pydantic.ValidationError)
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


@dataclass(slots=True)
class _Call:
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
        key = self.ctx.api_key
        if key:
            err.redact_secrets(key)
        return err


def _normalize_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, (list, tuple)) or not messages:
        raise BadRequestError("messages must be a non-empty list of message objects", param="messages")
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if isinstance(m, pydantic.BaseModel):
            m = m.model_dump(exclude_none=True)
        if not isinstance(m, Mapping):
            raise BadRequestError(
                f"messages[{i}] must be an object with a 'role', not {type(m).__name__}", param="messages"
            )
        role = m.get("role")
        if role not in _ROLES:
            raise BadRequestError(
                f"messages[{i}].role must be one of {', '.join(sorted(_ROLES))}; got {role!r}", param="messages"
            )
        out.append(m if isinstance(m, dict) else dict(m))
    return out


def _check_range(params: dict[str, Any], name: str, lo: float, hi: float | None) -> None:
    value = params.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequestError(f"{name} must be a number, got {type(value).__name__}", param=name)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise BadRequestError(f"{name} must be {bound}, got {value}", param=name)


def _validate(params: dict[str, Any], stream: bool) -> None:
    _check_range(params, "temperature", 0, 2)
    _check_range(params, "top_p", 0, 1)
    _check_range(params, "n", 1, 128)
    _check_range(params, "max_tokens", 1, None)
    _check_range(params, "max_completion_tokens", 1, None)
    _check_range(params, "presence_penalty", -2, 2)
    _check_range(params, "frequency_penalty", -2, 2)
    if "stream_options" in params and not stream:
        raise BadRequestError("stream_options is only allowed when stream is true", param="stream_options")
    tools = params.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise BadRequestError("tools must be a list", param="tools")
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, Mapping) else None
            if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str) or not fn["name"]:
                raise BadRequestError(
                    f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}", param="tools"
                )
    stop = params.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        raise BadRequestError("stop must be a string or a list of strings", param="stop")


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


def _prepare(model: str, messages: Any, stream: bool, options: dict[str, Any]) -> _Call:
    api_key = options.pop("api_key", None)
    api_base = options.pop("api_base", None) or options.pop("base_url", None)
    timeout = _http.timeout_of(options.pop("timeout", None))
    extra_headers = options.pop("extra_headers", None) or {}
    drop_params = bool(options.pop("drop_params", False))
    transport = options.pop("transport", None)
    extra_body = dict(options.pop("extra_body", None) or {})
    mock_response = options.pop("mock_response", None)
    mock_tool_calls = options.pop("mock_tool_calls", None)

    resolved = resolve(model)
    local = mock_response is not None or mock_tool_calls is not None
    provider_name = "mock" if local else resolved.provider_name
    provider = get_provider(provider_name)
    if local:
        extra_body["mock_response"] = mock_response
        extra_body["mock_tool_calls"] = mock_tool_calls
    local = local or bool(getattr(provider, "local", False))

    params: dict[str, Any] = {"messages": _normalize_messages(messages)}
    for key, value in options.items():
        if value is None:
            continue
        if key in OPENAI_PARAMS:
            params[key] = value
        else:
            extra_body[key] = value
    _validate(params, stream)

    ctx = CallContext(
        provider=provider_name,
        model=resolved.model,
        api_base="" if local else _api_base(provider, api_base),
        api_key=None if local else _api_key(provider, api_key, api_base),
        stream=stream,
        include_usage=bool((params.get("stream_options") or {}).get("include_usage")),
        drop_params=drop_params,
        extra_headers=extra_headers,
        extra_body=extra_body,
        info=resolved.info,
    )
    for key in [k for k in params if k != "messages" and k not in provider.supported_params]:
        ctx.unsupported(key)
        del params[key]
    return _Call(provider, ctx, params, timeout, transport, local)


def _parse(call: _Call, response: httpx.Response) -> ChatCompletion:
    try:
        return call.provider.parse_chat_response(response.content, call.ctx)
    except _GARBAGE as exc:
        raise call.scrub(
            UpstreamError(
                f"the provider answered with something that is not a valid response ({type(exc).__name__})",
                status_code=502,
                request_id=response.headers.get("x-request-id") or response.headers.get("request-id"),
            )
        ) from None


def _error(call: _Call, response: httpx.Response) -> APIError:
    try:
        err = call.provider.map_error(response.status_code, response.headers, response.content, call.ctx)
    except _GARBAGE:
        err = UpstreamError(f"HTTP {response.status_code} with an unreadable body", status_code=response.status_code)
    return call.scrub(err)


# The parameters are spelled out (not **kwargs) so editors and type checkers show them,
# with OpenAI's and LiteLLM's names and meanings.
@overload
def completion(
    model: str, messages: Iterable[Any], *, stream: Literal[False] = False, **kwargs: Any
) -> ChatCompletion: ...
@overload
def completion(model: str, messages: Iterable[Any], *, stream: Literal[True], **kwargs: Any) -> ChatStream: ...
@overload
def completion(model: str, messages: Iterable[Any], *, stream: bool, **kwargs: Any) -> ChatCompletion | ChatStream: ...
def completion(
    model: str,
    messages: Iterable[Any],
    *,
    stream: bool = False,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    stop: str | list[str] | None = None,
    n: int | None = None,
    seed: int | None = None,
    user: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    tool_choice: str | dict[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    response_format: dict[str, Any] | None = None,
    reasoning_effort: str | None = None,
    stream_options: dict[str, Any] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> ChatCompletion | ChatStream:
    """Create a chat completion with any provider, in the OpenAI format.

    Args:
        model: ``"provider/model"`` (``"anthropic/claude-sonnet-4-20250514"``) or a catalogued bare id (``"gpt-4o"``).
        messages: OpenAI-format messages (plain dicts, or message models from an earlier response).
        stream: return a :class:`ChatStream` of ``ChatCompletionChunk`` instead of a ``ChatCompletion``.
        drop_params: drop parameters the provider cannot express (with a ``DroppedParamWarning``)
            instead of raising ``UnsupportedParamsError``.
        transport: an ``httpx`` transport to send through (tests, proxies); default: a pooled client.
        **provider_options: provider-specific fields sent as-is in the native body (e.g. ``top_k``),
            ``extra_body``, or ``mock_response`` / ``mock_tool_calls`` to answer offline.

    Raises:
        modelmux.errors.APIError: a subclass per failure (see ``modelmux.errors``).
    """
    options = dict(provider_options)
    options.update(
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        max_completion_tokens=max_completion_tokens,
        stop=stop,
        n=n,
        seed=seed,
        user=user,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls,
        response_format=response_format,
        reasoning_effort=reasoning_effort,
        stream_options=stream_options,
        api_key=api_key,
        api_base=api_base,
        timeout=timeout,
        extra_headers=extra_headers,
        drop_params=drop_params,
        transport=transport,
    )
    call = _prepare(model, messages, stream, options)
    if call.local:
        local: Any = call.provider
        if stream:
            return ChatStream(None, None, call.scrub, chunks=local.stream(call.params, call.ctx))  # type: ignore[arg-type]
        result: ChatCompletion = local.complete(call.params, call.ctx)
        return result
    request = _http.to_httpx_request(call.provider.build_chat_request(call.params, call.ctx), call.timeout)
    try:
        response = _http.send(request, transport=call.transport, stream=stream)
    except APIError as exc:
        raise call.scrub(exc) from None
    if response.status_code >= 400:
        if stream:
            try:
                response.read()
            finally:
                response.close()
        raise _error(call, response)
    if stream:
        return ChatStream(response, call.provider.chat_stream_translator(call.ctx), call.scrub)
    return _parse(call, response)


@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[False] = False, **kwargs: Any
) -> ChatCompletion: ...
@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[True], **kwargs: Any
) -> AsyncChatStream: ...
async def acompletion(
    model: str,
    messages: Iterable[Any],
    *,
    stream: bool = False,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    stop: str | list[str] | None = None,
    n: int | None = None,
    seed: int | None = None,
    user: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    tool_choice: str | dict[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    response_format: dict[str, Any] | None = None,
    reasoning_effort: str | None = None,
    stream_options: dict[str, Any] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> ChatCompletion | AsyncChatStream:
    """The async twin of :func:`completion` (truly async: no thread pool). Same arguments."""
    options = dict(provider_options)
    options.update(
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        max_completion_tokens=max_completion_tokens,
        stop=stop,
        n=n,
        seed=seed,
        user=user,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls,
        response_format=response_format,
        reasoning_effort=reasoning_effort,
        stream_options=stream_options,
        api_key=api_key,
        api_base=api_base,
        timeout=timeout,
        extra_headers=extra_headers,
        drop_params=drop_params,
        transport=transport,
    )
    call = _prepare(model, messages, stream, options)
    if call.local:
        local: Any = call.provider
        if stream:
            return AsyncChatStream(None, None, call.scrub, chunks=local.astream(call.params, call.ctx))  # type: ignore[arg-type]
        result: ChatCompletion = local.complete(call.params, call.ctx)
        return result
    request = _http.to_httpx_request(call.provider.build_chat_request(call.params, call.ctx), call.timeout)
    try:
        response = await _http.asend(request, transport=call.transport, stream=stream)
    except APIError as exc:
        raise call.scrub(exc) from None
    if response.status_code >= 400:
        if stream:
            try:
                await response.aread()
            finally:
                await response.aclose()
        raise _error(call, response)
    if stream:
        return AsyncChatStream(response, call.provider.chat_stream_translator(call.ctx), call.scrub)
    return _parse(call, response)
