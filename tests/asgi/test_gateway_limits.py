"""Limits are exact under concurrency: N parallel requests against K → exactly K admitted, the rest 429."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, keyed_config, make_app, raw

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio

BODY = {"model": "up/ok", "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"authorization": f"Bearer {ALICE}"}


async def _burst(app: Gateway, upstream: FakeUpstream, n: int, *, stream: bool = False) -> list[httpx.Response]:
    upstream.gate = asyncio.Event()  # every admitted request waits at the upstream until all have been answered
    async with raw(app) as client:
        tasks = [
            asyncio.ensure_future(client.post("/v1/chat/completions", json={**BODY, "stream": stream}, headers=AUTH))
            for _ in range(n)
        ]
        for _ in range(200):
            refused = sum(t.done() for t in tasks)
            if upstream.arrived + refused == n:
                break
            await asyncio.sleep(0.01)
        upstream.gate.set()
        return list(await asyncio.gather(*tasks))


@pytest.mark.parametrize(("n", "k"), [(20, 1), (20, 5), (40, 13)])
@pytest.mark.parametrize("stream", [False, True])
async def test_max_concurrent_admits_exactly_k(n: int, k: int, stream: bool) -> None:
    upstream = FakeUpstream()
    app = make_app(keyed_config(limits={"max_concurrent": k}), transport=upstream)
    responses = await _burst(app, upstream, n, stream=stream)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * k + [429] * (n - k)
    assert upstream.arrived == k
    refused = [r for r in responses if r.status_code == 429]
    assert all(r.json()["error"]["code"] == "concurrency_limit_exceeded" for r in refused)
    assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    # Every slot came back: the next burst admits k again.
    upstream.arrived = 0
    again = await _burst(app, upstream, n)
    assert sum(r.status_code == 200 for r in again) == k


@pytest.mark.parametrize(("n", "rpm"), [(15, 4), (30, 29)])
async def test_rpm_admits_exactly_rpm(n: int, rpm: int) -> None:
    upstream = FakeUpstream()
    app = make_app(keyed_config(limits={"rpm": rpm}), transport=upstream)
    responses = await _burst(app, upstream, n)
    assert sum(r.status_code == 200 for r in responses) == rpm
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == n - rpm
    assert all(r.json()["error"]["code"] == "rate_limit_exceeded" for r in refused)
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in refused)


async def test_refused_requests_are_not_read() -> None:
    """A 429 goes out before the body is read; the limiter is asked before anything costly happens."""
    app = make_app(keyed_config(limits={"rpm": 0}))
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", content=b"not even json", headers=AUTH)
    assert response.status_code == 429


async def test_key_limits_override_the_global_ones() -> None:
    from gateway_helpers import BOB

    app = make_app(keyed_config(limits={"rpm": 100}, rpm=1))
    async with raw(app) as client:
        bob = {"authorization": f"Bearer {BOB}"}
        body = {"model": "mock/demo", "messages": [{"role": "user", "content": "x"}]}
        first = await client.post("/v1/chat/completions", json=body, headers=bob)
        second = await client.post("/v1/chat/completions", json=body, headers=bob)
        alice = [await client.post("/v1/chat/completions", json=body, headers=AUTH) for _ in range(3)]
    assert (first.status_code, second.status_code) == (200, 429)
    assert [r.status_code for r in alice] == [200, 200, 200]
