"""``completion()`` and ``acompletion()``: chat's own checks, then the shared call in ``_call``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import httpx
import pydantic
from pydantic_core import to_json
from typing_extensions import Unpack

from . import _call, _http
from ._attempts import attempt_options, one_attempt, plan_attempts, stamp_one
from ._call import Call
from ._checks import check_chat_params, normalize_messages
from ._options import COMMON_OPTIONS, RELIABILITY_OPTIONS, ACompletionOptions, CompletionOptions, FallbackEntry
from ._registry import resolve
from ._retry import arun, current_pacer, run, stamp
from ._streaming import AsyncChatStream, ChatStream
from .callbacks._observer import Observer, observe
from .errors import APIError
from .providers._base import OPENAI_PARAMS, HttpRequest, StreamDecoder
from .types import ChatCompletion

__all__ = ["acompletion", "completion"]

#: Names completion() knows itself, for did-you-mean suggestions on a misspelt keyword.
_KNOWN = OPENAI_PARAMS | COMMON_OPTIONS | RELIABILITY_OPTIONS | {"mock_response", "mock_tool_calls", "stream"}

if TYPE_CHECKING:  # retries and fallbacks load with the first call that asks for them
    from ._fallbacks import Target


#: Above this many messages, content parts and tools, acompletion() checks and translates the request in a worker
#: thread: a maximal request (10 MB of small messages) takes tens of milliseconds of CPU, which would otherwise hold
#: the event loop (and every other request a gateway serves) for that long. Below it, a thread costs more than it saves.
OFFLOAD_ITEMS = 2_000


def _item_count(messages: Any, options: Mapping[str, Any]) -> int:
    """Messages + list content parts + tools: what the translation's work grows with (cheap: lengths only)."""
    if not isinstance(messages, (list, tuple)):
        return 0
    count = len(messages) + len(options.get("tools") or ())
    for m in messages:
        content = m.get("content") if isinstance(m, Mapping) else None
        if isinstance(content, list):
            count += len(content)
    return count


def _prepare_and_build(
    model: str, messages: Any, stream: bool, options: dict[str, Any]
) -> tuple[Call, HttpRequest | None]:
    """:func:`_prepare`, then the native request (none for a local provider), its JSON body already serialised:
    a large request's CPU work in one go."""
    call = _prepare(model, messages, stream, options)
    if call.local:
        return call, None
    native = _call.build(call, call.provider.build_chat_request)
    if native.content is None and native.json is not None and native.files is None:
        native.content = to_json(native.json)  # the same bytes _http would write, made here instead of on the loop
    return call, native


def _prepare(model: str, messages: Any, stream: bool, options: dict[str, Any]) -> Call:
    mock_response = options.pop("mock_response", None)
    mock_tool_calls = options.pop("mock_tool_calls", None)
    resolved = resolve(model)
    local = mock_response is not None or mock_tool_calls is not None

    params: dict[str, Any] = {"messages": normalize_messages(messages)}
    for key in [k for k in options if k in OPENAI_PARAMS]:
        value = options.pop(key)
        if value is not None:
            params[key] = value
    check_chat_params(params, stream)

    call = _call.open_call(
        resolved,
        params,
        options,
        provider_name="mock" if local else None,
        extra={"mock_response": mock_response, "mock_tool_calls": mock_tool_calls} if local else None,
        stream=stream,
        include_usage=bool((params.get("stream_options") or {}).get("include_usage")),
        known=_KNOWN,
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


def _stream_options(call: Call, response: httpx.Response) -> dict[str, Any]:
    """What a stream wrapper needs besides the response: bounds, and the provider's error mapping for a 200
    answer that is an error document instead of a stream."""
    provider, ctx = call.provider, call.ctx

    def map_error(status: int, body: bytes) -> APIError:
        return provider.map_error(status, response.headers, body, ctx)

    return {
        "decoder": _decoder(call),
        "limits": call.limits,
        "deadline": call.deadline,
        "map_error": map_error,
        "clipped": _http.clips(call.transport),
    }


# The overloads list every keyword (``CompletionOptions``) so type checkers and editors check user code;
# the implementation also takes the provider's own keywords (see ``_options``).
@overload
def completion(
    model: str, messages: Iterable[Any], *, stream: Literal[False] = False, **kwargs: Unpack[CompletionOptions]
) -> ChatCompletion: ...
@overload
def completion(
    model: str, messages: Iterable[Any], *, stream: Literal[True], **kwargs: Unpack[CompletionOptions]
) -> ChatStream: ...
@overload
def completion(
    model: str, messages: Iterable[Any], *, stream: bool, **kwargs: Unpack[CompletionOptions]
) -> ChatCompletion | ChatStream: ...
def completion(
    model: str,
    messages: Iterable[Any],
    *,
    stream: bool = False,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    stop: str | Sequence[str] | None = None,
    n: int | None = None,
    seed: int | None = None,
    user: str | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    response_format: Mapping[str, Any] | type[pydantic.BaseModel] | None = None,
    reasoning_effort: str | None = None,
    stream_options: Mapping[str, Any] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    num_retries: int | None = None,
    fallbacks: Sequence[FallbackEntry] | None = None,
    context_window_fallbacks: Sequence[FallbackEntry] | None = None,
    content_policy_fallbacks: Sequence[FallbackEntry] | None = None,
    disable_fallbacks: bool = False,
    callbacks: Sequence[Any] | None = None,
    **provider_options: Any,
) -> ChatCompletion | ChatStream:
    """Create a chat completion with any provider, in the OpenAI format.

    Args:
        model: ``"provider/model"`` (``"anthropic/claude-sonnet-4-20250514"``) or a catalogued bare id (``"gpt-4o"``).
        messages: OpenAI-format messages (plain dicts, or message models from an earlier response).
        stream: return a :class:`ChatStream` of ``ChatCompletionChunk`` instead of a ``ChatCompletion``.
        timeout: seconds for the whole call (connect, first byte, body or whole stream), every retry, backoff
            wait and fallback included; each attempt gets the time left; default 600.
        extra_headers: sent last, over the provider's own headers.
        extra_body: native body fields, merged into the provider's request as they are.
        drop_params: drop parameters the provider cannot express (with a ``DroppedParamWarning``)
            instead of raising ``UnsupportedParamsError``.
        transport: an ``httpx`` transport to send through (tests, proxies); default: a pooled client.
        num_retries: retries per model after a transient failure (connection error, timeout, 408, 409, 429,
            5xx, 529), waiting as the provider's ``Retry-After`` says or with capped exponential backoff and
            jitter; default 0 (as LiteLLM's ``completion``). See ``modelmux._retry``.
        fallbacks: models (``"provider/model"`` or ``{"model": ..., **keyword overrides}``) tried in order when the
            model fails (after its retries); ``context_window_fallbacks`` / ``content_policy_fallbacks`` are tried
            first on a context-window overflow / a content-policy refusal. Each model once, at most 5;
            ``disable_fallbacks=True`` turns them off. See ``modelmux._fallbacks``. With retries or fallbacks, a
            stream's first chunk is read before returning (a failure after it ends the stream, never replayed).
        first_chunk_timeout: seconds from sending a stream request to its first chunk, per attempt (apart from the
            whole-call ``timeout`` and the gap between reads, ``httpx.Timeout(read=...)``); missing it is an
            ``APITimeoutError``, retried and failed over like a timeout before the first byte. Ignored unless
            ``stream=True``. (A sync call through an injected transport other than ``httpx.HTTPTransport`` cannot
            be interrupted inside it: checked after each read; see ``modelmux._stream_first``.)
        callbacks: handlers told about this call (success, failure, stream end), besides those registered with
            ``modelmux.callbacks.register``; see ``modelmux.callbacks``.
        cache: a :class:`modelmux.Cache` (or ``cache.options(no_cache=…, no_store=…, ttl=…)``): an identical
            request answers from it (``_hidden_params["cache_hit"]``); see ``modelmux.cache``.

    The result (``ChatCompletion`` or stream) has ``_hidden_params`` (not in its JSON): ``attempts``, ``model``
    (the one that answered), ``elapsed_s`` (until the answer was handed over) and ``failures``.
        **provider_options: the other OpenAI parameters (``presence_penalty``, ``logprobs``…, see
            ``CompletionOptions``), ``max_response_bytes`` (32 MiB) / ``max_event_bytes`` (8 MiB),
            ``mock_response`` / ``mock_tool_calls`` to answer offline, and the provider's documented
            native fields (its ``native_params``, e.g. Anthropic's ``top_k``). Any other name raises
            ``UnknownParameterError`` (a ``TypeError``); LiteLLM-only options raise ``UnsupportedParamsError``.

    Raises:
        modelmux.errors.APIError: a subclass per failure (see ``modelmux.errors``).
    """
    options = _call.gather(locals(), "model", "messages", "stream")
    observer = observe("completion", model, options, messages=messages, stream=stream)  # None: no callbacks
    if observer is None:
        return _complete(model, messages, stream, options, None)
    return observer.run(_complete, model, messages, stream, options, observer)


def _complete(
    model: str, messages: Any, stream: bool, options: dict[str, Any], observer: Observer | None
) -> ChatCompletion | ChatStream:
    """:func:`completion` after its callbacks were taken out: the cache (when given), then :func:`_attempts`."""
    cache = options.pop("cache", None)
    if cache is not None:  # modelmux.cache: a hit answers without an attempt
        from .cache.hook import cached_chat

        return cached_chat(  # type: ignore[no-any-return]
            cache, model, messages, stream, options, _prepare, lambda m, ms, s, o: _attempts(m, ms, s, o, observer)
        )
    return _attempts(model, messages, stream, options, observer)


def _attempts(
    model: str, messages: Any, stream: bool, options: dict[str, Any], observer: Observer | None
) -> ChatCompletion | ChatStream:
    """One attempt, or the retry loop."""
    first = _first_chunk_timeout(options, stream) if "first_chunk_timeout" in options else None
    if first is None and one_attempt(options):  # the common case: no retry loop to set up
        started = current_pacer().clock()
        return stamp_one(_complete_once(model, messages, stream, options), model, started)
    loop, plan, given_timeout, eager = plan_attempts(model, stream, options)

    def attempt(target: Target, remaining: float | None) -> ChatCompletion | ChatStream:
        from ._stream_first import first_chunk, first_chunk_scope

        opts = attempt_options(plan, target, remaining, given_timeout, messages, loop)
        with first_chunk_scope(first):
            result = _complete_once(target.model, messages, stream, opts)
            if (eager or first is not None) and isinstance(result, ChatStream):
                return first_chunk(result)
        return result

    answer = run(loop, attempt if observer is None else observer.timed(attempt))
    return stamp(answer, loop)


def _first_chunk_timeout(options: dict[str, Any], stream: bool) -> float | None:
    from ._stream_first import pop_first_chunk_timeout  # loads with the first call that asks for it

    return pop_first_chunk_timeout(options, stream)


def _complete_once(model: str, messages: Any, stream: bool, options: dict[str, Any]) -> ChatCompletion | ChatStream:
    """One attempt of :func:`completion` on one model."""
    call = _prepare(model, messages, stream, options)
    if call.local:
        local: Any = call.provider
        if stream:
            return ChatStream(None, None, call.scrub, chunks=local.stream(call.params, call.ctx))  # type: ignore[arg-type]
        result: ChatCompletion = local.complete(call.params, call.ctx)
        return result
    response = _call.send(call, _call.build(call, call.provider.build_chat_request), stream=stream)
    if stream:
        translator = call.provider.chat_stream_translator(call.ctx)
        return ChatStream(response, translator, call.scrub, **_stream_options(call, response))
    return _call.parse(call, response, call.provider.parse_chat_response, call.ctx)


@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[False] = False, **kwargs: Unpack[ACompletionOptions]
) -> ChatCompletion: ...
@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: Literal[True], **kwargs: Unpack[ACompletionOptions]
) -> AsyncChatStream: ...
@overload
async def acompletion(
    model: str, messages: Iterable[Any], *, stream: bool, **kwargs: Unpack[ACompletionOptions]
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
    stop: str | Sequence[str] | None = None,
    n: int | None = None,
    seed: int | None = None,
    user: str | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    response_format: Mapping[str, Any] | type[pydantic.BaseModel] | None = None,
    reasoning_effort: str | None = None,
    stream_options: Mapping[str, Any] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    num_retries: int | None = None,
    fallbacks: Sequence[FallbackEntry] | None = None,
    context_window_fallbacks: Sequence[FallbackEntry] | None = None,
    content_policy_fallbacks: Sequence[FallbackEntry] | None = None,
    disable_fallbacks: bool = False,
    callbacks: Sequence[Any] | None = None,
    **provider_options: Any,
) -> ChatCompletion | AsyncChatStream:
    """The async twin of :func:`completion` (truly async: the network is awaited, never a thread; only a very large
    request is translated in a worker thread, see ``OFFLOAD_ITEMS``). Same arguments."""
    options = _call.gather(locals(), "model", "messages", "stream")
    observer = observe("completion", model, options, messages=messages, stream=stream)  # None: no callbacks
    if observer is None:
        return await _acomplete(model, messages, stream, options, None)
    return await observer.arun(_acomplete, model, messages, stream, options, observer)


async def _acomplete(
    model: str, messages: Any, stream: bool, options: dict[str, Any], observer: Observer | None
) -> ChatCompletion | AsyncChatStream:
    """:func:`acompletion` after its callbacks were taken out: the cache (when given), then :func:`_aattempts`."""
    cache = options.pop("cache", None)
    if cache is not None:  # modelmux.cache: a hit answers without an attempt
        from .cache.hook import acached_chat

        return await acached_chat(  # type: ignore[no-any-return]
            cache, model, messages, stream, options, _prepare, lambda m, ms, s, o: _aattempts(m, ms, s, o, observer)
        )
    return await _aattempts(model, messages, stream, options, observer)


async def _aattempts(
    model: str, messages: Any, stream: bool, options: dict[str, Any], observer: Observer | None
) -> ChatCompletion | AsyncChatStream:
    """One attempt, or the retry loop."""
    first = _first_chunk_timeout(options, stream) if "first_chunk_timeout" in options else None
    if first is None and one_attempt(options):  # the common case: no retry loop to set up
        started = current_pacer().clock()
        return stamp_one(await _acomplete_once(model, messages, stream, options), model, started)
    loop, plan, given_timeout, eager = plan_attempts(model, stream, options)

    async def attempt(target: Target, remaining: float | None) -> ChatCompletion | AsyncChatStream:
        from ._stream_first import afirst_chunk, awithin_first_chunk

        opts = attempt_options(plan, target, remaining, given_timeout, messages, loop)

        async def send_and_read() -> ChatCompletion | AsyncChatStream:
            result = await _acomplete_once(target.model, messages, stream, opts)
            if (eager or first is not None) and isinstance(result, AsyncChatStream):
                return await afirst_chunk(result)
            return result

        return await awithin_first_chunk(send_and_read(), first)

    answer = await arun(loop, attempt if observer is None else observer.atimed(attempt))
    return stamp(answer, loop)


async def _acomplete_once(
    model: str, messages: Any, stream: bool, options: dict[str, Any]
) -> ChatCompletion | AsyncChatStream:
    """One attempt of :func:`acompletion` on one model."""
    native = None
    if _item_count(messages, options) > OFFLOAD_ITEMS:
        import asyncio

        call, native = await asyncio.to_thread(_prepare_and_build, model, messages, stream, options)
    else:
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
    if native is None:
        native = _call.build(call, call.provider.build_chat_request)
    if not stream:
        answer = await _call.aexchange(call, native)  # a whole answer: no httpx objects through the own client
        return _call.parse(call, answer, call.provider.parse_chat_response, call.ctx)
    response = await _call.asend(call, native, stream=True)
    translator = call.provider.chat_stream_translator(call.ctx)
    return AsyncChatStream(response, translator, call.scrub, **_stream_options(call, response))
