"""The cache around a call: look up (a hit answers at once), else call, then store.

A streamed answer is stored after the stream ended successfully, as its chunks (recorded as their JSON as they pass,
and no longer once larger than the store takes); a stream that failed, or that the caller closed early, is not
stored. A hit is replayed with the streaming API's own types (``ChatStream`` /
``AsyncChatStream`` of ``ChatCompletionChunk``). The key is computed from the call prepared as it would be sent
(``key.call_key``); retries, fallbacks and the deadline stay inside (a hit makes no attempt at all).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from .._call import Call
from .._options import RELIABILITY_OPTIONS
from .._retry import HIDDEN_PARAMS
from .._streaming import AsyncChatStream, ChatStream
from ..errors import APIError
from ..types import ChatCompletionChunk
from ._cache import CacheUse, as_cache_use
from .entries import CHAT, CHUNKS, TEXT, TRANSCRIPTION, Entry, chunk_json, decode, encode, encode_chunk_json
from .key import call_key

__all__ = ["acached_chat", "acached_operation", "athrough", "cached_chat", "cached_operation", "through"]

R = TypeVar("R")


def _digest(operation: str, prepare: Callable[[dict[str, Any]], Call], options: dict[str, Any], stream: bool) -> str:
    """The key of the call ``options`` describe (prepared on a copy: the call itself prepares its own)."""
    keyed = {k: v for k, v in options.items() if k not in RELIABILITY_OPTIONS and k != "first_chunk_timeout"}
    return call_key(operation, prepare(keyed), stream=stream)


def _entry(use: CacheUse, raw: bytes | None, kind: str) -> Entry | None:
    entry = decode(raw) if raw is not None else None
    if entry is None or not use.fresh(entry.stored_at):
        return None
    if entry.kind != kind and not (kind == TRANSCRIPTION and entry.kind == TEXT):
        return None
    return entry


def _hit(value: R, model: str, digest: str) -> R:
    hidden = {"attempts": 0, "model": model, "elapsed_s": 0.0, "failures": [], "cache_hit": True, "cache_key": digest}
    with contextlib.suppress(AttributeError, TypeError):  # a plain ``str`` (a text transcription) cannot carry it
        setattr(value, HIDDEN_PARAMS, hidden)
    return value


def _miss(value: R, digest: str) -> R:
    hidden = dict(getattr(value, HIDDEN_PARAMS, None) or {})
    hidden.update(cache_hit=False, cache_key=digest)
    with contextlib.suppress(AttributeError, TypeError):
        setattr(value, HIDDEN_PARAMS, hidden)
    return value


def _as_is(err: APIError) -> APIError:
    return err  # the inner stream already scrubbed it


# ---------------------------------------------------------------- sync


def _through(use: CacheUse, digest: str, kind: str, model: str, run: Callable[[], Any], *, stream: bool = False) -> Any:
    name = use.name(digest)
    store = use.cache.store
    if use.read:
        entry = _entry(use, store.get(name), CHUNKS if stream else kind)
        if entry is not None:
            if stream:
                chunks = entry.value
                return _hit(ChatStream(None, None, _as_is, chunks=iter(chunks)), model, digest)  # type: ignore[arg-type]
            return _hit(entry.value, model, digest)
    result = run()
    if not use.write:
        return _miss(result, digest)
    if stream:
        recorded = ChatStream(result.response, None, _as_is, chunks=_record(result, use, name))  # type: ignore[arg-type]
        return _miss(_inherit(recorded, result), digest)
    store.set(name, encode(kind, result, use.cache.clock()), use.ttl)
    return _miss(result, digest)


def through(use: CacheUse, digest: str, kind: str, model: str, run: Callable[[], Any], *, stream: bool = False) -> Any:
    """``run()`` through ``use`` under the key ``digest`` (a layer with its own key, e.g. the router's groups)."""
    return _through(use, digest, kind, model, run, stream=stream)


def _inherit(wrapper: R, inner: Any) -> R:
    setattr(wrapper, HIDDEN_PARAMS, dict(getattr(inner, HIDDEN_PARAMS, None) or {}))
    return wrapper


class _Recording:
    """A stream's chunks as they will be stored (their JSON), given up once larger than the store takes: a long
    stream is not kept whole in memory only to be refused at its end."""

    __slots__ = ("left", "parts")

    def __init__(self, use: CacheUse) -> None:
        self.parts: list[bytes] | None = []
        self.left: int = getattr(use.cache.store, "max_entry_bytes", sys.maxsize)

    def add(self, chunk: ChatCompletionChunk) -> None:
        parts = self.parts
        if parts is not None:
            part = chunk_json(chunk)
            self.left -= len(part) + 1
            if self.left < 0:
                self.parts = None  # too large to be stored: nothing more is kept
            else:
                parts.append(part)

    def entry(self, use: CacheUse) -> bytes | None:
        return None if self.parts is None else encode_chunk_json(self.parts, use.cache.clock())


def _record(stream: ChatStream, use: CacheUse, name: str) -> Iterator[ChatCompletionChunk]:
    recording = _Recording(use)
    try:
        for chunk in stream:
            recording.add(chunk)
            yield chunk
    finally:
        stream.close()
    # Only reached when the stream ended by itself: an error or an early close skips the store.
    entry = recording.entry(use)
    if entry is not None:
        use.cache.store.set(name, entry, use.ttl)


def cached_chat(
    cache: Any,
    model: str,
    messages: Any,
    stream: bool,
    options: dict[str, Any],
    prepare: Callable[[str, Any, bool, dict[str, Any]], Call],
    run: Callable[[str, Any, bool, dict[str, Any]], Any],
) -> Any:
    """``run(model, messages, stream, options)`` through ``cache`` (what ``completion(cache=)`` was given)."""
    use = as_cache_use(cache)
    if use is None:
        return run(model, messages, stream, options)
    digest = _digest("chat", lambda o: prepare(model, messages, stream, o), options, stream)
    return _through(use, digest, CHAT, model, lambda: run(model, messages, stream, options), stream=stream)


def cached_operation(
    cache: Any,
    operation: str,
    kind: str,
    model: str,
    options: dict[str, Any],
    prepare: Callable[[str, dict[str, Any]], Call],
    run: Callable[[], Any],
) -> Any:
    """``run()`` through ``cache`` (what ``embedding(cache=)``, ``moderation(cache=)``… was given), the key made
    from ``prepare(model, options)``: the call as it would be sent (``key.call_key``)."""
    use = as_cache_use(cache)
    if use is None:
        return run()
    digest = _digest(operation, lambda o: prepare(model, o), options, False)
    return _through(use, digest, kind, model, run)


# ---------------------------------------------------------------- async


async def _get(use: CacheUse, name: str) -> bytes | None:
    store = use.cache.store
    aget = getattr(store, "aget", None)
    raw: bytes | None = await aget(name) if aget is not None else store.get(name)
    return raw


async def _set(use: CacheUse, name: str, value: bytes) -> None:
    store = use.cache.store
    aset = getattr(store, "aset", None)
    if aset is not None:
        await aset(name, value, use.ttl)
    else:
        store.set(name, value, use.ttl)


async def _athrough(
    use: CacheUse, digest: str, kind: str, model: str, run: Callable[[], Awaitable[Any]], *, stream: bool = False
) -> Any:
    name = use.name(digest)
    if use.read:
        entry = _entry(use, await _get(use, name), CHUNKS if stream else kind)
        if entry is not None:
            if stream:
                return _hit(AsyncChatStream(None, None, _as_is, chunks=_replay(entry.value)), model, digest)  # type: ignore[arg-type]
            return _hit(entry.value, model, digest)
    result = await run()
    if not use.write:
        return _miss(result, digest)
    if stream:
        recorded = AsyncChatStream(result.response, None, _as_is, chunks=_arecord(result, use, name))  # type: ignore[arg-type]
        return _miss(_inherit(recorded, result), digest)
    await _set(use, name, encode(kind, result, use.cache.clock()))
    return _miss(result, digest)


async def athrough(
    use: CacheUse, digest: str, kind: str, model: str, run: Callable[[], Awaitable[Any]], *, stream: bool = False
) -> Any:
    """The async twin of :func:`through`."""
    return await _athrough(use, digest, kind, model, run, stream=stream)


async def _replay(chunks: list[ChatCompletionChunk]) -> AsyncIterator[ChatCompletionChunk]:
    for chunk in chunks:
        yield chunk


async def _arecord(stream: AsyncChatStream, use: CacheUse, name: str) -> AsyncIterator[ChatCompletionChunk]:
    recording = _Recording(use)
    try:
        async for chunk in stream:
            recording.add(chunk)
            yield chunk
    finally:
        await stream.aclose()
    entry = recording.entry(use)
    if entry is not None:
        await _set(use, name, entry)


async def acached_chat(
    cache: Any,
    model: str,
    messages: Any,
    stream: bool,
    options: dict[str, Any],
    prepare: Callable[[str, Any, bool, dict[str, Any]], Call],
    run: Callable[[str, Any, bool, dict[str, Any]], Awaitable[Any]],
) -> Any:
    """The async twin of :func:`cached_chat`."""
    use = as_cache_use(cache)
    if use is None:
        return await run(model, messages, stream, options)
    from .._api import OFFLOAD_ITEMS, _item_count

    def key() -> str:
        return _digest("chat", lambda o: prepare(model, messages, stream, o), options, stream)

    if _item_count(messages, options) > OFFLOAD_ITEMS:  # a huge request: checked and hashed off the event loop
        import asyncio

        digest = await asyncio.to_thread(key)
    else:
        digest = key()
    return await _athrough(use, digest, CHAT, model, lambda: run(model, messages, stream, options), stream=stream)


async def acached_operation(
    cache: Any,
    operation: str,
    kind: str,
    model: str,
    options: dict[str, Any],
    prepare: Callable[[str, dict[str, Any]], Call],
    run: Callable[[], Awaitable[Any]],
) -> Any:
    """The async twin of :func:`cached_operation`."""
    use = as_cache_use(cache)
    if use is None:
        return await run()
    digest = _digest(operation, lambda o: prepare(model, o), options, False)
    return await _athrough(use, digest, kind, model, run)
