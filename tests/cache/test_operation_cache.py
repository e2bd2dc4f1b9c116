"""cache= for moderation, rerank and transcription (and embeddings, as before): the same key rules as chat (a
canonical hash of what determines the answer; never the key, the timeout or retry options), per-call controls,
TTL on a fake clock, sync and async; image generation refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from cache_fakes import Clock

import modelmux
from fake_clock import fake_clock
from modelmux import Cache
from operation_fakes import Scripted, error, invoke

BOTH = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
CACHEABLE = pytest.mark.parametrize("operation", ["embedding", "moderation", "rerank", "transcription"])

#: Per operation: a change of what determines the answer (each must miss).
OTHER_REQUEST: dict[str, list[dict[str, Any]]] = {
    "embedding": [{"input": "other"}, {"dimensions": 8}, {"model": "openai/text-embedding-3-large"}],
    "moderation": [{"input": "other"}, {"model": "openai/text-moderation-latest"}],
    "rerank": [{"query": "other"}, {"documents": ["b", "a"]}, {"top_n": 1}, {"return_documents": False}],
    "transcription": [
        {"file": ("a.wav", b"RIFF....WAVE-other", "audio/wav")},
        {"language": "fr"},
        {"prompt": "names"},
        {"temperature": 0.5},
        {"response_format": "verbose_json"},
        {"api_base": "http://127.0.0.1:9/v1"},
    ],
}


@CACHEABLE
@BOTH
def test_an_identical_request_answers_from_the_cache(operation: str, use_async: bool) -> None:
    up, cache = Scripted(), Cache()
    first = invoke(operation, up, cache=cache, use_async=use_async)
    again = invoke(operation, up, cache=cache, use_async=use_async)
    assert len(up.requests) == 1
    assert first._hidden_params["cache_hit"] is False and again._hidden_params["cache_hit"] is True
    assert again._hidden_params["attempts"] == 0 and again.model_dump() == first.model_dump()
    assert first._hidden_params["cache_key"] == again._hidden_params["cache_key"]


@CACHEABLE
def test_what_determines_the_answer_is_in_the_key(operation: str) -> None:
    up, cache = Scripted(), Cache()
    invoke(operation, up, cache=cache)
    for change in OTHER_REQUEST[operation]:
        before = len(up.requests)
        invoke(operation, up, cache=cache, **change)
        assert len(up.requests) == before + 1, change


@CACHEABLE
def test_credentials_timeouts_and_retry_options_are_not_in_the_key(operation: str) -> None:
    up, cache = Scripted(), Cache()
    invoke(operation, up, cache=cache, api_key="sk-first-0123456789")
    with fake_clock():
        invoke(
            operation, up, cache=cache, api_key="sk-second-0123456789", timeout=12, num_retries=3,
            extra_headers={"x-api-key": "other-credential-123"},
        )  # fmt: skip
    assert len(up.requests) == 1


@CACHEABLE
def test_controls_no_cache_no_store_and_ttl(operation: str) -> None:
    clock = Clock()
    up, cache = Scripted(), Cache(clock=clock)
    invoke(operation, up, cache=cache.options(no_store=True))
    invoke(operation, up, cache=cache)  # nothing was stored: a miss, stored now
    assert len(up.requests) == 2
    invoke(operation, up, cache=cache.options(no_cache=True))  # not read: called, and stored again
    assert len(up.requests) == 3
    invoke(operation, up, cache=cache.options(ttl=10))
    assert len(up.requests) == 3  # a hit
    invoke(operation, up, cache=cache.options({"no-cache": True}, ttl=10))
    clock.now += 11
    invoke(operation, up, cache=cache)
    assert len(up.requests) == 5  # the 10 s entry expired


@CACHEABLE
def test_a_failure_is_not_cached(operation: str) -> None:
    up, cache = Scripted(error(500)), Cache()
    with pytest.raises(modelmux.APIError):
        invoke(operation, up, cache=cache)
    invoke(operation, up, cache=cache)
    invoke(operation, up, cache=cache)
    assert len(up.requests) == 2


def test_a_text_transcription_is_cached_as_text() -> None:
    up, cache = Scripted(), Cache()

    def text() -> Any:
        return invoke("transcription", up, cache=cache, response_format="text")

    up.actions = [__import__("httpx").Response(200, text="hello there")]
    assert text() == "hello there" and text() == "hello there"
    assert len(up.requests) == 1


def test_the_audio_is_hashed_not_stored_in_the_key(tmp_path: Any) -> None:
    up, cache = Scripted(), Cache()
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF....WAVE")
    with path.open("rb") as f:
        first = modelmux.transcription("openai/whisper-1", f, api_key="k", transport=up.transport, cache=cache)
    second = modelmux.transcription("openai/whisper-1", path, api_key="k", transport=up.transport, cache=cache)
    assert len(up.requests) == 1 and second._hidden_params["cache_hit"] is True
    assert "RIFF" not in first._hidden_params["cache_key"] and len(first._hidden_params["cache_key"]) == 64


@BOTH
def test_image_generation_refuses_cache(use_async: bool) -> None:
    with pytest.raises(modelmux.UnsupportedParamsError, match="cache"):
        invoke("image_generation", Scripted(), cache=Cache(), use_async=use_async)


@CACHEABLE
def test_redis_lookalike_async_store_is_used_by_async_calls(operation: str) -> None:
    """An async call uses the store's ``aget``/``aset`` (Redis' async client) when it has them."""
    calls: list[str] = []
    cache = Cache()
    store = cache.store

    class AsyncStore:
        def get(self, key: str) -> Any:
            raise AssertionError("the sync client in an async call")

        async def aget(self, key: str) -> Any:
            calls.append("aget")
            return store.get(key)

        async def aset(self, key: str, value: bytes, ttl: Any) -> None:
            calls.append("aset")
            store.set(key, value, ttl)

    cache.store = AsyncStore()
    up = Scripted()
    invoke(operation, up, cache=cache, use_async=True)
    invoke(operation, up, cache=cache, use_async=True)
    assert calls == ["aget", "aset", "aget"] and len(up.requests) == 1


@CACHEABLE
@BOTH
def test_two_processes_share_operation_entries_through_a_real_redis(
    operation: str, use_async: bool, redis_url: str, prefix: str
) -> None:
    """Two Cache objects on one server (as two processes would be): what one stored, the other answers with."""
    up = Scripted()
    first = invoke(operation, up, cache=Cache("redis", url=redis_url, namespace=prefix), use_async=use_async)
    again = invoke(operation, up, cache=Cache("redis", url=redis_url, namespace=prefix), use_async=use_async)
    assert len(up.requests) == 1 and again._hidden_params["cache_hit"] is True
    assert again.model_dump() == first.model_dump()
