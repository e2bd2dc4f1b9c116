"""Vertex AI's Gemini 3.x and Claude 4.6+ entries of late 2026, by hand from the rates ``prices.json`` states.

Vertex (global endpoint, standard on-demand tier, a dated 2026-06-10 reading of Google's pricing page): Gemini 3.5
Flash $1.50 / $9, cached $0.15; Gemini 3.1 Pro Preview $2 / $12, cached $0.20, above 200K prompt tokens $4 / $18,
cached $0.40; Gemini 3.1 Flash-Lite $0.25 / $1.50, cached $0.025; batch 50%. Claude on Vertex at the Claude API's
prices (Anthropic: global endpoints of other providers cost the same): Opus 4.6-4.8 $5 / $25, reads $0.50, writes
$6.25 / $10; Sonnet 4.6 $3 / $15; Fable 5 $10 / $50, reads $1. Models without a dated Vertex or Azure price cost None.
"""

from __future__ import annotations

import pytest

from modelmux.cost import bundled_prices, cost_per_token
from modelmux.cost.find_price import find_price

VERTEX_PAGE = "https://cloud.google.com/vertex-ai/generative-ai/pricing"


def test_gemini_3_5_flash_on_vertex_plain_and_cached() -> None:
    assert cost_per_token("vertex/gemini-3.5-flash", 10_000, 1_000) == pytest.approx((0.015, 0.009))
    # 10,000 prompt tokens of which 4,000 were cache reads: 6,000 x $1.50 + 4,000 x $0.15.
    cached = cost_per_token("vertex/gemini-3.5-flash", 10_000, 1_000, cached_tokens=4_000)
    assert cached == pytest.approx(((6_000 * 1.5 + 4_000 * 0.15) / 1e6, 0.009))
    assert cached == pytest.approx((0.0096, 0.009))


def test_gemini_3_5_flash_native_usage_bills_thoughts_as_output() -> None:
    usage = {"promptTokenCount": 2_000, "candidatesTokenCount": 100, "thoughtsTokenCount": 900}
    assert cost_per_token("gemini-3.5-flash", usage=usage, provider="vertex") == pytest.approx((0.003, 0.009))


def test_gemini_3_1_pro_preview_on_vertex_up_to_and_above_200k() -> None:
    at_threshold = cost_per_token("vertex/gemini-3.1-pro-preview", 200_000, 1_000, cached_tokens=50_000)
    assert at_threshold == pytest.approx(((150_000 * 2 + 50_000 * 0.2) / 1e6, 1_000 * 12 / 1e6))
    # 250,000 prompt tokens, 50,000 cached: the whole request at the long-context rates.
    above = cost_per_token("vertex/gemini-3.1-pro-preview", 250_000, 1_000, cached_tokens=50_000)
    assert above == pytest.approx(((200_000 * 4 + 50_000 * 0.4) / 1e6, 1_000 * 18 / 1e6))
    assert sum(above or ()) == pytest.approx(0.838)


def test_gemini_3_1_flash_lite_on_vertex_and_its_batch_rate() -> None:
    assert cost_per_token("vertex/gemini-3.1-flash-lite", 100_000, 10_000) == pytest.approx((0.025, 0.015))
    batch = cost_per_token("vertex/gemini-3.1-flash-lite", 100_000, 10_000, service_tier="batch")
    assert batch == pytest.approx((0.0125, 0.0075))


def test_vertex_entries_are_vertex_s_not_the_gemini_api_s() -> None:
    for model in ("gemini-3.5-flash", "google/gemini-3.5-flash", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite"):
        entry = find_price(bundled_prices(), model, "vertex")
        assert entry is not None and entry.source == VERTEX_PAGE, model


def test_claude_opus_4_6_on_vertex_with_cache_reads_and_writes() -> None:
    # Anthropic's usage: 1,000 uncached in, 2,000 written (1,500 for 5 min, 500 for 1 h), 3,000 read, 400 out.
    usage = {
        "input_tokens": 1_000,
        "cache_creation_input_tokens": 2_000,
        "cache_read_input_tokens": 3_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1_500, "ephemeral_1h_input_tokens": 500},
        "output_tokens": 400,
    }
    prompt = (1_000 * 5 + 1_500 * 6.25 + 500 * 10 + 3_000 * 0.5) / 1e6
    for model in ("vertex/claude-opus-4-6", "vertex/anthropic/claude-opus-4-6"):
        assert cost_per_token(model, usage=usage) == pytest.approx((prompt, 400 * 25 / 1e6)), model
    assert prompt == pytest.approx(0.020875)


def test_claude_on_vertex_has_no_us_only_multiplier_and_takes_batch() -> None:
    # Anthropic's first party bills inference_geo "us" at 1.1x; Vertex has no such parameter (its regional endpoints
    # cost 10% more, which the answer does not say): the Vertex entry prices the global endpoint.
    usage = {"input_tokens": 10_000, "output_tokens": 1_000, "inference_geo": "us"}
    assert cost_per_token("vertex/claude-sonnet-4-6", usage=usage) == pytest.approx((0.03, 0.015))
    assert cost_per_token("anthropic/claude-sonnet-4-6", usage=usage) == pytest.approx((0.033, 0.0165))
    batch = cost_per_token("vertex/claude-opus-4-8", 10_000, 1_000, service_tier="batch")
    assert batch == pytest.approx((0.025, 0.0125))


def test_claude_fable_5_on_vertex_reads_cost_a_tenth_of_input() -> None:
    cost = cost_per_token("vertex/claude-fable-5", 10_000, 1_000, cached_tokens=8_000)
    assert cost == pytest.approx(((2_000 * 10 + 8_000 * 1) / 1e6, 0.05))


@pytest.mark.parametrize(
    "model",
    [
        "vertex/gemini-3.8-flash",
        "vertex/gemini-3.7-flash",
        "vertex/gemini-3.5-flash-lite",
        "vertex/claude-opus-5-5",
        "azure/gpt-5.6-sol",
        "azure/gpt-6-luna",
        "azure/gpt-5.5",
    ],
)
def test_cloud_models_without_a_dated_cloud_price_cost_none(model: str) -> None:
    # Not the first party's price: a cloud's rates (promotions, long-context bands) are its own page's.
    assert cost_per_token(model, 1_000, 100) is None
