"""``completion()`` and ``acompletion()``: chat's own checks, then the shared call in ``_call``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

import httpx
import pydantic

from . import _call
from ._call import Call
from ._checks import check_range, check_strings
from ._registry import resolve
from ._streaming import AsyncChatStream, ChatStream
from .errors import BadRequestError
from .providers._base import OPENAI_PARAMS, StreamDecoder
from .types import ChatCompletion

__all__ = ["acompletion", "completion"]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


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


def _validate(params: dict[str, Any], stream: bool) -> None:
    check_range(params, "temperature", 0, 2)
    check_range(params, "top_p", 0, 1)
    check_range(params, "n", 1, 128)
    check_range(params, "max_tokens", 1, None)
    check_range(params, "max_completion_tokens", 1, None)
    check_range(params, "presence_penalty", -2, 2)
    check_range(params, "frequency_penalty", -2, 2)
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
    check_strings(params, "stop")


def _prepare(model: str, messages: Any, stream: bool, options: dict[str, Any]) -> Call:
    mock_response = options.pop("mock_response", None)
    mock_tool_calls = options.pop("mock_tool_calls", None)
    resolved = resolve(model)
    local = mock_response is not None or mock_tool_calls is not None

    params: dict[str, Any] = {"messages": _normalize_messages(messages)}
    for key in [k for k in options if k in OPENAI_PARAMS]:
        value = options.pop(key)
        if value is not None:
            params[key] = value
    _validate(params, stream)

    call = _call.open_call(
        resolved,
        params,
        options,
        provider_name="mock" if local else None,
        extra={"mock_response": mock_response, "mock_tool_calls": mock_tool_calls} if local else None,
        stream=stream,
        include_usage=bool((params.get("stream_options") or {}).get("include_usage")),
    )
    supported = call.provider.supported_params
    for key in [k for k in params if k != "messages" and k not in supported]:
        call.ctx.unsupported(key)
        del params[key]
    return call


def _decoder(call: Call) -> StreamDecoder | None:
    """The provider's own byte decoder when its stream is not SSE (e.g. AWS event-stream framing)."""
    make = getattr(call.provider, "chat_stream_decoder", None)
    return make(call.ctx) if make is not None else None


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
    options = _call.gather(locals(), "model", "messages", "stream")
    call = _prepare(model, messages, stream, options)
    if call.local:
        local: Any = call.provider
        if stream:
            return ChatStream(None, None, call.scrub, chunks=local.stream(call.params, call.ctx))  # type: ignore[arg-type]
        result: ChatCompletion = local.complete(call.params, call.ctx)
        return result
    response = _call.send(call, call.provider.build_chat_request(call.params, call.ctx), stream=stream)
    if stream:
        return ChatStream(response, call.provider.chat_stream_translator(call.ctx), call.scrub, decoder=_decoder(call))
    return _call.parse(call, response, call.provider.parse_chat_response, call.ctx)


@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[False] = False, **kwargs: Any
) -> ChatCompletion: ...
@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[True], **kwargs: Any
) -> AsyncChatStream: ...
@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: bool, **kwargs: Any
) -> ChatCompletion | AsyncChatStream: ...
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
    options = _call.gather(locals(), "model", "messages", "stream")
    call = _prepare(model, messages, stream, options)
    if call.local:
        local: Any = call.provider
        if stream:
            return AsyncChatStream(None, None, call.scrub, chunks=local.astream(call.params, call.ctx))  # type: ignore[arg-type]
        acomplete = getattr(local, "acomplete", None)  # the mock's waits must not block the event loop
        result: ChatCompletion = (
            await acomplete(call.params, call.ctx) if acomplete else local.complete(call.params, call.ctx)
        )
        return result
    response = await _call.asend(call, call.provider.build_chat_request(call.params, call.ctx), stream=stream)
    if stream:
        return AsyncChatStream(
            response, call.provider.chat_stream_translator(call.ctx), call.scrub, decoder=_decoder(call)
        )
    return _call.parse(call, response, call.provider.parse_chat_response, call.ctx)
