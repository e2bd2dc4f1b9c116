"""End to end: the operation functions against a fake upstream give results whose ``response_cost`` is right
(retries and fallbacks included), and the gateway counts that cost against a key's budget and in ``/metrics``."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import MemoryBudgets
from modelmux.cost import bundled_prices, set_default_prices

CAT = "https://example.com/cat.png"


class Upstream:
    """OpenAI's images, transcription and moderation endpoints and Cohere's rerank, as their docs show the
    answers; the first ``fail`` requests get a 500."""

    def __init__(self, fail: int = 0, transcript: dict[str, Any] | None = None) -> None:
        self.fail = fail
        self.transcript = transcript if transcript is not None else {"text": "hi", "duration": 90.0}
        self.models: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        endpoint = request.url.path.rsplit("/", 1)[-1]
        if self.fail:
            self.fail -= 1
            return httpx.Response(500, json={"error": {"message": "boom", "type": "server_error"}})
        if endpoint == "generations":
            body = json.loads(request.content)
            self.models.append(body["model"])
            return httpx.Response(200, json={"created": 1, "data": [{"url": CAT}] * body.get("n", 1)})
        if endpoint == "transcriptions":
            return httpx.Response(200, json=self.transcript)
        if endpoint == "moderations":
            result = {"flagged": False, "categories": {}, "category_scores": {}}
            return httpx.Response(200, json={"id": "m", "model": "omni-moderation-latest", "results": [result]})
        assert endpoint == "rerank"
        documents = json.loads(request.content)["documents"]
        # Cohere bills one search unit per query with up to 100 documents (short ones, as here)
        meta = {"api_version": {"version": "2"}, "billed_units": {"search_units": math.ceil(len(documents) / 100)}}
        results = [{"index": i, "relevance_score": 1 / (i + 1)} for i in range(len(documents))]
        return httpx.Response(200, json={"id": "r", "results": results, "meta": meta})

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def transport(self, use_async: bool = False) -> Any:
        return httpx.MockTransport(self.ahandle if use_async else self.handle)


def call(function: str, up: Upstream, use_async: bool, *args: Any, **kwargs: Any) -> Any:
    kwargs.update(api_key="k", transport=up.transport(use_async))
    if use_async:
        return asyncio.run(getattr(modelmux, "a" + function)(*args, **kwargs))
    return getattr(modelmux, function)(*args, **kwargs)


@pytest.mark.parametrize("use_async", [False, True])
def test_images_transcriptions_moderations_and_rerank_come_back_priced(use_async: bool) -> None:
    up = Upstream()
    images = call("image_generation", up, use_async, "openai/dall-e-3", "a cat", n=2, size="1024x1792", quality="hd")
    assert images.response_cost == pytest.approx(0.24)
    assert modelmux.completion_cost(images) == pytest.approx(0.24)
    default = call("image_generation", up, use_async, "dall-e-2", "a cat")  # a catalogued bare id, defaults
    assert default.response_cost == pytest.approx(0.02)
    audio = call("transcription", up, use_async, "openai/whisper-1", ("a.wav", b"RIFF....WAVE"))
    assert audio.response_cost == pytest.approx(0.009)  # 90 s at $0.006 a minute
    moderated = call("moderation", up, use_async, "hi")
    assert moderated.response_cost == 0.0
    set_default_prices(bundled_prices().with_overrides({"cohere/rerank-v3.5": {"per_1k_search_units": 2.0}}))
    ranked = call("rerank", up, use_async, "cohere/rerank-v3.5", "q", [f"doc {i}" for i in range(250)])
    assert ranked.meta["billed_units"]["search_units"] == 3
    assert ranked.response_cost == pytest.approx(3 * 2.0 / 1000)


def test_a_transcription_of_unknown_length_is_unpriced_and_a_text_one_has_no_price_to_carry() -> None:
    up = Upstream(transcript={"text": "hi"})  # `json` format of a server that reports no usage
    assert call("transcription", up, False, "openai/whisper-1", ("a.wav", b"RIFF....WAVE")).response_cost is None
    billed = Upstream(transcript={"text": "hi", "usage": {"type": "duration", "seconds": 30}})
    result = call("transcription", billed, False, "openai/whisper-1", ("a.wav", b"RIFF....WAVE"))
    assert result.response_cost == pytest.approx(0.003)


def test_a_retried_call_and_a_fallback_are_priced_for_what_answered() -> None:
    up = Upstream(fail=1)
    retried = call("image_generation", up, False, "openai/dall-e-3", "a cat", quality="hd", num_retries=1)
    assert retried.response_cost == pytest.approx(0.08) and retried._hidden_params["attempts"] == 2
    up = Upstream(fail=1)
    fell_back = call(
        "image_generation", up, False, "openai/dall-e-3", "a cat", size="512x512", fallbacks=["openai/dall-e-2"]
    )
    assert up.models == ["dall-e-2"] and fell_back.response_cost == pytest.approx(0.018)


def test_a_cache_miss_is_priced_and_a_hit_costs_nothing() -> None:
    up, cache = Upstream(), modelmux.Cache()
    first = call("transcription", up, False, "openai/whisper-1", ("a.wav", b"RIFF....WAVE"), cache=cache)
    again = call("transcription", up, False, "openai/whisper-1", ("a.wav", b"RIFF....WAVE"), cache=cache)
    assert first.response_cost == pytest.approx(0.009)
    assert again._hidden_params["cache_hit"] is True and again.response_cost == 0.0


def test_callbacks_see_the_cost_of_each_operation() -> None:
    seen: dict[str, float | None] = {}

    class Costs(modelmux.callbacks.Callback):
        def on_success(self, event: modelmux.callbacks.CallEvent) -> None:
            seen[event.operation] = event.cost

    up, handler = Upstream(), Costs()
    call("image_generation", up, False, "openai/dall-e-2", "a cat", n=2, size="256x256", callbacks=[handler])
    call("transcription", up, True, "openai/whisper-1", ("a.wav", b"RIFF....WAVE"), callbacks=[handler])
    call("moderation", up, False, "hi", callbacks=[handler])
    call("rerank", up, False, "cohere/rerank-v3.5", "q", ["a", "b"], callbacks=[handler])  # no bundled price
    assert seen.pop("rerank", "missing") is None
    assert seen == pytest.approx({"image_generation": 0.032, "transcription": 0.009, "moderation": 0.0})


# ---------------------------------------------------------------- the gateway

KEY = "sk-gw-images-0123456789abcdef"
ENV = {"IMAGES_KEY": KEY, "UPSTREAM_KEY": "sk-upstream"}


def gateway_config(**key: Any) -> dict[str, Any]:
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {
            "painter": {"model": "openai/dall-e-3", "api_key_env": "UPSTREAM_KEY"},
            "listener": {"model": "openai/whisper-1", "api_key_env": "UPSTREAM_KEY"},
        },
        "keys": {"images": {"key_env": "IMAGES_KEY", **key}},
        "metrics": {"enabled": True},
    }


def test_the_gateway_counts_image_and_audio_costs_in_budgets_and_metrics() -> None:
    # a budget is checked before a call: the third call starts under it and ends over it, the fourth is refused
    config = parse_config(gateway_config(max_spend_per_day=0.24, spend_reserve=0), environ=ENV)
    store = MemoryBudgets()
    app = create_app(config, transport=Upstream().transport(True), limiter=MemoryLimiter(), budget_store=store)
    auth = {"authorization": f"Bearer {KEY}"}
    image = {"model": "painter", "prompt": "a cat", "n": 1, "size": "1024x1792", "quality": "hd"}

    async def go() -> tuple[list[int], httpx.Response, dict[str, float], httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
            codes = [(await http.post("/v1/images/generations", json=image, headers=auth)).status_code]
            form = {"model": "listener"}
            files = {"file": ("a.wav", b"RIFF....WAVE", "audio/wav")}
            codes.append(
                (await http.post("/v1/audio/transcriptions", data=form, files=files, headers=auth)).status_code
            )
            codes.append((await http.post("/v1/images/generations", json=image, headers=auth)).status_code)
            refused = await http.post("/v1/images/generations", json=image, headers=auth)
            scrape = await http.get("/metrics")
            return codes, refused, await store.spent("images"), scrape

    codes, refused, spent, scrape = asyncio.run(go())
    assert codes == [200, 200, 200]
    assert spent["day"] == pytest.approx(0.12 + 0.009 + 0.12)  # two HD portraits and 90 s of audio
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "budget_exceeded"
    lines = dict(line.rsplit(" ", 1) for line in scrape.text.splitlines() if line and not line.startswith("#"))
    assert float(lines['modelmux_gateway_cost_usd_total{model="painter"}']) == pytest.approx(0.24)
    assert float(lines['modelmux_gateway_cost_usd_total{model="listener"}']) == pytest.approx(0.009)
