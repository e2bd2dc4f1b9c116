"""Cache(type="redis") against a real redis-server: shared entries, TTL on the server, outages degrade to a miss."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from cache_fakes import MSG, Upstream

import modelmux
from modelmux import Cache

GPT = "openai/gpt-4o"


def chat(up: Upstream, cache: Any, **kwargs: Any) -> Any:
    return modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, cache=cache, **kwargs)


def test_two_caches_on_one_server_share_entries(redis_url: str, prefix: str) -> None:
    up = Upstream()
    one, two = Cache("redis", url=redis_url, namespace=prefix), Cache("redis", url=redis_url, namespace=prefix)
    try:
        first = chat(up, one)
        hit = chat(up, two)
        assert hit._hidden_params["cache_hit"] is True and hit.model_dump() == first.model_dump()
        assert len(up.sent) == 1
        streamed = list(chat(up, one, stream=True))
        replay = chat(up, two, stream=True)
        assert replay._hidden_params["cache_hit"] is True
        assert [c.model_dump() for c in replay] == [c.model_dump() for c in streamed]
        other = Cache("redis", url=redis_url, namespace=prefix + "-other")
        assert chat(up, other)._hidden_params["cache_hit"] is False
        other.close()
    finally:
        one.close()
        two.close()


def test_the_ttl_is_kept_by_the_server(redis_url: str, prefix: str) -> None:
    import redis

    up = Upstream()
    cache = Cache("redis", url=redis_url, namespace=prefix, ttl=0.3)
    chat(up, cache)
    keys = redis.Redis.from_url(redis_url).keys(f"{prefix}:cache:*")
    assert len(keys) == 1 and 0 < redis.Redis.from_url(redis_url).pttl(keys[0]) <= 300
    time.sleep(0.4)
    assert chat(up, cache)._hidden_params["cache_hit"] is False
    cache.close()


def test_async_calls_use_the_server(redis_url: str, prefix: str) -> None:
    up = Upstream()
    cache = Cache("redis", url=redis_url, namespace=prefix)

    async def call(**kw: Any) -> Any:
        return await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, cache=cache, **kw)

    async def run() -> None:
        original = [c async for c in await call(stream=True)]
        replay = await call(stream=True)
        assert replay._hidden_params["cache_hit"] is True
        assert [c.model_dump() async for c in replay] == [c.model_dump() for c in original]
        await call()
        assert (await call())._hidden_params["cache_hit"] is True
        await cache.aclose()

    asyncio.run(run())
    asyncio.run(run())  # a second event loop gets its own async client
    assert len(up.sent) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_redis_down_is_a_miss_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    up = Upstream()
    cache = Cache("redis", url=f"redis://:hunter2@127.0.0.1:{_closed_port()}/0")
    with caplog.at_level(logging.DEBUG, logger="modelmux.cache"):
        for _ in range(3):
            assert chat(up, cache)._hidden_params["cache_hit"] is False

        async def run() -> Any:
            return await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, cache=cache, stream=True)

        async def consume() -> list[Any]:
            return [c async for c in await run()]

        assert asyncio.run(consume())
    assert len(up.sent) == 4
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    assert all("hunter2" not in r.getMessage() for r in caplog.records)
    assert "hunter2" not in repr(cache) and "hunter2" not in repr(cache.store)


def test_redis_stopping_turns_hits_into_misses(start_redis: Callable[[], tuple[str, Callable[[], None]]]) -> None:
    url, stop = start_redis()
    up = Upstream()
    cache = Cache("redis", url=url)
    chat(up, cache)
    assert chat(up, cache)._hidden_params["cache_hit"] is True
    stop()
    assert chat(up, cache)._hidden_params["cache_hit"] is False  # down: served by the provider
    assert len(up.sent) == 2
    cache.close()


def test_an_answer_over_max_entry_bytes_is_not_stored(redis_url: str, prefix: str) -> None:
    up = Upstream()
    small = Cache("redis", url=redis_url, namespace=prefix, max_entry_bytes=100)
    chat(up, small)
    assert chat(up, small)._hidden_params["cache_hit"] is False and len(up.sent) == 2
    small.close()


def test_host_port_and_a_password_with_url_characters_make_the_right_url() -> None:
    from redis.connection import parse_url

    cache = Cache("redis", host="127.0.0.1", port=6390, password="p@ss/w:rd#1%")
    parsed = parse_url(cache.store._url)
    assert (parsed["host"], parsed["port"], parsed["password"]) == ("127.0.0.1", 6390, "p@ss/w:rd#1%")
    assert parse_url(Cache("redis", host="::1").store._url)["host"] == "::1"
    assert "p@ss" not in repr(cache) + repr(cache.store)
