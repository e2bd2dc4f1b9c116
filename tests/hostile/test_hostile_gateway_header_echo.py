"""The gateway in front of an upstream (a real loopback server) that echoes every request header back in its
errors: no deployment credential (an OpenAI key, an Azure ``api-key``, an Azure AD token, Bedrock's access key and
session token, a Vertex access token) reaches a client (body or headers), a callback, a DEBUG log line or
``/metrics``, on every operation's route, streamed or not, for each error status."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from echo_server import EchoServer, echo_server

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.callbacks import Callback

pytestmark = pytest.mark.anyio

ENV = {
    "OPENAI_KEY": "sk-gw-openai-0123456789abcdefQQ",
    "AZURE_KEY": "azkey0123456789abcdef0123456789",
    "AD_TOKEN": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.adtoken0123",
    "AWS_ID": "AKIAGATEWAY0123456",
    "AWS_SECRET": "gatewaySecretAccessKey0123456789abcdef",
    "AWS_SESSION": "FwoGZXIvYXdzGATEWAYsessionTOKEN0123",
    "VERTEX_TOKEN": "ya29.gatewayVertexAccessToken0123456789",
    "METRICS_KEY": "metrics-key-0123456789abcdef",
}
SECRETS = tuple(v for k, v in ENV.items() if k not in ("METRICS_KEY", "AWS_ID"))


def _config(url: str) -> dict[str, Any]:
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "metrics": {"enabled": True, "key_env": "METRICS_KEY"},
        "models": {
            "oa": {"model": "openai/gpt-4o", "api_base": f"{url}/v1", "api_key_env": "OPENAI_KEY"},
            "az": {
                "model": "azure/dep", "api_base": url, "api_key_env": "AZURE_KEY",
                "options": {"api_version": "2024-10-21"},
            },
            "az-ad": {
                "model": "azure/dep", "api_base": url, "options_env": {"azure_ad_token": "AD_TOKEN"},
                "options": {"api_version": "2024-10-21"},
            },
            "br": {
                "model": "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "api_base": url,
                "options": {"aws_region_name": "us-east-1"},
                "options_env": {
                    "aws_access_key_id": "AWS_ID", "aws_secret_access_key": "AWS_SECRET",
                    "aws_session_token": "AWS_SESSION",
                },
            },
            "vx": {
                "model": "vertex/gemini-2.5-flash", "api_base": url,
                "options": {"vertex_project": "p", "vertex_location": "us-central1"},
                "options_env": {"vertex_access_token": "VERTEX_TOKEN"},
            },
        },
    }  # fmt: skip


class Recorder(Callback):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_failure(self, event: Any) -> None:
        self.seen += [repr(event.kwargs), repr(event.error), str(event.error), repr(vars(event.error))]


async def _requests(client: httpx.AsyncClient, model: str) -> list[httpx.Response]:
    chat = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    out = [
        await client.post("/v1/chat/completions", json=chat),
        await client.post("/v1/chat/completions", json={**chat, "stream": True}),
        await client.post("/v1/embeddings", json={"model": model, "input": "hi"}),
        await client.post("/v1/images/generations", json={"model": model, "prompt": "a cat"}),
        await client.post("/v1/moderations", json={"model": model, "input": "hi"}),
        await client.post(
            "/v1/audio/transcriptions", data={"model": model}, files={"file": ("a.wav", b"RIFF....WAVE", "audio/wav")}
        ),
    ]
    return out


@pytest.fixture(scope="module")
def server() -> Any:
    with echo_server() as running:
        yield running


@pytest.mark.parametrize("status", [400, 401, 429, 500, 200, "sse"])
async def test_no_deployment_credential_escapes_the_gateway(
    server: EchoServer, status: int | str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.status, server.seen[:] = status, []
    recorder = Recorder()
    app = create_app(parse_config(_config(server.url), environ=ENV), limiter=MemoryLimiter(), callbacks=[recorder])
    seen: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for model in ("oa", "az", "az-ad", "br", "vx"):
            for answer in await _requests(client, model):
                seen += [answer.text, repr(answer.headers.raw)]
        scrape = await client.get("/metrics", headers={"authorization": f"Bearer {ENV['METRICS_KEY']}"})
        seen.append(scrape.text)
    await app.upstreams.aclose()
    sent = " ".join(" ".join(h.values()) for h in server.seen)
    assert all(secret in sent or secret == ENV["AWS_SECRET"] for secret in SECRETS)  # each was sent, and echoed
    everything = "\n".join([*seen, *recorder.seen, caplog.text])
    for secret in SECRETS:
        assert secret not in everything, secret
