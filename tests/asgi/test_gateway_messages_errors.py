"""``/v1/messages`` refusals and failures through the real ``anthropic`` SDK: its own exception classes, Anthropic's
error shape before and during a stream, the gateway's limits and bounds, ``x-api-key`` and Bearer keys."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from gateway_helpers import ALICE
from messages_fakes import DialectUpstreams
from messages_helpers import USER, client, messages_app, raw

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio


@pytest.fixture
def upstream() -> DialectUpstreams:
    return DialectUpstreams()


@pytest.fixture
def app(upstream: DialectUpstreams) -> Gateway:
    return messages_app(upstream)


# ---------------------------------------------------------------- auth and errors


async def test_bearer_auth_works_too(app: Gateway) -> None:
    reply = await client(app, key=None, auth_token=ALICE).messages.create(
        model="mock/echo", max_tokens=10, messages=USER
    )
    assert reply.content


async def test_missing_and_wrong_key(app: Gateway) -> None:
    async with raw(app) as http:
        response = await http.post("/v1/messages", json={"model": "gpt", "max_tokens": 5, "messages": USER})
    assert response.status_code == 401
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.AuthenticationError):
        await client(app, key="sk-wrong").messages.create(model="gpt", max_tokens=5, messages=USER)


async def test_errors_are_the_sdk_classes(app: Gateway) -> None:
    sdk = client(app)
    with pytest.raises(anthropic.NotFoundError) as missing:
        await sdk.messages.create(model="nope", max_tokens=5, messages=USER)
    assert missing.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    with pytest.raises(anthropic.BadRequestError) as bad:
        await sdk.messages.create(model="gpt", max_tokens=5, messages=[{"role": "system", "content": "x"}])  # type: ignore[list-item]
    assert bad.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(anthropic.PermissionDeniedError):
        await client(app, key="sk-bob-000").messages.create(model="gpt", max_tokens=5, messages=USER)
    with pytest.raises(anthropic.InternalServerError) as failed:
        await sdk.messages.create(model="gpt-fail", max_tokens=5, messages=USER)
    assert failed.value.status_code == 502 and "sk-upstream" not in str(failed.value.body)
    with pytest.raises(anthropic.InternalServerError):
        await sdk.messages.create(model="claude-fail", max_tokens=5, messages=USER)


async def test_rate_limit_is_the_sdk_class(app: Gateway) -> None:
    bob = client(app, key="sk-bob-000")
    await bob.messages.create(model="mock/echo", max_tokens=5, messages=USER)
    with pytest.raises(anthropic.RateLimitError) as limited:
        await bob.messages.create(model="mock/echo", max_tokens=5, messages=USER)
    assert limited.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]


async def test_body_limit_is_a_413_in_anthropic_shape(app: Gateway) -> None:
    long = [{"role": "user", "content": "x" * 5000}]
    with pytest.raises(anthropic.APIStatusError) as refused:
        await client(app, key="sk-carol-000").messages.create(model="gpt", max_tokens=5, messages=long)
    assert refused.value.status_code == 413
    assert refused.value.body["error"]["type"] == "request_too_large"  # type: ignore[index]


@pytest.mark.parametrize("model", ["gpt-cut", "claude-cut"])
async def test_error_mid_stream_is_an_error_event(app: Gateway, model: str) -> None:
    with pytest.raises(anthropic.APIStatusError) as failed:
        async with client(app).messages.stream(model=model, max_tokens=50, messages=USER) as stream:
            async for _ in stream:
                pass
    assert failed.value.body["type"] == "error"  # type: ignore[index]
    assert failed.value.body["error"]["type"] == "api_error"  # type: ignore[index]


async def test_gateway_refusals_in_anthropic_shape(app: Gateway) -> None:
    async with raw(app) as http:
        key = {"x-api-key": ALICE}
        missing = await http.post("/v1/messages", json={"model": "gpt", "messages": USER}, headers=key)
        not_json = await http.post("/v1/messages", content=b"{", headers={**key, "content-type": "application/json"})
        deep = await http.post(
            "/v1/messages",
            content=b'{"model": "gpt", "max_tokens": 5, "messages": ' + b"[" * 500 + b"]" * 500 + b"}",
            headers={**key, "content-type": "application/json"},
        )
        many = await http.post(
            "/v1/messages",
            json={"model": "gpt", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}] * 10_001},
            headers=key,
        )
        twice = await http.post(
            "/v1/messages",
            json={"model": "gpt", "max_tokens": 5, "messages": USER},
            headers=[("x-api-key", ALICE), ("x-api-key", ALICE)],
        )
        wrong_method = await http.get("/v1/messages", headers=key)
    for response in (missing, not_json, deep, many, twice, wrong_method):
        assert response.status_code in (400, 405), response.text
        assert response.json()["type"] == "error"
        assert response.json()["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in missing.json()["error"]["message"]


HOSTILE: list[dict[str, Any]] = [
    {"max_tokens": -1},
    {"max_tokens": 10**30},
    {"temperature": 5},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64"}}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": 5}}]}]},
    {"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "x", "name": "n", "input": None}]}]},
    {"messages": [{"role": "user", "content": []}]},
    {"system": [{"type": "image", "source": {"type": "url", "url": "http://x.test"}}]},
    {"tools": [{"name": "w", "input_schema": {"type": "object", "properties": {"a": {"$ref": "#/x"}}}}]},
    {"tool_choice": {"type": "tool"}},
    {"thinking": {"type": "enabled", "budget_tokens": -5}},
    {"thinking": {"type": "adaptive"}, "output_config": {"effort": 5}},
    {"metadata": {"user_id": 5}},
    {"stop_sequences": "x"},
    {"model": 5},
]


@pytest.mark.parametrize("model", ["gpt", "gem", "mock/echo"])
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
async def test_hostile_bodies_are_client_errors(app: Gateway, model: str, path: str) -> None:
    async with raw(app) as http:
        for extra in HOSTILE:
            for stream in (False, True):
                body = {"model": model, "max_tokens": 5, "messages": USER, **extra, "stream": stream}
                response = await http.post(path, json=body, headers={"x-api-key": ALICE})
                assert response.status_code < 500, (extra, response.text)
                if response.status_code >= 400:
                    assert response.json()["type"] == "error", (extra, response.text)
