"""Cohere's current models cost what cohere.com/pricing says (stored copy scraped 2026-10-06), computed by hand:
chat on ``usage.billed_units`` (https://docs.cohere.com/docs/how-does-cohere-pricing-work), embeddings on the
billed input tokens, rerank on ``meta.billed_units.search_units`` (one query with up to 100 documents each).

Rates: Embed 5 Pro $0.12 and Fast $0.08 per 1M tokens; Rerank 4 Fast $2 and Pro $2.50 per 1K searches; Aya Expanse
32B $0.50 in / $1.50 out per 1M (the FAQ); Command A+ and North Mini Code "Free" ("API key" $0)."""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

import httpx
import pytest

import modelmux
from modelmux import completion_cost
from modelmux._registry import get_provider
from modelmux.cost import bundled_prices
from modelmux.providers._base import CallContext
from modelmux.types import ChatCompletion

KEY = "test-key-cohere-cost"


def _entries() -> dict[str, Any]:
    doc = json.loads(resources.files("modelmux").joinpath("data/prices.json").read_text("utf-8"))
    models: dict[str, Any] = doc["models"]
    return models


def _chat(model: str, billed_in: int, billed_out: int) -> ChatCompletion:
    """A ``/v2/chat`` answer whose processed ``tokens`` exceed its ``billed_units`` (Cohere's prompt template)."""
    body = {
        "id": "c1",
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
        "usage": {
            "billed_units": {"input_tokens": billed_in, "output_tokens": billed_out},
            "tokens": {"input_tokens": billed_in + 250, "output_tokens": billed_out + 10},
        },
    }
    ctx = CallContext("cohere", model, api_base="https://api.cohere.com")
    return get_provider("cohere").parse_chat_response(json.dumps(body).encode(), ctx)


def test_aya_expanse_32b_is_billed_on_billed_units_at_the_faq_rate() -> None:
    reply = _chat("c4ai-aya-expanse-32b", 1_000, 200)
    assert completion_cost(reply) == pytest.approx(1_000 * 0.50e-6 + 200 * 1.50e-6)  # 0.0008
    assert completion_cost(reply) == pytest.approx(0.0008)


@pytest.mark.parametrize("model", ["command-a-plus-05-2026", "north-mini-code-1-0"])
def test_free_models_cost_zero_not_unknown(model: str) -> None:
    cost = completion_cost(_chat(model, 50_000, 4_000))
    assert cost is not None and cost == 0.0
    entry = bundled_prices().get(f"cohere/{model}")
    assert entry is not None and (entry.rates.input, entry.rates.output) == (0.0, 0.0)
    assert _entries()[f"cohere/{model}"]["note"].startswith("Free on the API")


@pytest.mark.parametrize("model", ["command-a-translate-08-2025", "north-small-translate-1-0", "tiny-aya-global"])
def test_models_the_page_does_not_price_cost_none(model: str) -> None:
    assert completion_cost(_chat(model, 1_000, 200)) is None


class Upstream:
    """Cohere's ``/v2/embed`` and ``/v2/rerank`` as the API reference shows the answers."""

    def __init__(self, billed_tokens: int) -> None:
        self.billed_tokens = billed_tokens

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/embed"):
            vectors = [[0.1, 0.2] for _ in body["texts"]]
            meta = {"billed_units": {"input_tokens": self.billed_tokens}}
            return httpx.Response(200, json={"id": "e", "embeddings": {"float": vectors}, "meta": meta})
        documents = body["documents"]
        meta = {"billed_units": {"search_units": math.ceil(len(documents) / 100)}}  # short documents
        results = [{"index": i, "relevance_score": 1 / (i + 1)} for i in range(len(documents))]
        return httpx.Response(200, json={"id": "r", "results": results, "meta": meta})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@pytest.mark.parametrize(("model", "rate"), [("embed-v5.0-pro", 0.12), ("embed-v5.0-fast", 0.08)])
def test_embed_5_is_billed_on_the_billed_input_tokens(model: str, rate: float) -> None:
    result = modelmux.embedding(model, ["a", "b", "c"], api_key=KEY, transport=Upstream(12_345).transport())
    assert result.usage.prompt_tokens == 12_345
    assert result.response_cost == pytest.approx(12_345 * rate / 1e6)
    assert completion_cost(result) == pytest.approx(12_345 * rate / 1e6)


def test_embed_5_by_hand() -> None:
    # 1M billed tokens on Pro cost the card's $0.12; 250,000 on Fast a quarter of $0.08
    pro = modelmux.embedding("cohere/embed-v5.0-pro", "x", api_key=KEY, transport=Upstream(1_000_000).transport())
    fast = modelmux.embedding("embed-v5.0-fast", "x", api_key=KEY, transport=Upstream(250_000).transport())
    assert (pro.response_cost, fast.response_cost) == (pytest.approx(0.12), pytest.approx(0.02))


@pytest.mark.parametrize(("model", "per_1k"), [("rerank-v4.0-fast", 2.0), ("rerank-v4.0-pro", 2.5)])
@pytest.mark.parametrize(("documents", "units"), [(3, 1), (100, 1), (250, 3)])
def test_rerank_4_is_billed_per_search_unit(model: str, per_1k: float, documents: int, units: int) -> None:
    docs: list[Any] = [f"doc {i}" for i in range(documents)]
    ranked = modelmux.rerank(model, "q", docs, api_key=KEY, transport=Upstream(0).transport())
    assert ranked.meta is not None and ranked.meta["billed_units"]["search_units"] == units
    assert ranked.response_cost == pytest.approx(units * per_1k / 1000)
    assert completion_cost(ranked) == pytest.approx(units * per_1k / 1000)


def test_rerank_4_by_hand() -> None:
    # 250 documents are 3 search units: Fast $0.006, Pro $0.0075
    docs: list[Any] = [f"doc {i}" for i in range(250)]
    fast = modelmux.rerank("rerank-v4.0-fast", "q", docs, api_key=KEY, transport=Upstream(0).transport())
    pro = modelmux.rerank("cohere/rerank-v4.0-pro", "q", docs, api_key=KEY, transport=Upstream(0).transport())
    assert (fast.response_cost, pro.response_cost) == (pytest.approx(0.006), pytest.approx(0.0075))


def test_every_new_entry_cites_the_pricing_page_and_the_dated_copy() -> None:
    models = _entries()
    new = [
        "command-a-plus-05-2026", "north-mini-code-1-0", "c4ai-aya-expanse-32b", "embed-v5.0-pro", "embed-v5.0-fast",
        "rerank-v4.0-fast", "rerank-v4.0-pro",
    ]  # fmt: skip
    for name in new:
        entry = models[f"cohere/{name}"]
        assert entry["source"] == "https://cohere.com/pricing", name
        assert "2026-10-06" in entry["note"] and "cohere_pricing.html" in entry["note"], name
    keys = list(models)
    cohere_keys = [k for k in keys if k.startswith("cohere/")]
    assert keys[keys.index(cohere_keys[0]) : keys.index(cohere_keys[-1]) + 1] == cohere_keys  # kept together
