"""The app as an ASGI citizen: mounting (root_path), lifespan, other scope types, defaults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gateway_helpers import ALICE, make_app

from modelmux.asgi import create_app
from modelmux.asgi.limits import Decision, MemoryLimiter

pytestmark = pytest.mark.anyio


async def test_create_app_with_nothing_serves_the_mock_models_without_keys() -> None:
    app = create_app()
    assert isinstance(app.limiter, MemoryLimiter)
    # Without keys only loopback names are served (DNS rebinding), so the client names one.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        models = (await client.get("/v1/models")).json()
        reply = await client.post(
            "/v1/chat/completions", json={"model": "mock/echo", "messages": [{"role": "user", "content": "hey"}]}
        )
    assert {"mock/demo", "mock/echo"} <= {m["id"] for m in models["data"]}
    assert reply.json()["choices"][0]["message"]["content"] == "hey"


async def test_mounted_under_a_root_path() -> None:
    app = make_app()
    transport = httpx.ASGITransport(app=app, root_path="/llm")
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        inside = await client.get("/llm/v1/models", headers={"authorization": f"Bearer {ALICE}"})
        outside = await client.get("/llmx/v1/models")
    assert inside.status_code == 200
    assert outside.status_code == 404


async def test_in_a_starlette_app() -> None:
    from starlette.applications import Starlette  # a dev dependency: a missing one must fail, not skip
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount("/llm", app=make_app())])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=outer), base_url="http://gw") as client:
        response = await client.get("/llm/v1/models", headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 200


class _Recorder:
    def __init__(self) -> None:
        self.closed = False

    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision:
        return Decision(True, token="t")

    async def release(self, key_id: str, token: str) -> None:
        pass

    async def aclose(self) -> None:
        self.closed = True


async def _lifespan(app: Any) -> list[str]:
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    return sent


async def test_lifespan_closes_a_limiter_the_app_made_but_not_one_it_was_given() -> None:
    given = _Recorder()
    assert await _lifespan(make_app(limiter=given)) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert not given.closed
    app = create_app()
    closed: list[bool] = []

    async def aclose() -> None:
        closed.append(True)

    app.limiter.aclose = aclose  # type: ignore[method-assign]
    await _lifespan(app)
    assert closed == [True]


async def test_websockets_are_closed() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await make_app()({"type": "websocket", "path": "/v1/models", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1000}]


async def test_health_is_not_rate_limited_and_needs_no_key() -> None:
    from gateway_helpers import keyed_config

    app = make_app(keyed_config(limits={"rpm": 1}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        statuses = [(await client.get("/health")).status_code for _ in range(5)]
    assert statuses == [200] * 5
