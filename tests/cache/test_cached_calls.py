"""completion()/acompletion()/embedding() through a modelmux.Cache in memory: hits, streams, controls, cost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cache_fakes import MSG, Clock, Upstream

import modelmux
from modelmux import Cache
from modelmux._streaming import ChatStream
from modelmux.errors import BadRequestError, UpstreamError

GPT = "openai/gpt-4o"


def chat(up: Upstream, cache: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", "k")
    return modelmux.completion(GPT, kwargs.pop("messages", MSG), transport=up.transport, cache=cache, **kwargs)


def dumps(chunks: Any) -> list[dict[str, Any]]:
    return [c.model_dump() for c in chunks]


def test_an_identical_request_is_answered_from_the_cache_marked_and_free() -> None:
    up, cache = Upstream(), Cache()
    first = chat(up, cache, temperature=0.3)
    again = chat(up, cache, temperature=0.3, api_key="another-key")
    assert len(up.sent) == 1
    assert again.model_dump() == first.model_dump()
    assert first._hidden_params["cache_hit"] is False and first.response_cost is not None and first.response_cost > 0
    assert again._hidden_params["cache_hit"] is True and again._hidden_params["attempts"] == 0
    assert again.response_cost == 0.0 and modelmux.completion_cost(again) == 0.0
    assert "_hidden_params" not in again.model_dump_json()


def test_a_different_request_is_a_miss() -> None:
    up, cache = Upstream(), Cache()
    chat(up, cache, temperature=0.3)
    other = chat(up, cache, temperature=0.4)
    assert len(up.sent) == 2 and other._hidden_params["cache_hit"] is False


def test_no_cache_bypasses_the_lookup_but_stores_the_fresh_answer() -> None:
    up, cache = Upstream(), Cache()
    chat(up, cache)
    fresh = chat(up, cache.options({"no-cache": True}))  # LiteLLM's spelling
    assert len(up.sent) == 2 and fresh.choices[0].message.content == "answer #2"
    assert chat(up, cache).choices[0].message.content == "answer #2" and len(up.sent) == 2


def test_no_store_reads_but_never_writes() -> None:
    up, cache = Upstream(), Cache()
    chat(up, cache.options(no_store=True))
    chat(up, cache.options(no_store=True))
    assert len(up.sent) == 2 and len(cache.store) == 0
    chat(up, cache)
    hit = chat(up, cache.options(no_store=True))
    assert hit._hidden_params["cache_hit"] is True and len(up.sent) == 3


def test_ttl_and_max_age_on_a_fake_clock() -> None:
    clock = Clock()
    up, cache = Upstream(), Cache(ttl=60, clock=clock)
    chat(up, cache)
    clock.now += 30
    assert chat(up, cache)._hidden_params["cache_hit"] is True
    assert chat(up, cache.options({"s-maxage": 10}))._hidden_params["cache_hit"] is False  # older than 10 s: refetched
    clock.now += 61
    assert chat(up, cache)._hidden_params["cache_hit"] is False
    assert len(up.sent) == 3


def test_per_call_ttl() -> None:
    clock = Clock()
    up, cache = Upstream(), Cache(clock=clock)
    chat(up, cache.options(ttl=5))
    clock.now += 6
    chat(up, cache)
    assert len(up.sent) == 2


def test_the_entry_bound_applies_to_answers() -> None:
    up, cache = Upstream(), Cache(max_entries=2)
    for t in (0.1, 0.2, 0.3):
        chat(up, cache, temperature=t)
    assert chat(up, cache, temperature=0.1)._hidden_params["cache_hit"] is False  # evicted
    assert chat(up, cache, temperature=0.3)._hidden_params["cache_hit"] is True


def test_a_stream_is_replayed_chunk_for_chunk_with_the_streaming_types() -> None:
    up, cache = Upstream(), Cache()
    original = list(chat(up, cache, stream=True, stream_options={"include_usage": True}))
    replay = chat(up, cache, stream=True, stream_options={"include_usage": True})
    assert isinstance(replay, modelmux.ChatStream) and replay._hidden_params["cache_hit"] is True
    chunks = list(replay)
    assert all(isinstance(c, modelmux.ChatCompletionChunk) for c in chunks)
    assert dumps(chunks) == dumps(original) and len(up.sent) == 1
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "hello #1"
    # A stream and a complete answer are different entries.
    assert chat(up, cache, stream_options=None)._hidden_params["cache_hit"] is False


def test_a_partially_consumed_stream_is_not_stored() -> None:
    up, cache = Upstream(), Cache()
    with chat(up, cache, stream=True) as stream:
        next(stream)
    assert len(cache.store) == 0
    list(chat(up, cache, stream=True))
    assert len(cache.store) == 1 and len(up.sent) == 2


def test_a_failed_stream_is_not_stored() -> None:
    up, cache = Upstream(broken_stream=True), Cache()
    with pytest.raises(UpstreamError):
        list(chat(up, cache, stream=True))
    assert len(cache.store) == 0


def test_async_streams_and_answers() -> None:
    up, cache = Upstream(), Cache()

    async def run() -> None:
        async def call(**kw: Any) -> Any:
            return await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, cache=cache, **kw)

        stream = await call(stream=True)
        original = [c async for c in stream]
        replay = await call(stream=True)
        assert isinstance(replay, modelmux.AsyncChatStream) and replay._hidden_params["cache_hit"] is True
        assert dumps([c async for c in replay]) == dumps(original)
        first = await call()
        second = await call()
        assert second._hidden_params["cache_hit"] is True and second.model_dump() == first.model_dump()
        partial = await call(stream=True, temperature=0.5)
        await partial.__anext__()
        await partial.aclose()
        assert (await call(stream=True, temperature=0.5))._hidden_params["cache_hit"] is False

    asyncio.run(run())
    assert len(up.sent) == 4


def test_embeddings_are_cached() -> None:
    up, cache = Upstream(), Cache()
    kw: dict[str, Any] = {"api_key": "k", "transport": up.transport, "cache": cache}
    first = modelmux.embedding("openai/text-embedding-3-small", ["a", "b"], **kw)
    again = modelmux.embedding("openai/text-embedding-3-small", ["a", "b"], **kw)
    other = modelmux.embedding("openai/text-embedding-3-small", ["a", "b"], dimensions=2, **kw)
    assert again._hidden_params["cache_hit"] is True and again.model_dump() == first.model_dump()
    assert other._hidden_params["cache_hit"] is False and len(up.sent) == 2
    assert modelmux.completion_cost(again) == 0.0

    async def run() -> Any:
        return await modelmux.aembedding(
            "openai/text-embedding-3-small", ["a", "b"], api_key="k", transport=up.atransport, cache=cache
        )

    assert asyncio.run(run())._hidden_params["cache_hit"] is True and len(up.sent) == 2


def test_a_hit_needs_no_attempt_and_a_miss_keeps_the_retry_loop() -> None:
    up, cache = Upstream(fail=[500]), Cache()
    from reliability_clock import fake_clock

    with fake_clock():
        first = chat(up, cache, num_retries=1)
    assert first._hidden_params["attempts"] == 2 and first._hidden_params["cache_hit"] is False
    assert chat(up, cache, num_retries=1)._hidden_params["cache_hit"] is True and len(up.sent) == 2


def test_what_cache_accepts() -> None:
    up = Upstream()
    assert "cache_hit" not in chat(up, None)._hidden_params
    assert "cache_hit" not in chat(up, False)._hidden_params
    with pytest.raises(BadRequestError, match=r"cache\.options"):
        chat(up, {"no-cache": True})
    with pytest.raises(ValueError, match="unknown cache control"):
        Cache().options(no_chache=True)
    with pytest.raises(modelmux.UnsupportedParamsError):  # operations that do not cache refuse it
        modelmux.image_generation("openai/dall-e-3", "a cat", api_key="k", transport=up.transport, cache=Cache())


def test_modelmux_cache_cannot_be_set_globally() -> None:
    with pytest.raises(AttributeError, match=r"cache=modelmux\.Cache"):
        modelmux.cache = Cache()  # type: ignore[attr-defined]


def test_a_huge_async_request_hits_too() -> None:
    from modelmux._api import OFFLOAD_ITEMS

    up, cache = Upstream(), Cache()
    many = [{"role": "user", "content": f"m{i}"} for i in range(OFFLOAD_ITEMS + 1)]

    async def call() -> Any:
        return await modelmux.acompletion(GPT, many, api_key="k", transport=up.atransport, cache=cache)

    async def run() -> None:
        await call()
        assert (await call())._hidden_params["cache_hit"] is True

    asyncio.run(run())
    assert len(up.sent) == 1


def test_a_stream_larger_than_the_cache_takes_is_not_kept_in_memory_while_it_runs() -> None:
    import tracemalloc

    from modelmux.cache._cache import as_cache_use
    from modelmux.cache.hook import through

    def chunks() -> Any:
        for i in range(2_000):
            yield modelmux.ChatCompletionChunk.model_validate(
                {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": f"{i:04d}" * 500}}]}
            )  # fmt: skip

    cache = Cache(max_bytes=64 * 1024)
    use = as_cache_use(cache)
    assert use is not None
    stream = through(use, "d", "chat", "m", lambda: ChatStream(None, None, lambda e: e, chunks=chunks()), stream=True)
    tracemalloc.start()
    try:
        total = sum(len(c.choices[0].delta.content or "") for c in stream)  # each chunk dropped once read
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 4_000_000 and len(cache.store) == 0
    assert peak < 1_000_000  # not the 4 MB of content (and more of chunk objects) the stream carried
