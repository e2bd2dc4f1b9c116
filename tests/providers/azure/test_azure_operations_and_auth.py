"""Azure OpenAI: embeddings, images, transcriptions on both routes; Entra ID tokens, providers, credentials."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, NamedTuple

import httpx
import pytest
from fake_azure import KEY, SAFE, TOKEN, FakeAzure

import modelmux
from lock_helpers import held_elsewhere
from modelmux.errors import AuthenticationError, BadRequestError
from modelmux.providers.azure import provider as azure_singleton
from modelmux.providers.azure.auth import COGNITIVE_SERVICES_SCOPE, AzureAuth

ENDPOINT = "https://my-resource.openai.azure.com"
HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("api_version", "path"),
    [("2024-10-21", "/openai/deployments/embed/embeddings"), (None, "/openai/v1/embeddings")],
)
def test_embeddings(azure: FakeAzure, api_version: str | None, path: str) -> None:
    result = modelmux.embedding(
        "azure/embed", ["a", "b"], api_key=KEY, api_base=ENDPOINT, api_version=api_version, transport=azure.transport
    )
    assert azure.requests[0].url.path == path
    assert [d.embedding for d in result.data] == [[0.1, 0.2, 0.0], [0.1, 0.2, 1.0]]
    assert result.usage.prompt_tokens == 5


def test_image_generation_keeps_filter_annotations(azure: FakeAzure) -> None:
    result = modelmux.image_generation(
        "azure/img", "a lighthouse", api_key=KEY, api_base=ENDPOINT, api_version="2024-10-21", transport=azure.transport
    )
    sent = azure.requests[0]
    assert str(sent.url) == f"{ENDPOINT}/openai/deployments/img/images/generations?api-version=2024-10-21"
    assert result.data[0].url and result.data[0].revised_prompt == "A a lighthouse"
    assert result.data[0].model_extra["content_filter_results"] == SAFE


@pytest.mark.parametrize("api_version", ["2024-06-01", None])
def test_transcription_is_multipart_on_the_azure_route(azure: FakeAzure, api_version: str | None) -> None:
    result = modelmux.transcription(
        "azure/stt",
        ("a.wav", b"RIFF....WAVEfmt ", "audio/wav"),
        api_key=KEY,
        api_base=ENDPOINT,
        api_version=api_version,
        transport=azure.transport,
    )
    sent = azure.requests[0]
    assert sent.url.path.endswith("/audio/transcriptions")
    assert sent.headers["api-key"] == KEY and "authorization" not in sent.headers
    assert not isinstance(result, str) and result.text == "hello from the audio"


def test_moderation_is_not_offered(azure: FakeAzure) -> None:
    with pytest.raises(BadRequestError, match="does not support moderation"):
        modelmux.moderation("text", model="azure/prod-chat", api_key=KEY, api_base=ENDPOINT, transport=azure.transport)
    assert azure.requests == []


# ------------------------------------------------------------------ Entra ID


def test_static_ad_token_argument_and_environment(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    modelmux.completion("azure/prod-chat", HI, api_base=ENDPOINT, azure_ad_token=TOKEN, transport=azure.transport)
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
    modelmux.completion("azure/prod-chat", HI, api_base=ENDPOINT, transport=azure.transport)
    for sent in azure.requests:
        assert sent.headers["authorization"] == f"Bearer {TOKEN}" and "api-key" not in sent.headers


def test_token_provider_is_called_per_request(azure: FakeAzure) -> None:
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return TOKEN

    for _ in range(2):
        modelmux.completion(
            "azure/prod-chat", HI, api_base=ENDPOINT, azure_ad_token_provider=provider, transport=azure.transport
        )
    assert len(calls) == 2


def test_async_token_provider(azure: FakeAzure) -> None:
    async def provider() -> str:
        return TOKEN

    async def go() -> Any:
        return await modelmux.acompletion(
            "azure/prod-chat", HI, api_base=ENDPOINT, azure_ad_token_provider=provider, transport=azure.transport
        )

    assert asyncio.run(go()).choices[0].message.content == "Hello from Azure."
    with pytest.raises(AuthenticationError, match="acompletion"):
        modelmux.completion(
            "azure/prod-chat", HI, api_base=ENDPOINT, azure_ad_token_provider=provider, transport=azure.transport
        )


class AccessToken(NamedTuple):
    token: str
    expires_on: int


class FakeCredential:
    """azure-identity's ``TokenCredential`` interface: ``get_token(*scopes) -> AccessToken``."""

    def __init__(self, lifetime: float = 3600) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lifetime = lifetime

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls.append((scopes[0], threading.get_ident()))
        return AccessToken(TOKEN, int(time.time() + self.lifetime))


def test_credential_tokens_are_kept_until_shortly_before_expiry(azure: FakeAzure) -> None:
    long_lived, short_lived = FakeCredential(3600), FakeCredential(120)  # 120 s < the 5 min margin
    for credential in (long_lived, short_lived):
        for _ in range(3):
            modelmux.completion(
                "azure/prod-chat", HI, api_base=ENDPOINT, azure_credential=credential, transport=azure.transport
            )
    assert len(long_lived.calls) == 1 and long_lived.calls[0][0] == COGNITIVE_SERVICES_SCOPE
    assert len(short_lived.calls) == 3
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in azure.requests)


def test_default_azure_credential_is_the_fallback(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    credential = FakeCredential()
    monkeypatch.setattr(azure_singleton, "auth", AzureAuth(credential_factory=lambda: credential))
    modelmux.completion("azure/prod-chat", HI, api_base=ENDPOINT, transport=azure.transport)
    modelmux.completion("azure/prod-chat", HI, api_base=ENDPOINT, transport=azure.transport)
    assert len(credential.calls) == 1


def test_the_real_default_factory_builds_azure_identitys_credential() -> None:
    from azure.identity import DefaultAzureCredential

    from modelmux.providers.azure.auth import _default_credential

    assert isinstance(_default_credential(), DefaultAzureCredential)  # constructing it makes no request


def test_async_fetch_runs_off_the_event_loop(azure: FakeAzure) -> None:
    credential = FakeCredential()

    async def go() -> int:
        for _ in range(2):
            await modelmux.acompletion(
                "azure/prod-chat", HI, api_base=ENDPOINT, azure_credential=credential, transport=azure.transport
            )
        return threading.get_ident()

    loop_thread = asyncio.run(go())
    assert len(credential.calls) == 1 and credential.calls[0][1] != loop_thread


def test_credential_failure_is_an_authentication_error(azure: FakeAzure) -> None:
    class Broken:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            raise RuntimeError("ManagedIdentityCredential: no endpoint")

    with pytest.raises(AuthenticationError, match="ManagedIdentityCredential"):
        modelmux.completion(
            "azure/prod-chat", HI, api_base=ENDPOINT, azure_credential=Broken(), transport=azure.transport
        )
    assert azure.requests == []


def test_tokens_never_appear_in_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["authorization"]
        return httpx.Response(401, json={"error": {"code": "401", "message": f"bad {echoed.split()[1]}"}})

    with pytest.raises(AuthenticationError) as info:
        modelmux.completion(
            "azure/prod-chat",
            HI,
            api_base=ENDPOINT,
            azure_ad_token="opaque-entra-token-77",
            transport=httpx.MockTransport(handler),
        )
    assert "opaque-entra-token-77" not in str(info.value) + repr(info.value) + str(info.value.body)


def test_a_kept_token_is_served_while_a_fetch_holds_the_lock(azure: FakeAzure) -> None:
    """The async path answers from the kept token without waiting on a fetch in another thread."""
    credential = FakeCredential()
    modelmux.completion(
        "azure/prod-chat", HI, api_base=ENDPOINT, azure_credential=credential, transport=azure.transport
    )

    async def go() -> Any:
        return await asyncio.wait_for(
            modelmux.acompletion(
                "azure/prod-chat", HI, api_base=ENDPOINT, azure_credential=credential, transport=azure.transport
            ),
            timeout=5,
        )

    with held_elsewhere(azure_singleton.auth._lock) as started:  # as a slow fetch in another thread would
        assert asyncio.run(go()).choices[0].message.content == "Hello from Azure."
        assert time.monotonic() - started < 1.5
    assert len(credential.calls) == 1


def test_entra_options_win_over_a_key_from_the_environment(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key-should-not-be-sent")
    credential = FakeCredential()
    for options in (
        {"azure_ad_token": TOKEN},
        {"azure_ad_token_provider": lambda: TOKEN},
        {"azure_credential": credential},
    ):
        modelmux.completion("azure/prod-chat", HI, api_base=ENDPOINT, transport=azure.transport, **options)
    assert [r.headers.get("api-key") for r in azure.requests] == [None, None, None]
    assert {r.headers["authorization"] for r in azure.requests} == {f"Bearer {TOKEN}"}
