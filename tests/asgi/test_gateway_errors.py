"""Every error status comes out as the SDK's own exception class, with an OpenAI-shaped body and no secrets."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, BOB, UPSTREAM_KEY, keyed_config, make_app, raw, sdk

from modelmux.asgi import Gateway
from modelmux.asgi.limits import Decision

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]


def _error(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    text = exc.response.text
    for secret in (ALICE, BOB, UPSTREAM_KEY, "Traceback", "org-secret123"):
        assert secret not in text
    return dict(body["error"])


async def test_missing_key_is_401(app: Gateway) -> None:
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", json={"model": "mock/demo", "messages": USER})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


async def test_unknown_key_is_401_and_not_echoed(app: Gateway) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        await sdk(app, "sk-not-a-key-at-all-123456").chat.completions.create(model="mock/demo", messages=USER)
    error = _error(caught.value)
    assert error["type"] == "authentication_error"
    assert "sk-not-a-key" not in caught.value.response.text


async def test_model_not_allowed_is_403(app: Gateway) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await sdk(app, BOB).chat.completions.create(model="mock/echo", messages=USER)
    error = _error(caught.value)
    assert (error["type"], error["param"]) == ("permission_error", "model")
    with pytest.raises(openai.PermissionDeniedError):
        await sdk(app, BOB).models.retrieve("mock/echo")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "mock/demo", "messages": USER, "temperature": 2.5}, "temperature"),
        ({"model": "mock/demo", "messages": USER, "temperature": -0.1}, "temperature"),
        ({"model": "mock/demo", "messages": USER, "temperature": "hot"}, "temperature"),
        ({"model": "nope/nothing", "messages": USER}, "model"),
        ({"messages": USER}, "model"),
        ({"model": "mock/demo"}, "messages"),
        ({"model": "mock/demo", "messages": []}, "messages"),
        ({"model": "mock/demo", "messages": "hi"}, "messages"),
        ({"model": "mock/demo", "messages": [{"role": "wizard", "content": "x"}]}, "messages"),
        ({"model": "mock/demo", "messages": USER, "stream": "yes"}, "stream"),
        ({"model": "mock/demo", "messages": USER, "tools": [{"type": "function"}]}, "tools[0].function"),
        ({"model": "mock/demo", "messages": USER, "tool_choice": {"type": "function"}}, "tool_choice.function"),
        ({"model": "mock/demo", "messages": USER, "response_format": {"type": "yaml"}}, "response_format.type"),
        ({"model": 42, "messages": USER}, "model"),
    ],
)
async def test_client_mistakes_are_400(app: Gateway, body: dict[str, Any], param: str) -> None:
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


async def test_sdk_raises_bad_request(app: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk(app).chat.completions.create(model="mock/demo", messages=USER, temperature=3)
    assert _error(caught.value)["param"] == "temperature"
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk(app).chat.completions.create(model="gpt-99", messages=USER)
    assert _error(caught.value)["code"] == "model_not_found"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'["a", "list"]', "application/json"),
        (b'{"model": "mock/demo", "messages": [], "temperature": NaN}', "application/json"),
        (b'{"model": "mock/demo", "temperature": 1e999}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"model": "mock/demo", "messages": []}', "text/plain"),
        (b"model=mock/demo", "application/x-www-form-urlencoded"),
        (b'{"model": "mock/demo"}', ""),
    ],
)
async def test_malformed_bodies_and_content_types_are_400(app: Gateway, content: bytes, content_type: str) -> None:
    headers = {"authorization": f"Bearer {ALICE}"}
    if content_type:
        headers["content-type"] = content_type
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_404_and_405_are_json() -> None:
    app = make_app()
    async with raw(app) as client:
        missing = await client.get("/v1/nothing/here")
        wrong = await client.get("/v1/chat/completions")
        wrong_models = await client.post("/v1/models", json={})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_url"
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert wrong.json()["error"]["type"] == "invalid_request_error"
    assert wrong_models.status_code == 405 and wrong_models.headers["allow"] == "GET"


async def test_sdk_not_found_for_an_unknown_model_id(app: Gateway) -> None:
    with pytest.raises(openai.NotFoundError):
        await sdk(app).models.retrieve("nope")


async def test_body_over_the_limit_is_413() -> None:
    app = make_app(keyed_config(max_body_bytes=2000))
    big = [{"role": "user", "content": "x" * 3000}]
    with pytest.raises(openai.APIStatusError) as caught:
        await sdk(app, BOB).chat.completions.create(model="mock/demo", messages=big)
    assert caught.value.status_code == 413
    assert _error(caught.value)["code"] == "request_too_large"


async def test_over_rpm_is_429_with_retry_after() -> None:
    app = make_app(keyed_config(rpm=2))
    client = sdk(app, BOB)
    for _ in range(2):
        await client.chat.completions.create(model="mock/demo", messages=USER)
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="mock/demo", messages=USER)
    assert _error(caught.value)["type"] == "rate_limit_error"
    assert 1 <= int(caught.value.response.headers["retry-after"]) <= 60
    # Another key has its own budget.
    await sdk(app).chat.completions.create(model="mock/demo", messages=USER)


async def test_upstream_429_stays_429_with_its_retry_hint(app: Gateway) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        await sdk(app).chat.completions.create(model="up/429", messages=USER)
    assert caught.value.response.headers["retry-after"] == "7"
    assert _error(caught.value)["type"] == "rate_limit_error"


@pytest.mark.parametrize("model", ["up/500", "up/garbage", "up/timeout", "up/401"])
async def test_upstream_failures_are_502(app: Gateway, model: str) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        await sdk(app).chat.completions.create(model=model, messages=USER)
    assert caught.value.status_code == 502
    error = _error(caught.value)
    assert error["type"] == "upstream_error"
    assert "api.openai.com" not in error["message"]


@pytest.mark.parametrize("model", ["up/500", "up/429", "up/timeout"])
async def test_upstream_failures_before_the_first_chunk_keep_their_status_when_streaming(
    app: Gateway, model: str
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        stream = await sdk(app).chat.completions.create(model=model, messages=USER, stream=True)
        async for _ in stream:
            pass
    assert caught.value.status_code == (429 if model == "up/429" else 502)


class _BrokenLimiter:
    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision:
        raise ConnectionError(f"redis at 10.0.0.5 refused {key_id}")

    async def release(self, key_id: str, token: str) -> None:
        pass

    async def aclose(self) -> None:
        pass


async def test_a_gateway_failure_is_an_opaque_500(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(limiter=_BrokenLimiter())
    with pytest.raises(openai.InternalServerError) as caught:
        await sdk(app).chat.completions.create(model="mock/demo", messages=USER)
    assert caught.value.status_code == 500
    error = _error(caught.value)
    assert error["type"] == "server_error"
    assert "10.0.0.5" not in error["message"] and "alice" not in error["message"]
    assert "ConnectionError" in caplog.text  # the operator finds the cause in the log


async def test_health_needs_no_key_and_says_nothing(app: Gateway) -> None:
    async with raw(app) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_error_bodies_are_plain_json_objects(app: Gateway) -> None:
    async with raw(app) as client:
        response = await client.post("/v1/embeddings", content=b"nope", headers={"authorization": "Bearer x"})
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content)["error"]["type"] == "authentication_error"


async def test_upstream_transport_error_message_has_no_secret(upstream: FakeUpstream) -> None:
    class Leaky(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError(f"failed with {request.headers['authorization']}")

    app = make_app(transport=Leaky())
    with pytest.raises(openai.InternalServerError) as caught:
        await sdk(app).chat.completions.create(model="up/ok", messages=USER)
    _error(caught.value)
