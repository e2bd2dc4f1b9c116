"""Guards for what held under attack: an upstream that echoes the deployment key in every error field never gets it
to a client (body or header), a log line at DEBUG, a callback's event, ``/metrics`` or a repr, through a group, the
Responses API or a stream; and client-chosen model names and paths never become ``/metrics`` labels."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.callbacks import Callback

pytestmark = pytest.mark.anyio
KEY_A = "sk-deploy-AAAA-0123456789abcdefXYZ"
KEY_B = "sk-deploy-BBBB-0123456789abcdefXYZ"
METRICS_KEY = "metrics-key-0123456789abcdef"
ENV = {"KEY_A": KEY_A, "KEY_B": KEY_B, "METRICS_KEY": METRICS_KEY}


class Echo(httpx.AsyncBaseTransport):
    """An upstream putting the credential it was sent into every field of its errors (as 'Incorrect API key
    provided: sk-...' does), by the model asked: 401, 400 with the key in a header too, 500 HTML, or 200 garbage."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        model = json.loads(await request.aread())["model"]
        auth = request.headers.get("authorization", "")
        error = {"message": f"Incorrect API key provided: {auth[7:]}", "type": auth, "param": auth, "code": auth}
        if model == "e401":
            return httpx.Response(401, json={"error": error})
        if model == "e400":
            return httpx.Response(400, json={"error": error}, headers={"x-echo": auth})
        if model == "e500":
            return httpx.Response(500, text=f"<html>{auth} {request.url}</html>")
        return httpx.Response(200, text=f"garbage {auth}")


class Recorder(Callback):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_start(self, event: Any) -> None:
        self.seen.append(repr(event.kwargs))

    def on_failure(self, event: Any) -> None:
        self.seen += [repr(event.kwargs), repr(event.error), str(event.error), repr(vars(event.error))]


def _config() -> dict[str, Any]:
    def deployment(model: str, key: str, order: int) -> dict[str, Any]:
        return {"model": f"openai/{model}", "api_key_env": key, "order": order}

    group = [deployment("e401", "KEY_A", 1), deployment("e500", "KEY_B", 2), deployment("e400", "KEY_A", 3)]
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "metrics": {"enabled": True, "key_env": "METRICS_KEY"},
        "models": {
            "group": {"deployments": group},
            **{name: {"model": f"openai/{name}", "api_key_env": "KEY_B"} for name in ("e401", "e400", "e500", "junk")},
        },
    }


def _requests(model: str) -> list[tuple[str, dict[str, Any]]]:
    chat = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return [
        ("/v1/chat/completions", chat),
        ("/v1/chat/completions", {**chat, "stream": True}),
        ("/v1/responses", {"model": model, "input": "hi"}),
        ("/v1/responses", {"model": model, "input": "hi", "stream": True}),
        ("/v1/embeddings", {"model": model, "input": "hi"}),
        ("/v1/messages", {**chat, "max_tokens": 5}),
    ]


async def test_an_echoed_deployment_key_reaches_no_client_log_callback_metric_or_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    config = parse_config(_config(), environ=ENV)
    app = create_app(config, transport=Echo(), limiter=MemoryLimiter(), callbacks=[recorder])
    seen: list[str] = [repr(config), repr(app.upstreams), repr(app.upstreams.router)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for model in ("group", "e401", "e400", "e500", "junk"):
            for path, body in _requests(model):
                answer = await client.post(path, json=body)
                assert answer.status_code >= 400 or "failed" in answer.text, (model, path, answer.text)
                assert answer.status_code < 500 or answer.status_code in (502, 503, 504), answer.text
                seen += [answer.text, repr(answer.headers.raw)]
        scrape = await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_KEY}"})
        assert scrape.status_code == 200
        seen.append(scrape.text)
    assert recorder.seen
    assert any("[REDACTED]" in text for text in seen)  # the echo did come back, scrubbed
    everything = "\n".join([*seen, *recorder.seen, caplog.text])
    for secret in (KEY_A, KEY_B, KEY_A[-16:], KEY_B[-16:]):
        assert secret not in everything


async def test_client_chosen_models_and_paths_never_become_metric_labels() -> None:
    app = create_app(parse_config(_config(), environ=ENV), transport=Echo(), limiter=MemoryLimiter())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for i in range(300):
            body = {"model": f"model-{i}", "messages": [{"role": "user", "content": "hi"}]}
            await client.post("/v1/chat/completions", json=body)
            await client.get(f"/v1/responses/resp_{i}")
            await client.get(f"/no/such/path/{i}")
        scrape = await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_KEY}"})
    assert "model-1" not in scrape.text and "resp_1" not in scrape.text and "/no/such" not in scrape.text
    assert len(scrape.text.splitlines()) < 200  # the series do not grow with the clients' names


@pytest.mark.parametrize("client", [("203.0.113.9", 5000), ("::ffff:127.0.0.1", 5000)])
@pytest.mark.parametrize("headers", [{}, {"x-forwarded-for": "127.0.0.1"}, {"host": "127.0.0.1"}])
async def test_metrics_without_a_key_answer_no_remote_client(client: Any, headers: dict[str, str]) -> None:
    data = _config()
    data["metrics"] = {"enabled": True}
    data["server"] = {"allowed_hosts": ["gw", "127.0.0.1"]}
    app = create_app(parse_config(data, environ=ENV), transport=Echo(), limiter=MemoryLimiter())
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        answer = await http.get("/metrics", headers=headers)
    assert answer.status_code == 403


def test_a_callback_sees_no_credential_header_whatever_its_name() -> None:
    from modelmux.callbacks._event import scrub_kwargs

    names = ("Ocp-Apim-Subscription-Key", "Helicone-Auth", "X-Auth", "x-goog-api-key", "X-Password")
    scrubbed = scrub_kwargs({"extra_headers": {**dict.fromkeys(names, "s3cr3t"), "x-request-id": "r1"}})
    assert scrubbed["extra_headers"] == {**dict.fromkeys(names, "[REDACTED]"), "x-request-id": "r1"}
    assert scrub_kwargs({"headers": {"Authorization": "Bearer s3cr3t"}}) == {"headers": {"Authorization": "[REDACTED]"}}
