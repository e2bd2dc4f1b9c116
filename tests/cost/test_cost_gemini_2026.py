"""The late-2026 Gemini API entries cost what Google's pricing page says, worked out by hand (USD per 1M tokens).

ai.google.dev/gemini-api/docs/pricing as read in the dated copies named in each entry's note: 3.8 / 3.7 / 3.6 Flash
$0.75 in, $0.075 cached, $3.75 out through 2026-12-31 (promotional; $1.50 / $0.15 / $7.50 from 2027-01-01);
3.5 Flash $1.50 / $0.15 / $9; 3.5 Flash-Lite $0.30 / $0.03 / $2.50 (one rate for every input modality);
3.1 Flash-Lite $0.25 text, $0.50 audio, cached $0.025 / $0.05, $1.50 out; 3.1 Pro Preview $2 / $0.20 / $12 up to
200k prompt tokens, $4 / $0.40 / $18 above; Gemini Embedding 2 $0.20; batch (and Flex for 3.8 Flash) half.
"""

from __future__ import annotations

from typing import Any

import pytest

import modelmux
from modelmux.providers.gemini.convert_usage import convert_usage as gemini_usage
from modelmux.types import ChatCompletion


def _pair(costs: tuple[float, float] | None) -> tuple[float, float]:
    assert costs is not None
    return costs


@pytest.mark.parametrize(
    ("model", "rates"),
    [
        ("gemini-3.8-flash", (0.75, 3.75)),
        ("gemini-3.7-flash", (0.75, 3.75)),
        ("gemini-3.6-flash", (0.75, 3.75)),
        ("gemini-3.5-flash", (1.5, 9)),
        ("gemini-3.5-flash-lite", (0.3, 2.5)),
        ("gemini-3.1-flash-lite", (0.25, 1.5)),
        ("gemini-3.1-pro-preview", (2, 12)),
    ],
)
def test_plain_call(model: str, rates: tuple[float, float]) -> None:
    # 10,000 prompt and 2,000 completion tokens
    expected = (10_000 * rates[0] / 1e6, 2_000 * rates[1] / 1e6)
    assert _pair(modelmux.cost_per_token(model, 10_000, 2_000)) == pytest.approx(expected)
    assert _pair(modelmux.cost_per_token(f"gemini/{model}", 10_000, 2_000)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 2,000 uncached * 0.75 + 8,000 cached * 0.075 = 2100 → $0.0021; 500 * 3.75 → $0.001875
        ("gemini-3.8-flash", (0.0021, 0.001875)),
        # 2,000 * 1.50 + 8,000 * 0.15 = 4200 → $0.0042; 500 * 9 → $0.0045
        ("gemini-3.5-flash", (0.0042, 0.0045)),
        # 2,000 * 0.30 + 8,000 * 0.03 = 840 → $0.00084; 500 * 2.50 → $0.00125
        ("gemini-3.5-flash-lite", (0.00084, 0.00125)),
        # 2,000 * 2 + 8,000 * 0.20 = 5600 → $0.0056; 500 * 12 → $0.006
        ("gemini-3.1-pro-preview", (0.0056, 0.006)),
    ],
)
def test_cached_input_through_gemini_usage_metadata(model: str, expected: tuple[float, float]) -> None:
    native = {"promptTokenCount": 10_000, "cachedContentTokenCount": 8_000, "candidatesTokenCount": 500}
    assert _pair(modelmux.cost_per_token(model, usage=gemini_usage(native))) == pytest.approx(expected)


def test_thinking_tokens_bill_at_the_output_rate() -> None:
    # The recorded llm-gemini answer to gemini-flash-latest (modelVersion gemini-3.6-flash, August 2026):
    # 11 prompt, 2 candidate and 291 thought tokens → 11 * 0.75 and (2 + 291) * 3.75 per 1M.
    usage = gemini_usage({"promptTokenCount": 11, "candidatesTokenCount": 2, "thoughtsTokenCount": 291})
    reply = ChatCompletion.model_validate({"model": "gemini-3.6-flash", "choices": [], "usage": usage})
    assert modelmux.completion_cost(reply) == pytest.approx((11 * 0.75 + 293 * 3.75) / 1e6)


def test_3_1_pro_long_context_bills_the_whole_request_at_the_higher_rates() -> None:
    native = {"promptTokenCount": 250_000, "cachedContentTokenCount": 50_000, "candidatesTokenCount": 1_000}
    # over 200k: 200,000 * 4 + 50,000 * 0.40 = 820,000 → $0.82; 1,000 * 18 → $0.018
    assert _pair(modelmux.cost_per_token("gemini-3.1-pro-preview", usage=gemini_usage(native))) == pytest.approx(
        (0.82, 0.018)
    )
    # exactly 200k is still the base tier: 200,000 * 2 → $0.40; 1,000 * 12 → $0.012
    assert _pair(modelmux.cost_per_token("gemini-3.1-pro-preview", 200_000, 1_000)) == pytest.approx((0.4, 0.012))


def test_flash_models_have_no_long_context_tier() -> None:
    # 500,000 * 0.75 → $0.375: the same rate as a short prompt
    assert _pair(modelmux.cost_per_token("gemini-3.8-flash", 500_000, 0)) == pytest.approx((0.375, 0.0))


def test_audio_input_rates() -> None:
    native: dict[str, Any] = {
        "promptTokenCount": 3_000,
        "candidatesTokenCount": 100,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1_000}, {"modality": "AUDIO", "tokenCount": 2_000}],
    }
    # 3.1 Flash-Lite: 1,000 * 0.25 + 2,000 * 0.50 = 1250 → $0.00125; 100 * 1.50 → $0.00015
    assert _pair(modelmux.cost_per_token("gemini-3.1-flash-lite", usage=gemini_usage(native))) == pytest.approx(
        (0.00125, 0.00015)
    )
    # 3.8 Flash: one input rate for every modality, 3,000 * 0.75 → $0.00225; 100 * 3.75 → $0.000375
    assert _pair(modelmux.cost_per_token("gemini-3.8-flash", usage=gemini_usage(native))) == pytest.approx(
        (0.00225, 0.000375)
    )


def test_batch_is_half_and_flex_is_priced_for_3_8_flash_only() -> None:
    # batch: 10,000 * 0.375 → $0.00375; 2,000 * 1.875 → $0.00375 (the page's 0.375 / 1.875)
    batch = modelmux.cost_per_token("gemini-3.8-flash", 10_000, 2_000, service_tier="batch")
    assert _pair(batch) == pytest.approx((0.00375, 0.00375))
    flex = modelmux.cost_per_token("gemini-3.8-flash", 10_000, 2_000, service_tier="flex")
    assert _pair(flex) == pytest.approx((0.00375, 0.00375))
    assert modelmux.cost_per_token("gemini-3.5-flash", 10_000, 2_000, service_tier="flex") is None


def test_customtools_endpoint_is_priced_as_3_1_pro_preview() -> None:
    got = modelmux.cost_per_token("gemini-3.1-pro-preview-customtools", 1_000, 1_000, provider="gemini")
    assert _pair(got) == pytest.approx((0.002, 0.012))


def test_gemini_embedding_2() -> None:
    # 1,000,000 * 0.20 → $0.20
    assert _pair(modelmux.cost_per_token("gemini-embedding-2", 1_000_000)) == pytest.approx((0.2, 0.0))
