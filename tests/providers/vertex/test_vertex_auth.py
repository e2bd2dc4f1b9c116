"""Vertex AI auth: keys, tokens, token providers, google-auth credentials (files, dicts, ADC, objects), token
caching and refresh, refresh off the event loop, the credentials' project, and secrets kept out of errors."""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import modelmux
from lock_helpers import held_elsewhere
from modelmux.errors import AuthenticationError, BadRequestError
from modelmux.providers._base import CallContext, HttpRequest
from modelmux.providers.vertex import VertexProvider
from modelmux.providers.vertex import provider as vertex_singleton
from modelmux.providers.vertex.auth import VertexAuth
from modelmux.providers.vertex.google_transport import HttpxGoogleRequest

HI = [{"role": "user", "content": "hi"}]
ANSWER = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "hello"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
}


class TokenEndpoint:
    """Google's OAuth token endpoint, as an injected transport (google-auth's refresh goes through modelmux's
    httpx adapter): answers every grant with a new access token and records the grants."""

    def __init__(self) -> None:
        self.grants: list[dict[str, str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.grants.append({"url": str(request.url), "body": request.content.decode()})
        token = f"ya29.token-{len(self.grants)}"
        return httpx.Response(200, json={"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def auth(self) -> VertexAuth:
        return VertexAuth(request_factory=lambda: HttpxGoogleRequest(httpx.MockTransport(self.handler)))


@pytest.fixture
def token_server(monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    """The registered provider, with a fresh credential cache whose refreshes reach a fake token endpoint."""
    endpoint = TokenEndpoint()
    monkeypatch.setattr(vertex_singleton, "auth", endpoint.auth())
    return endpoint


def user_credentials(token_uri: str, **extra: Any) -> dict[str, Any]:
    """An ``authorized_user`` ADC document (what ``gcloud auth application-default login`` writes)."""
    return {
        "type": "authorized_user",
        "client_id": "client-id.apps.googleusercontent.com",
        "client_secret": "client-secret-value",
        "refresh_token": "refresh-token-value",
        "token_uri": token_uri,
        **extra,
    }


class Upstream:
    """Injected transport answering every Vertex call with ``ANSWER``, recording the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=ANSWER)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def call(upstream: Upstream, **options: Any) -> modelmux.ChatCompletion:
    return modelmux.completion("vertex/gemini-2.5-flash", HI, transport=upstream.transport, **options)


# ------------------------------------------------------------------ static sources


def test_api_key_goes_in_the_header_and_express_mode_needs_no_project(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "VERTEXAI_PROJECT", "VERTEX_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    up = Upstream()
    assert call(up, api_key="express-key-123").choices[0].message.content == "hello"
    sent = up.requests[0]
    assert sent.headers["x-goog-api-key"] == "express-key-123"
    assert "key=" not in str(sent.url) and "authorization" not in sent.headers
    assert (
        str(sent.url)
        == "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-flash:generateContent"
    )


def test_access_token_and_environment_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")
    up = Upstream()
    call(up, vertex_access_token="ya29.static")
    sent = up.requests[0]
    assert sent.headers["authorization"] == "Bearer ya29.static"
    assert str(sent.url).startswith(
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/env-project/locations/europe-west4/"
    )


def test_sync_token_provider_is_called_per_request() -> None:
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return f"ya29.provided-{len(calls)}"

    up = Upstream()
    call(up, vertex_token_provider=provider, vertex_project="p")
    call(up, vertex_token_provider=provider, vertex_project="p")
    assert [r.headers["authorization"] for r in up.requests] == ["Bearer ya29.provided-1", "Bearer ya29.provided-2"]


def test_caller_authorization_header_is_left_alone() -> None:
    up = Upstream()
    call(up, vertex_project="p", extra_headers={"Authorization": "Bearer mine"}, vertex_access_token="ya29.x")
    assert up.requests[0].headers["authorization"] == "Bearer mine"


def test_coroutine_token_provider_needs_the_async_api() -> None:
    async def provider() -> str:
        return "ya29.async"

    with pytest.raises(AuthenticationError, match="acompletion"):
        call(Upstream(), vertex_token_provider=provider, vertex_project="p")


def test_token_provider_giving_nothing_is_an_authentication_error() -> None:
    with pytest.raises(AuthenticationError, match="no access token"):
        call(Upstream(), vertex_token_provider=lambda: "", vertex_project="p")


def test_errors_never_show_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].split()[1]
        return httpx.Response(403, json={"error": {"code": 403, "message": f"token {token} denied", "status": "X"}})

    with pytest.raises(modelmux.errors.PermissionDeniedError) as info:
        modelmux.completion(
            "vertex/gemini-2.5-flash",
            HI,
            transport=httpx.MockTransport(handler),
            vertex_project="p",
            vertex_access_token="opaque-token-value-42",
        )
    err = info.value
    assert "opaque-token-value-42" not in str(err) + repr(err) + json.dumps(err.body)
    assert err.provider == "vertex"


# ------------------------------------------------------------------ google-auth credentials


def test_credentials_file_refreshes_once_then_uses_the_cached_token(
    tmp_path: Path, token_server: TokenEndpoint
) -> None:
    path = tmp_path / "adc.json"
    path.write_text(json.dumps(user_credentials("https://oauth2.googleapis.com/token")))
    up = Upstream()
    for given in (str(path), path, str(path)):  # a str or a Path name the same source
        call(up, vertex_credentials=given, vertex_project="p")
    assert len(token_server.grants) == 1
    assert "grant_type=refresh_token" in token_server.grants[0]["body"]
    assert token_server.grants[0]["url"] == "https://oauth2.googleapis.com/token"
    assert {r.headers["authorization"] for r in up.requests} == {"Bearer ya29.token-1"}


def test_credentials_dict_and_json_text(token_server: TokenEndpoint) -> None:
    info = user_credentials("u", client_id="dict-client")
    up = Upstream()
    call(up, vertex_credentials=info, vertex_project="p")
    call(up, vertex_credentials=json.dumps(user_credentials("u", client_id="json")), vertex_project="p")
    assert len(token_server.grants) == 2
    assert [r.headers["authorization"] for r in up.requests] == ["Bearer ya29.token-1", "Bearer ya29.token-2"]


def test_application_default_credentials(
    tmp_path: Path, token_server: TokenEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "application_default_credentials.json"
    path.write_text(json.dumps(user_credentials("u")))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "adc-project")
    up = Upstream()
    call(up)
    call(up)
    assert len(token_server.grants) == 1
    assert up.requests[0].headers["authorization"] == "Bearer ya29.token-1"
    # google.auth.default() reads GOOGLE_CLOUD_PROJECT too; the URL has it either way.
    assert "/projects/adc-project/locations/global/" in str(up.requests[0].url)


class FakeCredentials:
    """The google-auth credentials interface: ``valid``, ``token``, ``refresh(request)``, ``project_id``."""

    def __init__(self, project_id: str | None = None) -> None:
        self.token: str | None = None
        self.expiry: datetime.datetime | None = None
        self.refreshes: list[int] = []
        self.project_id = project_id

    @property
    def valid(self) -> bool:
        # google-auth treats a token as invalid a few minutes before its expiry; so do we here.
        return self.token is not None and self.expiry is not None and self.expiry > datetime.datetime.now()

    def refresh(self, request: Any) -> None:
        self.refreshes.append(threading.get_ident())
        self.token = f"ya29.fake-{len(self.refreshes)}"
        self.expiry = datetime.datetime.now() + datetime.timedelta(hours=1)


def test_credentials_object_is_refreshed_when_expired_only() -> None:
    creds = FakeCredentials()
    up = Upstream()
    call(up, vertex_credentials=creds, vertex_project="p")
    call(up, vertex_credentials=creds, vertex_project="p")
    assert len(creds.refreshes) == 1
    creds.expiry = datetime.datetime.now() - datetime.timedelta(seconds=1)  # expired (or nearly)
    call(up, vertex_credentials=creds, vertex_project="p")
    assert len(creds.refreshes) == 2
    assert [r.headers["authorization"].split()[1] for r in up.requests] == [
        "ya29.fake-1",
        "ya29.fake-1",
        "ya29.fake-2",
    ]


def test_project_comes_from_the_credentials_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "VERTEXAI_PROJECT", "VERTEX_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    up = Upstream()
    call(up, vertex_credentials=FakeCredentials(project_id="from-creds"), vertex_location="us-central1")
    assert "/projects/from-creds/locations/us-central1/" in str(up.requests[0].url)
    with pytest.raises(BadRequestError, match="vertex_project"):
        call(up, vertex_credentials=FakeCredentials(), vertex_location="us-central1")
    with pytest.raises(BadRequestError, match="vertex_project"):
        call(up, vertex_access_token="ya29.t")


def test_async_refresh_runs_off_the_event_loop() -> None:
    creds = FakeCredentials()
    up = Upstream()

    async def go() -> int:
        loop_thread = threading.get_ident()
        for _ in range(2):
            await modelmux.acompletion(
                "vertex/gemini-2.5-flash", HI, transport=up.transport, vertex_credentials=creds, vertex_project="p"
            )
        return loop_thread

    loop_thread = asyncio.run(go())
    assert len(creds.refreshes) == 1
    assert creds.refreshes[0] != loop_thread
    assert {r.headers["authorization"] for r in up.requests} == {"Bearer ya29.fake-1"}


def test_async_sync_token_provider_runs_in_a_thread() -> None:
    seen: list[int] = []

    def provider() -> str:
        seen.append(threading.get_ident())
        return "ya29.threaded"

    async def go() -> int:
        await modelmux.acompletion(
            "vertex/gemini-2.5-flash",
            HI,
            transport=Upstream().transport,
            vertex_token_provider=provider,
            vertex_project="p",
        )
        return threading.get_ident()

    loop_thread = asyncio.run(go())
    assert seen and seen[0] != loop_thread


def test_refresh_failure_is_an_authentication_error_without_secrets(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Bad Request"})

    provider = VertexProvider()
    provider.auth = VertexAuth(request_factory=lambda: HttpxGoogleRequest(httpx.MockTransport(handler)))
    ctx = CallContext("vertex", "gemini-2.5-flash", "", options={"vertex_credentials": user_credentials("http://x/t")})
    request = HttpRequest("POST", "https://aiplatform.googleapis.com/v1/projects/p/x", {}, {})
    with pytest.raises(AuthenticationError) as info:
        provider.authorize_request(request, ctx)
    assert "refresh-token-value" not in str(info.value) and "client-secret-value" not in str(info.value)
    assert "RefreshError" in str(info.value)


def test_credentials_cache_is_bounded() -> None:
    auth = VertexAuth()
    for i in range(40):
        ctx = CallContext(
            "vertex", "m", "", options={"vertex_credentials": FakeCredentials(), "vertex_project": str(i)}
        )
        auth.header(ctx)
    assert len(auth._credentials) <= 16


def service_account_info(token_uri: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "sa-project",
        "private_key_id": "key-id",
        "private_key": pem,
        "client_email": "modelmux-test@sa-project.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


def test_service_account_file_signs_a_jwt_grant_and_names_the_project(
    tmp_path: Path, token_server: TokenEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "VERTEXAI_PROJECT", "VERTEX_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(service_account_info("https://oauth2.example.test/token")))
    up = Upstream()
    call(up, vertex_credentials=str(path), vertex_location="us-east5")
    call(up, vertex_credentials=str(path), vertex_location="us-east5")
    assert len(token_server.grants) == 1
    grant = token_server.grants[0]
    assert grant["url"] == "https://oauth2.example.test/token"
    assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in grant["body"]
    assert "/projects/sa-project/locations/us-east5/" in str(up.requests[0].url)
    assert up.requests[1].headers["authorization"] == "Bearer ya29.token-1"


def test_only_plain_credential_kinds_are_read_from_json() -> None:
    info = {"type": "external_account", "credential_source": {"executable": {"command": "/bin/true"}}}
    with pytest.raises(AuthenticationError, match="external_account"):
        call(Upstream(), vertex_credentials=info, vertex_project="p")


def test_missing_credentials_file_is_an_authentication_error(tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError, match="credentials failed"):
        call(Upstream(), vertex_credentials=str(tmp_path / "nope.json"), vertex_project="p")


def test_a_warm_token_is_served_while_a_refresh_holds_the_lock() -> None:
    """The async path answers from the kept token without waiting on a refresh in another thread."""
    creds = FakeCredentials()
    up = Upstream()
    call(up, vertex_credentials=creds, vertex_project="p")  # warm
    lock = vertex_singleton.auth._lock

    async def go() -> Any:
        return await asyncio.wait_for(
            modelmux.acompletion(
                "vertex/gemini-2.5-flash", HI, transport=up.transport, vertex_credentials=creds, vertex_project="p"
            ),
            timeout=5,
        )

    with held_elsewhere(lock) as started:  # as a slow refresh in another thread would
        result = asyncio.run(go())
        assert time.monotonic() - started < 1.5
    assert result.choices[0].message.content == "hello" and len(creds.refreshes) == 1
