"""The gateway serves Azure OpenAI and Vertex AI routes, their credentials named by environment variable."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fake_azure import KEY, FakeAzure

from modelmux.asgi import create_app

ENDPOINT = "https://my-resource.openai.azure.com"
ANSWER = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "vertex says hi"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 3, "totalTokenCount": 4},
}


def post(app: Any, model: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            return await client.post(
                "/v1/chat/completions",
                json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
                headers={"authorization": "Bearer client-secret"},
            )

    return asyncio.run(go())


def test_gateway_routes_to_azure_and_vertex(azure: FakeAzure, monkeypatch: Any) -> None:
    monkeypatch.setenv("MY_AZURE_KEY", KEY)
    monkeypatch.setenv("MY_VERTEX_KEY", "vertex-express-key-1")
    monkeypatch.setenv("CLIENT_KEY", "client-secret")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "gw-project")
    vertex_requests: list[httpx.Request] = []

    def vertex(request: httpx.Request) -> httpx.Response:
        vertex_requests.append(request)
        return httpx.Response(200, json=ANSWER)

    config = {
        "models": {
            "chat": {
                "model": "azure/prod-chat",
                "api_key_env": "MY_AZURE_KEY",
                "api_base": ENDPOINT,
                "transport": httpx.MockTransport(azure.handle),
            },
            "gem": {
                "model": "vertex/gemini-2.5-flash",
                "api_key_env": "MY_VERTEX_KEY",
                "transport": httpx.MockTransport(vertex),
            },
        },
        "keys": {"client": {"key_env": "CLIENT_KEY"}},
    }
    app = create_app(config)
    answer = post(app, "chat")
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "Hello from Azure."
    assert azure.requests[0].headers["api-key"] == KEY
    answer = post(app, "gem")
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "vertex says hi"
    assert vertex_requests[0].headers["x-goog-api-key"] == "vertex-express-key-1"
    assert "/projects/gw-project/locations/global/" in str(vertex_requests[0].url)
