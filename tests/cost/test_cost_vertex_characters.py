"""Vertex AI's legacy text embeddings are billed per 1,000 billable characters, on the count Vertex reports
(``metadata.billableCharacterCount``): priced through the public call, the callbacks and the gateway; ``None``
whenever the count is missing or malformed (never counted locally); token-billed embeddings unaffected."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import MemoryBudgets
from modelmux.cost import bundled_prices, completion_cost, cost_per_token, set_default_prices
from modelmux.cost.billing import BILLING, Billing, billing_of

#: The bundled rate: USD 0.000025 per 1,000 characters (Vertex AI pricing, "other text embedding models").
PER_1K = 0.000025
VERTEX = {"vertex_project": "p", "vertex_location": "us-central1", "vertex_access_token": "ya29.t"}


class Vertex:
    """``:predict`` answering one prediction per instance (``token_count`` 3 each) and ``metadata`` as given
    (``None``: no ``metadata`` at all); the first ``fail`` requests get a 500."""

    def __init__(self, metadata: Any = None, *, fail: int = 0) -> None:
        self.metadata = metadata
        self.fail = fail

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        assert request.url.path.endswith(":predict")
        if self.fail:
            self.fail -= 1
            return httpx.Response(500, json={"error": {"code": 500, "message": "boom", "status": "INTERNAL"}})
        instances = json.loads(request.content)["instances"]
        prediction = {"embeddings": {"values": [0.1, 0.2], "statistics": {"token_count": 3, "truncated": False}}}
        answer: dict[str, Any] = {"predictions": [prediction] * len(instances)}
        if self.metadata is not None:
            answer["metadata"] = self.metadata
        return httpx.Response(200, json=answer)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)


def embed(model: str, up: Vertex, texts: Any = ("first", "second"), **kwargs: Any) -> Any:
    return modelmux.embedding(model, list(texts), transport=httpx.MockTransport(up.handle), **VERTEX, **kwargs)


@pytest.mark.parametrize("model", ["vertex/text-embedding-005", "text-multilingual-embedding-002"])
def test_a_legacy_text_embedding_is_priced_on_the_billable_characters_vertex_reports(model: str) -> None:
    result = embed(model, Vertex({"billableCharacterCount": 40_000}))
    # 40,000 characters at $0.000025 per 1,000: $0.001 (the 6 tokens reported have no price of their own)
    assert result.response_cost == pytest.approx(40 * PER_1K)
    assert completion_cost(result) == pytest.approx(0.001)
    assert result.usage.prompt_tokens == 6
    # the count rides on the result privately: the OpenAI-shaped JSON is what it was
    assert set(result.model_dump()) == {"object", "data", "model", "usage"}
    assert "billable" not in result.model_dump_json().lower() and "_billing" not in result.model_dump_json()


def test_the_async_call_is_priced_the_same() -> None:
    up = Vertex({"billableCharacterCount": 123_456})
    result = asyncio.run(
        modelmux.aembedding(
            "vertex/text-embedding-005", "some text", transport=httpx.MockTransport(up.ahandle), **VERTEX
        )
    )
    assert result.response_cost == pytest.approx(123.456 * PER_1K)


def test_a_whole_number_written_as_a_float_is_the_same_count() -> None:
    assert embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 2000.0})).response_cost == (
        pytest.approx(2 * PER_1K)
    )


def test_zero_billable_characters_cost_nothing() -> None:
    assert embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 0})).response_cost == 0.0


@pytest.mark.parametrize("metadata", [None, {}, {"billableCharacterCount": None}, {"otherCount": 5}])
def test_without_the_count_the_cost_is_unknown_not_counted_locally(metadata: Any) -> None:
    result = embed("vertex/text-embedding-005", Vertex(metadata))
    assert result.usage.prompt_tokens == 6  # tokens are reported, but the model is not billed by them
    assert result.response_cost is None
    assert completion_cost(result) is None
    assert completion_cost(result.model_dump()) is None  # a dumped result has lost the count too


@pytest.mark.parametrize(
    "metadata",
    [
        {"billableCharacterCount": "40000"},
        {"billableCharacterCount": -5},
        {"billableCharacterCount": True},
        {"billableCharacterCount": 12.5},
        {"billableCharacterCount": [40000]},
        {"billableCharacterCount": {"value": 40000}},
        [{"billableCharacterCount": 40000}],
        "40000",
    ],
)
def test_a_malformed_count_gives_none_and_the_call_still_succeeds(metadata: Any) -> None:
    result = embed("vertex/text-embedding-005", Vertex(metadata))
    assert [d.embedding for d in result.data] == [[0.1, 0.2], [0.1, 0.2]]
    assert billing_of(result) is None  # nothing stamped from a malformed count
    assert result.response_cost is None


@pytest.mark.parametrize("characters", [-1, True, 2.5, "40000", None])
def test_a_malformed_stamped_count_is_none_too(characters: Any) -> None:
    result = embed("vertex/text-embedding-005", Vertex())
    setattr(result, BILLING, Billing("vertex", "text-embedding-005", characters=characters))
    assert completion_cost(result) is None


def test_tokens_never_price_a_per_character_model() -> None:
    assert cost_per_token("vertex/text-embedding-005", prompt_tokens=1000) is None
    assert cost_per_token("vertex/text-embedding-005", prompt_tokens=0) is None  # not "free" either
    doc = {"model": "text-embedding-005", "usage": {"prompt_tokens": 0, "total_tokens": 0}}
    assert completion_cost(doc) is None


def test_no_batch_tier_of_character_prices_is_known() -> None:
    result = embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 40_000}))
    assert completion_cost(result, service_tier="batch") is None
    assert completion_cost(result, service_tier="default") == pytest.approx(40 * PER_1K)


def test_prices_given_as_an_override_or_model_are_used() -> None:
    result = embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 10_000}))
    table = bundled_prices().with_overrides({"vertex/text-embedding-005": {"per_1k_characters": 0.5}})
    assert completion_cost(result, prices=table) == pytest.approx(5.0)
    set_default_prices(table)
    assert result.response_cost == pytest.approx(5.0)
    set_default_prices(None)
    assert completion_cost(result, model="vertex/text-multilingual-embedding-002") == pytest.approx(10 * PER_1K)


def test_a_gemini_embedding_on_vertex_stays_priced_by_tokens() -> None:
    """gemini-embedding-001 is token-billed: the character count its answer may carry changes nothing."""
    with_count = embed("vertex/gemini-embedding-001", Vertex({"billableCharacterCount": 40_000}), ["one"])
    without = embed("vertex/gemini-embedding-001", Vertex(), ["one"])
    assert with_count.response_cost == without.response_cost
    assert with_count.response_cost == completion_cost(with_count.model_dump())  # as priced before the count
    table = bundled_prices().with_overrides({"vertex/gemini-embedding-001": {"input": 0.15}})
    assert completion_cost(with_count, prices=table, provider="vertex") == pytest.approx(3 * 0.15 / 1e6)
    assert completion_cost(with_count, prices=table, provider="vertex") == completion_cost(
        without, prices=table, provider="vertex"
    )


def test_a_retried_call_and_a_cache_hit() -> None:
    up = Vertex({"billableCharacterCount": 40_000}, fail=1)
    retried = embed("vertex/text-embedding-005", up, num_retries=1)
    assert retried._hidden_params["attempts"] == 2
    assert retried.response_cost == pytest.approx(40 * PER_1K)
    cache = modelmux.Cache()
    first = embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 40_000}), cache=cache)
    again = embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 40_000}), cache=cache)
    assert first.response_cost == pytest.approx(40 * PER_1K)
    assert again._hidden_params["cache_hit"] is True and again.response_cost == 0.0


def test_callbacks_see_the_character_cost() -> None:
    seen: list[float | None] = []

    class Costs(modelmux.callbacks.Callback):
        def on_success(self, event: modelmux.callbacks.CallEvent) -> None:
            seen.append(event.cost)

    embed("vertex/text-embedding-005", Vertex({"billableCharacterCount": 40_000}), callbacks=[Costs()])
    embed("vertex/text-embedding-005", Vertex(), callbacks=[Costs()])  # no count: unknown, not token-priced
    table = bundled_prices().with_overrides({"vertex/gemini-embedding-001": {"input": 0.15}})
    set_default_prices(table)
    embed("vertex/gemini-embedding-001", Vertex({"billableCharacterCount": 9}), ["one"], callbacks=[Costs()])
    assert seen == [pytest.approx(40 * PER_1K), None, pytest.approx(3 * 0.15 / 1e6)]


# ---------------------------------------------------------------- the gateway

KEY = "sk-gw-embed-0123456789abcdef"
ENV = {"EMBED_KEY": KEY, "UPSTREAM_KEY": "express-key"}


def test_the_gateway_counts_the_character_cost_in_budgets_and_metrics() -> None:
    config = parse_config(
        {
            "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
            "models": {"embedder": {"model": "vertex/text-embedding-005", "api_key_env": "UPSTREAM_KEY"}},
            "keys": {"embed": {"key_env": "EMBED_KEY", "max_spend_per_day": 1.0, "spend_reserve": 0}},
            "metrics": {"enabled": True},
        },
        environ=ENV,
    )
    store = MemoryBudgets()
    up = Vertex({"billableCharacterCount": 4_000_000})  # $0.1 a call
    app = create_app(config, transport=httpx.MockTransport(up.ahandle), limiter=MemoryLimiter(), budget_store=store)

    async def go() -> tuple[list[httpx.Response], dict[str, float], httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        auth = {"authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
            answers = [
                await http.post("/v1/embeddings", json={"model": "embedder", "input": ["a", "b"]}, headers=auth)
                for _ in range(2)
            ]
            return answers, await store.spent("embed"), await http.get("/metrics")

    answers, spent, scrape = asyncio.run(go())
    assert [a.status_code for a in answers] == [200, 200]
    assert set(answers[0].json()) == {"object", "data", "model", "usage"}  # the count stays out of the JSON
    assert spent["day"] == pytest.approx(2 * 4000 * PER_1K)
    lines = dict(line.rsplit(" ", 1) for line in scrape.text.splitlines() if line and not line.startswith("#"))
    assert float(lines['modelmux_gateway_cost_usd_total{model="embedder"}']) == pytest.approx(2 * 4000 * PER_1K)


def test_a_router_answer_keeps_its_count() -> None:
    up = Vertex({"billableCharacterCount": 40_000})
    deployment = {"model": "vertex/text-embedding-005", "transport": httpx.MockTransport(up.handle), **VERTEX}
    router = modelmux.Router(model_list=[{"model_name": "embedder", "litellm_params": deployment}])
    assert router.embedding("embedder", ["a"]).response_cost == pytest.approx(40 * PER_1K)
