"""Bedrock auth: resolution order, SigV4 on the wire, secrets never shown, region, non-blocking async refresh."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.errors import AuthenticationError, BadRequestError
from modelmux.providers.bedrock.credentials import AwsCredentials, CredentialResolver, credentials_from

ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4},
}
HI = [{"role": "user", "content": "hi"}]
MODEL = "bedrock/us.amazon.nova-micro-v1:0"
_AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def clean_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield


class Capture:
    """An injected transport answering every request with ``status``/``body`` and keeping the requests."""

    def __init__(self, status: int = 200, body: Any = ANSWER) -> None:
        self.requests: list[httpx.Request] = []
        self.status, self.body = status, body

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.body)

    @property
    def sync(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def headers(self) -> httpx.Headers:
        return self.requests[-1].headers


def credential_of(headers: httpx.Headers) -> str:
    return headers["authorization"].split("Credential=", 1)[1].split("/", 1)[0]


def test_api_key_is_a_bearer_token_and_nothing_is_signed() -> None:
    capture = Capture()
    modelmux.completion(
        MODEL,
        HI,
        api_key="bedrock-key",
        aws_access_key_id="AKID",
        aws_secret_access_key="s",
        aws_region_name="us-east-1",
        transport=capture.sync,
    )
    assert capture.headers["authorization"] == "Bearer bedrock-key"
    assert "x-amz-date" not in capture.headers
    assert (
        str(capture.requests[0].url)
        == "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse"
    )


def test_bearer_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "env-bedrock-key")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    capture = Capture()
    modelmux.completion(MODEL, HI, aws_region_name="eu-west-1", transport=capture.sync)
    assert capture.headers["authorization"] == "Bearer env-bedrock-key"
    assert capture.requests[0].url.host == "bedrock-runtime.eu-west-1.amazonaws.com"


def test_explicit_keys_sign_and_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    modelmux.completion(
        MODEL,
        HI,
        aws_access_key_id="AKIDARG",
        aws_secret_access_key="arg-secret",
        aws_session_token="arg-token",
        aws_region_name="us-west-2",
        transport=capture.sync,
    )
    headers = capture.headers
    assert credential_of(headers) == "AKIDARG"
    assert "/us-west-2/bedrock/aws4_request" in headers["authorization"]
    assert headers["x-amz-security-token"] == "arg-token"
    assert "host;" in headers["authorization"] and "content-type" in headers["authorization"]


def test_environment_keys_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    capture = Capture()
    modelmux.completion(MODEL, HI, transport=capture.sync)
    assert credential_of(capture.headers) == "AKIDENV"
    assert "x-amz-security-token" not in capture.headers
    assert capture.requests[0].url.host == "bedrock-runtime.ap-south-1.amazonaws.com"
    monkeypatch.setenv("AWS_REGION", "ca-central-1")  # AWS_REGION comes first
    modelmux.completion(MODEL, HI, transport=capture.sync)
    assert capture.requests[-1].url.host == "bedrock-runtime.ca-central-1.amazonaws.com"


def test_secrets_never_appear_in_errors() -> None:
    secret, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRET", "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQ"
    capture = Capture(403, {"message": f"The request signature we calculated does not match {secret} {token}"})
    with pytest.raises(AuthenticationError) as info:
        modelmux.completion(
            MODEL,
            HI,
            aws_access_key_id="AKID",
            aws_secret_access_key=secret,
            aws_session_token=token,
            aws_region_name="us-east-1",
            transport=capture.sync,
        )
    err = info.value
    shown = str(err) + repr(err) + json.dumps(err.to_openai_error()) + json.dumps(err.body)
    assert secret not in shown and token not in shown
    assert err.status_code == 403


def test_credential_provider_forms() -> None:
    capture = Capture()
    providers = [
        lambda: {"aws_access_key_id": "AKIDMAP", "aws_secret_access_key": "s", "aws_session_token": "t"},
        lambda: ("AKIDTUPLE", "s"),
        lambda: AwsCredentials("AKIDOBJ", "s", None),
        lambda: {"AccessKeyId": "AKIDSTS", "SecretAccessKey": "s", "SessionToken": "t"},
    ]
    for provider, expected in zip(providers, ["AKIDMAP", "AKIDTUPLE", "AKIDOBJ", "AKIDSTS"], strict=True):
        modelmux.completion(
            MODEL, HI, credential_provider=provider, aws_region_name="us-east-1", transport=capture.sync
        )
        assert credential_of(capture.headers) == expected


def test_credential_provider_comes_after_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    called = []
    modelmux.completion(
        MODEL, HI, credential_provider=lambda: called.append(1), aws_region_name="us-east-1", transport=capture.sync
    )
    assert credential_of(capture.headers) == "AKIDENV" and not called


def test_bad_credential_provider_result() -> None:
    with pytest.raises(AuthenticationError, match="credential_provider"):
        credentials_from({"nothing": 1})


def test_half_explicit_credentials_are_refused() -> None:
    with pytest.raises(AuthenticationError, match="both"):
        modelmux.completion(MODEL, HI, aws_access_key_id="AKID", aws_region_name="us-east-1", transport=Capture().sync)


def test_no_credentials_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuthenticationError, match="no AWS credentials"):
        modelmux.completion(MODEL, HI, aws_region_name="us-east-1", transport=Capture().sync)


def test_no_region_without_api_base() -> None:
    with pytest.raises(BadRequestError, match="no AWS region"):
        modelmux.completion(MODEL, HI, api_key="k", transport=Capture().sync)


def test_region_from_an_api_base_host_for_signing() -> None:
    capture = Capture()
    modelmux.completion(
        MODEL,
        HI,
        api_base="https://bedrock-runtime.eu-north-1.amazonaws.com",
        aws_access_key_id="A",
        aws_secret_access_key="s",
        transport=capture.sync,
    )
    assert "/eu-north-1/bedrock/" in capture.headers["authorization"]


def _write_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    (tmp_path / "credentials").write_text(
        f"[{name}]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p-secret\n"
    )
    (tmp_path / "config").write_text(f"[profile {name}]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))


def test_botocore_chain_with_a_profile_gives_keys_and_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profile(tmp_path, monkeypatch, "modelmux-test-sync")
    capture = Capture()
    modelmux.completion(MODEL, HI, aws_profile_name="modelmux-test-sync", transport=capture.sync)
    assert credential_of(capture.headers) == "AKIDPROFILE"
    assert capture.requests[0].url.host == "bedrock-runtime.sa-east-1.amazonaws.com"


def test_botocore_default_chain_reads_the_environment_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profile(tmp_path, monkeypatch, "default")
    resolver = CredentialResolver()
    assert resolver.resolve({}).access_key == "AKIDPROFILE"
    assert resolver.region({}) == "sa-east-1"


class FakeChain:
    """botocore's RefreshableCredentials, as far as the resolver uses it."""

    def __init__(self, needs_refresh: bool) -> None:
        self.needs_refresh = needs_refresh
        self.threads: list[int] = []

    def refresh_needed(self) -> bool:
        return self.needs_refresh

    def get_frozen_credentials(self) -> Any:
        self.threads.append(threading.get_ident())
        return AwsCredentials("AKIDCHAIN", "chain-secret", "chain-token")


def test_async_refresh_runs_off_the_event_loop() -> None:
    resolver = CredentialResolver()

    async def go(chain: FakeChain) -> tuple[AwsCredentials, int]:
        resolver._chains[None] = chain
        return await resolver.aresolve({}), threading.get_ident()

    stale = FakeChain(needs_refresh=True)
    creds, loop_thread = asyncio.run(go(stale))
    assert creds.access_key == "AKIDCHAIN" and stale.threads and stale.threads[0] != loop_thread
    fresh = FakeChain(needs_refresh=False)
    _, loop_thread = asyncio.run(go(fresh))
    assert fresh.threads == [loop_thread]  # nothing to refresh: no thread hop


def test_async_first_lookup_runs_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_profile(tmp_path, monkeypatch, "modelmux-test-async")
    resolver = CredentialResolver()
    seen: list[int] = []
    original = resolver._from_chain

    def spy(profile: str | None) -> AwsCredentials:
        seen.append(threading.get_ident())
        return original(profile)

    resolver._from_chain = spy  # type: ignore[method-assign]

    async def go() -> tuple[AwsCredentials, int]:
        return await resolver.aresolve({"aws_profile_name": "modelmux-test-async"}), threading.get_ident()

    creds, loop_thread = asyncio.run(go())
    assert creds.access_key == "AKIDPROFILE" and seen and seen[0] != loop_thread


def test_async_credential_providers() -> None:
    async def coroutine_provider() -> dict[str, str]:
        return {"access_key": "AKIDASYNC", "secret_key": "s"}

    loop_threads: list[int] = []
    provider_threads: list[int] = []

    def blocking_provider() -> tuple[str, str]:
        provider_threads.append(threading.get_ident())
        return ("AKIDTHREAD", "s")

    async def go(provider: Any) -> httpx.Headers:
        loop_threads.append(threading.get_ident())
        seen: list[httpx.Request] = []

        async def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=ANSWER)

        await modelmux.acompletion(
            MODEL, HI, credential_provider=provider, aws_region_name="us-east-1", transport=httpx.MockTransport(handle)
        )
        return seen[0].headers

    assert credential_of(asyncio.run(go(coroutine_provider))) == "AKIDASYNC"
    assert credential_of(asyncio.run(go(blocking_provider))) == "AKIDTHREAD"
    assert provider_threads[0] != loop_threads[-1]
