"""Unknown → None, overrides, loading a price file, the process-wide default, and the model lookup."""

import json
from pathlib import Path
from typing import Any

import pytest

import modelmux
from modelmux.cost import bundled_prices
from modelmux.types import ChatCompletion

USAGE = {"prompt_tokens": 1000, "completion_tokens": 1000}


def _reply(model: str, usage: dict[str, Any] | None = USAGE) -> ChatCompletion:
    return ChatCompletion.model_validate({"model": model, "choices": [], "usage": usage})


@pytest.mark.parametrize(
    "call",
    [
        lambda: modelmux.completion_cost(_reply("no-such-model")),
        lambda: modelmux.completion_cost(_reply("gpt-4o", None)),
        lambda: modelmux.completion_cost(_reply("gpt-4o-2024-05-13")),  # an older snapshot priced differently
        lambda: modelmux.completion_cost(_reply("mock/demo")),
        lambda: modelmux.completion_cost("not a response"),
        lambda: modelmux.completion_cost(object()),
        lambda: modelmux.completion_cost(model=""),
        lambda: modelmux.completion_cost({"model": "gpt-4o", "usage": "garbage"}),
        lambda: modelmux.cost_per_token("no-such-model", 10, 10),
        lambda: modelmux.cost_per_token("gpt-4o", 10, 0, cached_tokens=11),
        lambda: modelmux.cost_per_token("gpt-4o", 10, 0, cache_creation_tokens=5),  # OpenAI has no write price
        lambda: modelmux.cost_per_token("gpt-4o", 10, 10, service_tier="batch-of-the-day"),
        lambda: modelmux.cost_per_token(
            "gpt-4o", usage={"prompt_tokens": 1, "server_tool_use": {"web_search_requests": 1}}
        ),
        lambda: modelmux.completion_cost([]),
        lambda: modelmux.cost_per_token(None, 10, 10),  # type: ignore[arg-type]
        lambda: modelmux.completion_cost({"model": 42, "usage": {"prompt_tokens": 1}}),
    ],
)
def test_unknown_is_none_never_an_exception(call: Any) -> None:
    assert call() is None


def test_response_cost_is_not_part_of_the_json() -> None:
    reply = _reply("gpt-4o")
    assert reply.response_cost == pytest.approx(0.0125)
    assert "response_cost" not in reply.model_dump() and "response_cost" not in reply.model_dump_json()


def test_dated_snapshots_and_bedrock_profiles_resolve() -> None:
    assert modelmux.completion_cost(_reply("gpt-4o-mini-2024-07-18")) == pytest.approx(0.00075)
    for model in ("anthropic.claude-haiku-4-5-20251001-v1:0", "global.anthropic.claude-haiku-4-5-20251001-v1:0"):
        assert modelmux.completion_cost(_reply(model), provider="bedrock") == pytest.approx(0.006)
    assert modelmux.completion_cost(_reply("bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0")) == 0.006
    # A geo profile (us., eu., ...) of a Claude 4.5 model costs 10% more than the Global one.
    for model in ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"):
        assert modelmux.completion_cost(_reply(model), provider="bedrock") == pytest.approx(0.0066)


def test_the_provider_decides_where_it_differs() -> None:
    reply = _reply("gpt-4o")
    assert reply.response_cost == pytest.approx(0.0125)  # a bare id is priced as its catalog provider
    # Azure's own entry: Global Standard lists gpt-4o at OpenAI's $2.50 / $10 (cached $1.25) ...
    assert modelmux.completion_cost(reply, provider="azure") == pytest.approx(0.0125)
    cached = _reply("gpt-4o", {**USAGE, "prompt_tokens_details": {"cached_tokens": 400}})
    expected = (600 * 2.5 + 400 * 1.25 + 1000 * 10) / 1e6
    assert (
        modelmux.completion_cost(cached)
        == modelmux.completion_cost(cached, provider="azure")
        == pytest.approx(expected)
    )
    # ... but OpenAI's flex tier is OpenAI's own: Azure publishes none, so an Azure flex answer costs None.
    flex = _reply("o4-mini")
    assert modelmux.completion_cost(flex, service_tier="flex") == pytest.approx((1.1 + 4.4) / 1000 / 2)
    assert modelmux.completion_cost(flex, service_tier="flex", provider="azure") is None


def test_overrides_merge_over_an_entry_and_add_new_ones() -> None:
    prices = modelmux.default_prices().with_overrides(
        {
            "openai/gpt-4o": {"output": 20},
            "openai/my-finetune": {"input": 1, "output": 2, "per_request": 0.005},
        }
    )
    assert modelmux.cost_per_token("gpt-4o", 1000, 1000, prices=prices) == pytest.approx((0.0025, 0.02))
    assert modelmux.cost_per_token("openai/my-finetune", 1000, 1000, prices=prices) == pytest.approx((0.006, 0.002))
    # The default itself did not change.
    assert modelmux.cost_per_token("gpt-4o", 1000, 1000) == pytest.approx((0.0025, 0.01))
    with pytest.raises(ValueError):
        modelmux.default_prices().with_overrides({"gpt-4o": {"input": 1}})
    with pytest.raises(ValueError):
        modelmux.default_prices().with_overrides({"openai/gpt-4o": {"input": -1}})


def test_load_a_price_file_and_make_it_the_default(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    doc = {
        "updated": "2027-01-01",
        "models": {"openai/gpt-4o": {"source": "https://example.test/p", "input": 1, "output": 4, "aliases": ["x"]}},
    }
    path.write_text(json.dumps(doc))
    loaded = modelmux.load_prices(path)
    assert loaded.updated == "2027-01-01" and len(loaded) == 1
    reply = _reply("gpt-4o")
    assert modelmux.completion_cost(reply, prices=loaded) == pytest.approx(0.005)
    assert reply.response_cost == pytest.approx(0.0125)  # the default is untouched until set explicitly
    modelmux.set_default_prices(loaded)
    assert reply.response_cost == pytest.approx(0.005)
    assert modelmux.completion_cost(_reply("claude-haiku-4-5")) is None  # only what the file prices
    modelmux.set_default_prices(None)
    assert modelmux.default_prices() is bundled_prices()


@pytest.mark.parametrize(
    "doc",
    [
        {"models": {}},
        {"updated": "2027-01-01"},
        {"updated": "2027-01-01", "models": {"openai/x": {"input": 1}}},
        {"updated": "2027-01-01", "models": {"x": {"source": "s", "input": 1}}},
        {"updated": "2027-01-01", "models": {"openai/x": {"source": "s", "input": "1"}}},
        {"updated": "2027-01-01", "models": {"openai/x": {"source": "s", "long_context": {"input": 2}}}},
        {"updated": "2027-01-01", "models": {"openai/x": {"source": "s", "cached_input": 1}}},  # a typo
        {
            "updated": "2027-01-01",
            "models": {"openai/x": {"source": "s", "tiers": {"flex": {"multiplier": 0.5, "x": 1}}}},
        },
    ],
)
def test_a_malformed_price_file_is_refused_at_load(doc: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        modelmux.load_prices(doc)


def test_set_default_prices_takes_only_prices() -> None:
    with pytest.raises(TypeError):
        modelmux.set_default_prices({"models": {}})  # type: ignore[arg-type]
