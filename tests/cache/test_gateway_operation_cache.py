"""The gateway's per-model ``cache`` for /v1/moderations and /v1/audio/transcriptions (chat and embeddings:
tests/asgi/test_gateway_cache.py): a second identical request is answered without the upstream, per client key,
``Cache-Control: no-cache`` honoured; image generations are never cached, even on a model with ``cache = true``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from operation_fakes import Scripted

pytestmark = pytest.mark.anyio
ALICE = "sk-gw-alice-0123456789abcdef"
BOB = "sk-gw-bob-0123456789abcdef"
ENV = {"ALICE_KEY": ALICE, "BOB_KEY": BOB, "UPSTREAM_KEY": "sk-upstream-0123456789"}


def app_for(up: Scripted, *, cache: bool = True) -> Gateway:
    route = {"api_key_env": "UPSTREAM_KEY", "transport": httpx.MockTransport(up.ahandle), "cache": cache}
    data: dict[str, Any] = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {
            "mod": {"model": "openai/omni-moderation-latest", **route},
            "whisper": {"model": "openai/whisper-1", **route},
            "img": {"model": "openai/dall-e-3", **route},
        },
        "keys": {"alice": {"key_env": "ALICE_KEY"}, "bob": {"key_env": "BOB_KEY"}},
    }
    return create_app(parse_config(data, environ=ENV), limiter=MemoryLimiter())


async def moderate(app: Gateway, key: str = ALICE, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        body = {"model": "mod", "input": "hello"}
        return await client.post("/v1/moderations", json=body, headers={"authorization": f"Bearer {key}", **headers})


async def transcribe(app: Gateway, audio: bytes = b"RIFF....WAVE", **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        return await client.post(
            "/v1/audio/transcriptions",
            data={"model": "whisper"},
            files={"file": ("a.wav", audio, "audio/wav")},
            headers={"authorization": f"Bearer {ALICE}", **headers},
        )


async def test_moderations_are_cached_per_key() -> None:
    up = Scripted()
    app = app_for(up)
    first, again = await moderate(app), await moderate(app)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(up.requests) == 1
    await moderate(app, BOB)  # bob's entries are his own
    assert len(up.requests) == 2
    await moderate(app, **{"cache-control": "no-cache"})
    assert len(up.requests) == 3


async def test_a_model_without_cache_is_not_cached() -> None:
    up = Scripted()
    app = app_for(up, cache=False)
    await moderate(app)
    await moderate(app)
    assert len(up.requests) == 2


async def test_transcriptions_are_cached_by_audio() -> None:
    up = Scripted()
    app = app_for(up)
    first, again = await transcribe(app), await transcribe(app)
    assert first.status_code == again.status_code == 200 and first.json() == again.json() == {"text": "hello"}
    assert len(up.requests) == 1
    await transcribe(app, b"RIFF....WAVE-other")
    assert len(up.requests) == 2
    await transcribe(app, **{"cache-control": "no-cache"})
    assert len(up.requests) == 3


async def test_image_generations_are_never_cached() -> None:
    up = Scripted()
    app = app_for(up)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for _ in range(2):
            response = await client.post(
                "/v1/images/generations",
                json={"model": "img", "prompt": "a cat"},
                headers={"authorization": f"Bearer {ALICE}"},
            )
            assert response.status_code == 200
    assert len(up.requests) == 2
