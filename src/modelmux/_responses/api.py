"""``responses()`` / ``aresponses()``: the OpenAI Responses API over any provider, and the stored responses
(``get_response``, ``delete_response``). The only module here with I/O besides :mod:`.native` and the stores.

A non-OpenAI target: the request → chat messages (with the stored conversation of ``previous_response_id`` first)
→ ``completion()`` → a ``Response`` (or its events). An OpenAI target: the request as it is to ``/v1/responses``;
a ``previous_response_id`` that modelmux made on another provider goes as the conversation's items instead.
Either way the response is stored unless ``store=False``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

from .._api import OFFLOAD_ITEMS, acompletion, completion
from .._streaming import AsyncChatStream, ChatStream
from ..types import ChatCompletionChunk
from .convert_output import convert_completion, skeleton
from .convert_request import check_types, convert_request
from .errors import ResponseNotFoundError
from .native import anative, for_openai, native
from .plan import Plan, plan, split_kwargs
from .store import MemoryResponseStore, ResponseStore, StoredResponse, aconversation, conversation, readable
from .stream_events import EventTranslator
from .streams import AsyncResponseStream, ResponseStream
from .types import ResponseObject

__all__ = [
    "adelete_response",
    "aget_response",
    "arespond",
    "aresponses",
    "default_response_store",
    "delete_response",
    "get_response",
    "respond",
    "responses",
]

_default: list[MemoryResponseStore] = []  # the process's store, made on first use (like the pooled HTTP clients)


def default_response_store() -> MemoryResponseStore:
    """The store ``responses()`` uses when given none: in this process, bounded (see :class:`MemoryResponseStore`)."""
    if not _default:
        _default.append(MemoryResponseStore())
    return _default[0]


def _entry(response: dict[str, Any], p: Plan, native: bool) -> StoredResponse:
    return StoredResponse(response, p.items, previous=p.previous, owner=p.owner, native=native)


def _large(given: Any, more: int = 0) -> bool:
    """Whether ``more`` items and those of the ``input`` are enough to translate off the event loop (as
    ``acompletion`` does for a large request)."""
    return more + (len(given) if isinstance(given, list) else 0) > OFFLOAD_ITEMS


def _may_continue(entry: StoredResponse | None, owner: str | None) -> bool:
    """Whether ``owner`` may continue ``entry`` at OpenAI. An id the store does not hold goes to OpenAI as it is only
    for the library (the caller's own key): a gateway key would reach whatever the gateway's upstream key can read
    (another key's response the store has evicted, or one made with that key elsewhere)."""
    return readable(entry, owner) if entry is not None else owner is None


def _chat_stream_options(params: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    return {**params, **options, "stream_options": {"include_usage": True}}


def _native_body(
    body: Mapping[str, Any], entry: StoredResponse | None, history: list[dict[str, Any]]
) -> dict[str, Any]:
    """The body for OpenAI: as given, unless the previous response is one OpenAI does not know."""
    if entry is None or entry.native:
        return dict(body)
    out = {k: v for k, v in body.items() if k != "previous_response_id"}
    out["input"] = for_openai(history, body.get("input"))
    return out


# ---------------------------------------------------------------------------------------------------- async


async def arespond(
    model: str,
    body: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    store: ResponseStore,
    owner: str | None = None,
    public: str | None = None,
    complete: Callable[..., Awaitable[Any]] | None = None,
) -> dict[str, Any] | AsyncResponseStream:
    """One Responses call: the response as a dict, or its stream (what the gateway and :func:`aresponses` share).

    ``complete`` replaces ``acompletion`` (same signature): the gateway's model groups call their router with it.
    A call given one is always translated through chat completions, never passed through natively.

    Raises:
        UnknownParameterError, BadRequestError, UnsupportedParamsError: the request cannot be made.
        ResponseNotFoundError: ``previous_response_id`` is not stored for ``owner``.
        APIError: the provider failed.
    """
    check_types(body)
    if _large(body.get("input")):  # its items are copied and numbered: off the event loop for a long input
        p = await asyncio.to_thread(plan, model, body, options, public=public or model, owner=owner)
    else:
        p = plan(model, body, options, public=public or model, owner=owner)
    if complete is not None:
        p = dataclasses.replace(p, native=False)
    else:
        complete = acompletion
    if p.native:
        return await _anative(p, body, options, store)
    history: list[dict[str, Any]] = []
    if p.previous:
        _, history = await aconversation(store, p.previous, owner)
    convert = functools.partial(convert_request, body, history, provider=p.provider, model=p.public, drop=p.drop)
    if _large(body.get("input"), len(history)):
        translated = await asyncio.to_thread(convert)  # a long conversation: translated off the event loop
    else:
        translated = convert()
    base = skeleton(body, model=p.public)
    if not p.stream:
        result = await complete(model, translated.messages, **{**translated.params, **options})
        response = convert_completion(result, base)
        if p.store:
            await store.aput(_entry(response, p, False))
        return response
    chat = await complete(model, translated.messages, stream=True, **_chat_stream_options(translated.params, options))
    try:  # the first chunk before returning: a failure up to then raises here, not mid-stream
        first: ChatCompletionChunk | None = await chat.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException:
        await chat.aclose()
        raise

    async def save(response: dict[str, Any]) -> None:
        await store.aput(_entry(response, p, False))

    return AsyncResponseStream(
        _atranslate(chat, first, EventTranslator(base)), close=chat.aclose, on_final=save if p.store else None
    )


async def _atranslate(
    chat: AsyncChatStream, first: ChatCompletionChunk | None, translator: EventTranslator
) -> AsyncIterator[list[dict[str, Any]]]:
    """The events, a batch per chunk (the gateway writes each batch at once)."""
    yield translator.start() + (translator.feed(first) if first is not None else [])
    async for chunk in chat:
        events = translator.feed(chunk)
        if events:
            yield events
    yield translator.finish()


async def _anative(
    p: Plan, body: Mapping[str, Any], options: Mapping[str, Any], store: ResponseStore
) -> dict[str, Any] | AsyncResponseStream:
    entry: StoredResponse | None = None
    history: list[dict[str, Any]] = []
    if p.previous:
        entry = await store.aget(p.previous)
        if not _may_continue(entry, p.owner):
            raise ResponseNotFoundError(p.previous, param="previous_response_id")
        if entry is not None and not entry.native:
            _, history = await aconversation(store, p.previous, p.owner)
    result = await anative(p.model, options, _native_body(body, entry, history))
    if isinstance(result, dict):
        if p.store:
            await store.aput(_entry(result, p, True))
        return result

    async def save(response: dict[str, Any]) -> None:
        await store.aput(_entry(response, p, True))

    close = result.aclose  # type: ignore[attr-defined]
    try:  # the first events before returning: a stream that fails before any (an HTML page) raises here, not mid-stream
        first = await result.__anext__()
    except StopAsyncIteration:
        first = []
    except BaseException:
        await close()
        raise
    return AsyncResponseStream(_aprepend(first, result), close=close, on_final=save if p.store else None)


async def _aprepend(
    first: list[dict[str, Any]], rest: AsyncIterator[list[dict[str, Any]]]
) -> AsyncIterator[list[dict[str, Any]]]:
    yield first
    async for batch in rest:
        yield batch


@overload
async def aresponses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: Literal[False] = False,
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> ResponseObject: ...
@overload
async def aresponses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: Literal[True],
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> AsyncResponseStream: ...
async def aresponses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: bool = False,
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> ResponseObject | AsyncResponseStream:
    """Create a response (the OpenAI Responses API) with any provider.

    Args:
        model: ``"provider/model"`` as for :func:`modelmux.completion`.
        input: a string, or a list of items (messages, ``function_call``, ``function_call_output``, ``reasoning``).
        response_store: where responses are kept for ``previous_response_id`` (default: this process's memory).
        **kwargs: the API's fields (``instructions``, ``tools``, ``tool_choice``, ``text``, ``reasoning``,
            ``max_output_tokens``, ``temperature``, ``top_p``, ``metadata``, ``parallel_tool_calls``, ``user``,
            ``store``, ``previous_response_id``, ``stream``…) and modelmux's options (``api_key``, ``api_base``,
            ``timeout``, ``drop_params``, ``transport``, ``num_retries``, ``mock_response``…).

    Returns:
        The response, or with ``stream=True`` an async iterator of its events (``ResponseEvent``).

    Raises:
        UnknownParameterError: a field the API does not have. UnsupportedParamsError: one the provider cannot
        honour (unless ``drop_params=True``). ResponseNotFoundError: an unknown ``previous_response_id``.
    """
    body, options = split_kwargs({**kwargs, "input": input, "stream": stream or None})
    store = response_store if response_store is not None else default_response_store()
    result = await arespond(model, body, options, store=store)
    return ResponseObject.model_validate(result) if isinstance(result, dict) else result


async def aget_response(response_id: str, *, response_store: ResponseStore | None = None) -> ResponseObject:
    """A stored response by id. Raises :class:`ResponseNotFoundError` when there is none."""
    store = response_store if response_store is not None else default_response_store()
    entry = await store.aget(response_id)
    if not readable(entry, None):
        raise ResponseNotFoundError(response_id)
    assert entry is not None
    return ResponseObject.model_validate(entry.response)


async def adelete_response(response_id: str, *, response_store: ResponseStore | None = None) -> None:
    """Forget a stored response. Raises :class:`ResponseNotFoundError` when there is none."""
    store = response_store if response_store is not None else default_response_store()
    if not readable(await store.aget(response_id), None) or not await store.adelete(response_id):
        raise ResponseNotFoundError(response_id)


# ---------------------------------------------------------------------------------------------------- sync


def respond(
    model: str,
    body: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    store: ResponseStore,
    owner: str | None = None,
    public: str | None = None,
) -> dict[str, Any] | ResponseStream:
    """The sync twin of :func:`arespond`."""
    check_types(body)
    p = plan(model, body, options, public=public or model, owner=owner)
    if p.native:
        return _native(p, body, options, store)
    history: list[dict[str, Any]] = []
    if p.previous:
        _, history = conversation(store, p.previous, owner)
    translated = convert_request(body, history, provider=p.provider, model=p.public, drop=p.drop)
    base = skeleton(body, model=p.public)
    if not p.stream:
        response = convert_completion(completion(model, translated.messages, **{**translated.params, **options}), base)
        if p.store:
            store.put(_entry(response, p, False))
        return response
    chat = completion(model, translated.messages, stream=True, **_chat_stream_options(translated.params, options))
    try:
        first: ChatCompletionChunk | None = next(chat)
    except StopIteration:
        first = None
    except BaseException:
        chat.close()
        raise

    def save(response: dict[str, Any]) -> None:
        store.put(_entry(response, p, False))

    return ResponseStream(
        _translate(chat, first, EventTranslator(base)), close=chat.close, on_final=save if p.store else None
    )


def _translate(
    chat: ChatStream, first: ChatCompletionChunk | None, translator: EventTranslator
) -> Iterator[list[dict[str, Any]]]:
    yield translator.start() + (translator.feed(first) if first is not None else [])
    for chunk in chat:
        events = translator.feed(chunk)
        if events:
            yield events
    yield translator.finish()


def _native(
    p: Plan, body: Mapping[str, Any], options: Mapping[str, Any], store: ResponseStore
) -> dict[str, Any] | ResponseStream:
    entry: StoredResponse | None = None
    history: list[dict[str, Any]] = []
    if p.previous:
        entry = store.get(p.previous)
        if not _may_continue(entry, p.owner):
            raise ResponseNotFoundError(p.previous, param="previous_response_id")
        if entry is not None and not entry.native:
            _, history = conversation(store, p.previous, p.owner)
    result = native(p.model, options, _native_body(body, entry, history))
    if isinstance(result, dict):
        if p.store:
            store.put(_entry(result, p, True))
        return result

    def save(response: dict[str, Any]) -> None:
        store.put(_entry(response, p, True))

    return ResponseStream(result, close=result.close, on_final=save if p.store else None)  # type: ignore[attr-defined]


@overload
def responses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: Literal[False] = False,
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> ResponseObject: ...
@overload
def responses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: Literal[True],
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> ResponseStream: ...
def responses(
    model: str,
    input: str | Sequence[Any] | None = None,
    *,
    stream: bool = False,
    response_store: ResponseStore | None = None,
    **kwargs: Any,
) -> ResponseObject | ResponseStream:
    """The sync twin of :func:`aresponses` (same arguments; a sync store, e.g. the default one)."""
    body, options = split_kwargs({**kwargs, "input": input, "stream": stream or None})
    store = response_store if response_store is not None else default_response_store()
    result = respond(model, body, options, store=store)
    return ResponseObject.model_validate(result) if isinstance(result, dict) else result


def get_response(response_id: str, *, response_store: ResponseStore | None = None) -> ResponseObject:
    """The sync twin of :func:`aget_response`."""
    store = response_store if response_store is not None else default_response_store()
    entry = store.get(response_id)
    if not readable(entry, None):
        raise ResponseNotFoundError(response_id)
    assert entry is not None
    return ResponseObject.model_validate(entry.response)


def delete_response(response_id: str, *, response_store: ResponseStore | None = None) -> None:
    """The sync twin of :func:`adelete_response`."""
    store = response_store if response_store is not None else default_response_store()
    if not readable(store.get(response_id), None) or not store.delete(response_id):
        raise ResponseNotFoundError(response_id)
