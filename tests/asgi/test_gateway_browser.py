"""Browser-borne attacks on the gateway: DNS rebinding (``Host``), cross-origin simple requests, CORS preflights,
and ambiguous repeated headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gateway_helpers import ALICE, keyed_config, make_app

from modelmux.asgi import create_app
from modelmux.asgi.config import ConfigError, parse_config

pytestmark = pytest.mark.anyio

CHAT = {"model": "mock/echo", "messages": [{"role": "user", "content": "hi"}]}


def _client(app: Any, host: str = "127.0.0.1:8000") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{host}")


def _keyless(**extra: Any) -> Any:
    return create_app({"models": {"mock/echo": {"model": "mock/echo"}}, **extra})


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000", "127.0.0.2", "app.localhost:8000"]
)
async def test_keyless_mode_serves_loopback_names(host: str) -> None:
    async with _client(_keyless(), host) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "10.0.0.1:8000", "localhost.evil.example"])
async def test_keyless_mode_refuses_other_names(host: str) -> None:
    async with _client(_keyless(), host) as client:
        response = await client.post("/v1/chat/completions", json=CHAT)
        health = await client.get("/health")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_host"
    assert health.status_code == 400


async def test_an_allow_list_replaces_the_default() -> None:
    app = _keyless(server={"allowed_hosts": ["llm.example.com", "*.corp.example"]})
    for host, status in [("llm.example.com", 200), ("a.corp.example:443", 200), ("localhost", 400), ("x.com", 400)]:
        async with _client(app, host) as client:
            assert (await client.post("/v1/chat/completions", json=CHAT)).status_code == status, host


async def test_with_keys_any_host_is_served() -> None:
    async with _client(make_app(), "gw.internal:9000") as client:
        response = await client.get("/v1/models", headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example", "content-type": "text/plain"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "http://localhost:3000"},
    ],
)
async def test_cross_origin_browser_requests_are_refused(headers: dict[str, str]) -> None:
    async with _client(_keyless()) as client:
        response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "cross_origin_refused"
    assert "access-control-allow-origin" not in response.headers


async def test_a_cross_origin_multipart_upload_is_refused_before_it_is_read() -> None:
    files = {"file": ("a.wav", b"RIFF....WAVE")}
    async with _client(_keyless()) as client:
        response = await client.post(
            "/v1/audio/transcriptions",
            files=files,
            data={"model": "mock/echo"},
            headers={"origin": "https://x.example"},
        )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"origin": "http://127.0.0.1:8000"},
        {"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"},
        {"sec-fetch-site": "none"},
    ],
)
async def test_same_origin_and_non_browser_requests_pass(headers: dict[str, str]) -> None:
    async with _client(_keyless()) as client:
        response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)
    assert response.status_code == 200


async def test_cors_allows_the_configured_origins() -> None:
    app = _keyless(cors={"allow_origins": ["https://app.example.com"], "max_age": 60})
    async with _client(app) as client:
        preflight = await client.options(
            "/v1/chat/completions",
            headers={
                "origin": "https://app.example.com",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        actual = await client.post("/v1/chat/completions", json=CHAT, headers={"origin": "https://app.example.com"})
        error = await client.post("/v1/chat/completions", json={}, headers={"origin": "https://app.example.com"})
        other = await client.post("/v1/chat/completions", json=CHAT, headers={"origin": "https://evil.example"})
        bad_preflight = await client.options(
            "/v1/chat/completions",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        bad_method = await client.options(
            "/v1/chat/completions",
            headers={"origin": "https://app.example.com", "access-control-request-method": "DELETE"},
        )
        unknown = await client.options(
            "/v1/nothing", headers={"origin": "https://app.example.com", "access-control-request-method": "POST"}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    assert preflight.headers["access-control-max-age"] == "60"
    assert "access-control-allow-credentials" not in preflight.headers
    assert actual.status_code == 200
    assert actual.headers["access-control-allow-origin"] == "https://app.example.com"
    assert actual.headers["vary"] == "Origin"
    assert error.status_code == 400 and error.headers["access-control-allow-origin"] == "https://app.example.com"
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    assert bad_preflight.status_code == 403 and "access-control-allow-origin" not in bad_preflight.headers
    assert bad_method.status_code == 403
    assert unknown.status_code == 404


async def test_cors_streams_carry_the_header() -> None:
    app = _keyless(cors={"allow_origins": ["*"]})
    async with _client(app) as client:
        response = await client.post(
            "/v1/chat/completions", json={**CHAT, "stream": True}, headers={"origin": "https://any.example"}
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://any.example"
    assert response.text.endswith("data: [DONE]\n\n")


async def test_an_options_request_without_cors_headers_is_405() -> None:
    async with _client(_keyless()) as client:
        response = await client.options("/v1/chat/completions")
    assert response.status_code == 405


@pytest.mark.parametrize("name", [b"authorization", b"content-length", b"host"])
async def test_repeated_single_headers_are_400(name: bytes) -> None:
    app = make_app()
    values = {b"authorization": f"Bearer {ALICE}".encode(), b"content-length": b"2", b"host": b"gw"}
    headers = [(b"host", b"gw"), (b"authorization", f"Bearer {ALICE}".encode()), (b"content-length", b"2")]
    headers.append((name, values[name]))
    status, body = await _call(app, headers, b"{}")
    assert status == 400, body
    assert b"duplicate_header" in body


async def test_two_different_authorization_headers_are_400_not_the_first_or_last() -> None:
    app = make_app()
    for pair in ([b"Bearer nope", f"Bearer {ALICE}".encode()], [f"Bearer {ALICE}".encode(), b"Bearer nope"]):
        headers = [(b"host", b"gw"), *((b"authorization", v) for v in pair)]
        status, _ = await _call(app, headers, b"", method="GET", path="/v1/models")
        assert status == 400


async def _call(
    app: Any,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    method: str = "POST",
    path: str = "/v1/chat/completions",
) -> tuple[int, bytes]:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": headers, "query_string": b""}
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(
    "server",
    [
        {"allowed_hosts": "localhost"},
        {"allowed_hosts": [""]},
        {"header_timeout": 0},
        {"body_timeout": -1},
        {"max_connections": 1.5},
        {"max_headers": True},
        {"send_timeout": float("inf")},
        {"nope": 1},
    ],
)
def test_bad_server_settings_are_config_errors(server: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"\[server\]"):
        parse_config({**keyed_config(), "server": server}, environ={"ALICE_KEY": ALICE, "UPSTREAM_KEY": "k"})


@pytest.mark.parametrize("cors", [{"allow_origins": ["app.example.com"]}, {"allow_origins": "*"}, {"max_age": 0}])
def test_bad_cors_settings_are_config_errors(cors: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"\[cors\]"):
        parse_config({**keyed_config(), "cors": cors}, environ={"ALICE_KEY": ALICE, "UPSTREAM_KEY": "k"})
