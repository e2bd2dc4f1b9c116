"""The gateway's response cache: ``[cache]``, a model's ``cache = true``, client controls, per-key entries, Redis."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_fakes import UPSTREAM_KEY, FakeUpstream
from gateway_helpers import ALICE, BOB, ENV, sha256

from modelmux.asgi import ConfigError, Gateway, create_app, parse_config
from modelmux.asgi.config_cache import CacheSettings, RouteCache
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

# The real redis-server fixtures of tests/asgi/limits (one implementation).
_spec = importlib.util.spec_from_file_location("_gw_cache_redis", Path(__file__).parent / "limits" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_redis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_redis)
redis_url = _redis.redis_url
prefix = _redis.prefix

CHAT = {"model": "cached", "messages": [{"role": "user", "content": "hi"}]}


class Embeddings(httpx.AsyncBaseTransport):
    """An OpenAI embeddings upstream counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        body = json.loads(await request.aread())
        data = [{"object": "embedding", "index": 0, "embedding": [0.5, float(self.calls)]}]
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"]})


def config(table: dict[str, Any] | None = None, **route: Any) -> dict[str, Any]:
    up = {"model": "openai/fake-ok", "api_key_env": "UPSTREAM_KEY"}
    data: dict[str, Any] = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {
            "cached": {**up, "cache": True, **route},
            "plain": up,
            "vectors": {"model": "openai/text-embedding-3-small", "api_key_env": "UPSTREAM_KEY", "cache": True},
        },
        "keys": {"alice": {"key_env": "ALICE_KEY"}, "bob": {"key_sha256": sha256(BOB)}},
    }
    if table is not None:
        data["cache"] = table
    return data


def app_for(data: dict[str, Any], upstream: FakeUpstream, env: dict[str, str] | None = None) -> Gateway:
    data["models"]["vectors"]["transport"] = Embeddings()
    return create_app(parse_config(data, environ=env or ENV), transport=upstream, limiter=MemoryLimiter())


async def post(
    app: Gateway, body: dict[str, Any], key: str = ALICE, path: str = "/v1/chat/completions", **headers: str
) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        return await client.post(path, json=body, headers={"authorization": f"Bearer {key}", **headers})


# ---------------------------------------------------------------- configuration


def test_config_defaults_and_per_model_settings() -> None:
    parsed = parse_config(config({"ttl": 60, "max_entries": 5}, cache={"ttl": 5}), environ=ENV)
    assert parsed.cache == CacheSettings(ttl=60.0, max_entries=5)
    assert parsed.models["cached"].cache == RouteCache(ttl=5.0) and parsed.models["plain"].cache is None
    assert parse_config(config(), environ=ENV).cache is None


@pytest.mark.parametrize(
    ("cache", "route", "message"),
    [
        ({"backend": "disk"}, {}, "backend"),
        ({"tll": 5}, {}, "unknown setting"),
        ({"backend": "redis"}, {}, "redis_url_env"),
        ({"redis_url": "redis://x"}, {}, "only used"),
        ({"ttl": 0}, {}, "ttl"),
        (None, {"cache": "yes"}, "cache must be"),
        (None, {"cache": {"ttl": -1}}, "cache.ttl"),
    ],
)
def test_config_mistakes_are_errors(cache: dict[str, Any] | None, route: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(config(cache, **route), environ=ENV)


def test_the_redis_url_defaults_to_the_limits_one() -> None:
    data = config({"backend": "redis"})
    data["limits"]["redis_url_env"] = "REDIS"
    parsed = parse_config(data, environ={**ENV, "REDIS": "redis://:pw@127.0.0.1:1/0"})
    assert parsed.cache is not None and parsed.cache.redis_url == "redis://:pw@127.0.0.1:1/0"
    assert "pw" not in repr(parsed)


# ---------------------------------------------------------------- behaviour


async def test_an_identical_request_is_answered_from_the_cache(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    first = await post(app, CHAT)
    again = await post(app, CHAT)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(upstream.bodies) == 1
    assert (await post(app, {**CHAT, "temperature": 0.5})).status_code == 200
    assert len(upstream.bodies) == 2


async def test_a_model_without_cache_is_not_cached(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    for _ in range(2):
        await post(app, {**CHAT, "model": "plain"})
    assert len(upstream.bodies) == 2


async def test_a_stream_is_replayed_event_for_event(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    first = await post(app, {**CHAT, "stream": True})
    again = await post(app, {**CHAT, "stream": True})
    assert first.status_code == again.status_code == 200
    assert first.text == again.text and first.text.endswith("data: [DONE]\n\n") and "upstream" in first.text
    assert len(upstream.bodies) == 1


async def test_cache_control_no_cache_and_no_store(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    await post(app, CHAT, **{"cache-control": "no-store"})
    await post(app, CHAT)  # nothing was stored: a miss, stored now
    assert len(upstream.bodies) == 2
    await post(app, CHAT, **{"cache-control": "no-cache"})
    assert len(upstream.bodies) == 3
    await post(app, CHAT)
    assert len(upstream.bodies) == 3


async def test_litellm_body_controls(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    await post(app, CHAT)
    response = await post(app, {**CHAT, "cache": {"no-cache": True}})
    assert response.status_code == 200 and len(upstream.bodies) == 2
    assert "cache" not in upstream.bodies[-1]  # never sent upstream
    await post(app, {**CHAT, "cache": {"ttl": 0}, "temperature": 1})  # ttl 0: not stored
    await post(app, {**CHAT, "temperature": 1})
    assert len(upstream.bodies) == 4


async def test_entries_are_per_key_unless_shared(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    await post(app, CHAT, ALICE)
    await post(app, CHAT, BOB)
    assert len(upstream.bodies) == 2  # bob does not get what alice paid for (nor learns what she asked)
    await post(app, CHAT, BOB)
    assert len(upstream.bodies) == 2
    other = FakeUpstream()
    shared = app_for(config({"shared": True}), other)
    await post(shared, CHAT, ALICE)
    await post(shared, CHAT, BOB)
    assert len(other.bodies) == 1


async def test_embeddings_are_cached(upstream: FakeUpstream) -> None:
    app = app_for(config(), upstream)
    body = {"model": "vectors", "input": "hello"}
    first = await post(app, body, path="/v1/embeddings")
    again = await post(app, body, path="/v1/embeddings")
    assert first.status_code == 200 and first.json() == again.json()
    transport = app.upstreams.config.models["vectors"].transport
    assert transport.calls == 1


async def test_two_replicas_share_a_redis_cache(redis_url: str, prefix: str) -> None:
    data = config({"backend": "redis", "redis_url_env": "REDIS", "namespace": prefix})
    env = {**ENV, "REDIS": redis_url, "UPSTREAM_KEY": UPSTREAM_KEY}
    one, two = FakeUpstream(), FakeUpstream()
    apps = [app_for(json.loads(json.dumps(data)), one, env), app_for(json.loads(json.dumps(data)), two, env)]
    try:
        first = await post(apps[0], CHAT)
        again = await post(apps[1], CHAT)
        assert first.json() == again.json()
        assert (len(one.bodies), len(two.bodies)) == (1, 0)
        streamed = await post(apps[0], {**CHAT, "stream": True})
        replayed = await post(apps[1], {**CHAT, "stream": True})
        assert streamed.text == replayed.text and (len(one.bodies), len(two.bodies)) == (2, 0)
    finally:
        for app in apps:
            await app.aclose()


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, None, {}),
        ({"cache-control": "No-Cache, no-store"}, None, {"no-cache": True, "no-store": True}),
        ({"cache-control": "max-age=60"}, None, {"s-maxage": 60.0}),
        ({"cache-control": "max-age=soon, private"}, None, {}),
        (
            {},
            {"no-cache": True, "ttl": 30, "s-maxage": 5, "namespace": "other"},
            {"no-cache": True, "ttl": 30.0, "s-maxage": 5.0},
        ),
        ({}, {"no-store": "yes", "ttl": -1, "s-maxage": True}, {}),
        ({}, "no-cache", {}),
    ],
)
def test_client_cache_controls(headers: dict[str, str], body: Any, expected: dict[str, Any]) -> None:
    from modelmux.asgi.config_cache import _controls

    assert _controls(headers, body) == expected
