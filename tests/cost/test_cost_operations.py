"""Pricing image, transcription, moderation and rerank results: hand-computed figures for each unit kind, and
``None`` (never an estimate) whenever what is billed is not known."""

from __future__ import annotations

from typing import Any

import pytest

from modelmux import completion_cost
from modelmux.cost import bundled_prices, load_prices, set_default_prices
from modelmux.cost.billing import BILLING, Billing, billing_of, stamp_billing
from modelmux.types import ImagesResponse, ModerationResponse, TranscriptionResponse
from modelmux.types_rerank import RerankResponse

SOURCE = "https://example.com/pricing"


def images(count: int, **extra: Any) -> ImagesResponse:
    return ImagesResponse.model_validate(
        {"created": 1, "data": [{"url": f"https://x/{i}.png"} for i in range(count)]} | extra
    )


def stamped(result: Any, model: str, **params: Any) -> Any:
    provider, _, name = model.partition("/")
    return stamp_billing(result, provider, name, params)


# ---------------------------------------------------------------- images


def test_two_dalle3_hd_portrait_images() -> None:
    result = stamped(images(2), "openai/dall-e-3", size="1024x1792", quality="hd", n=2)
    assert result.response_cost == pytest.approx(2 * 0.12)
    assert completion_cost(result) == pytest.approx(0.24)


@pytest.mark.parametrize(
    ("model", "params", "count", "expected"),
    [
        ("openai/dall-e-3", {}, 1, 0.04),  # the provider's defaults: standard, 1024x1024
        ("openai/dall-e-3", {"size": "1792x1024"}, 1, 0.08),
        ("openai/dall-e-3", {"quality": "hd"}, 1, 0.08),
        ("openai/dall-e-2", {"size": "256x256", "n": 3}, 3, 3 * 0.016),
        ("openai/dall-e-2", {"size": "512x512"}, 1, 0.018),
        ("openai/dall-e-2", {}, 2, 2 * 0.02),
        ("azure/dall-e-3", {"quality": "hd", "size": "1024x1792", "n": 2}, 2, 2 * 0.12),  # Azure: $12 per 100
        ("azure/dall-e-3", {}, 1, 0.04),  # Azure: $4 per 100 standard 1024x1024
    ],
)
def test_images_are_priced_by_quality_size_and_count(
    model: str, params: dict[str, Any], count: int, expected: float
) -> None:
    assert stamped(images(count), model, **params).response_cost == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("openai/dall-e-3", {"quality": "auto"}),  # which quality "auto" picks is not known
        ("openai/dall-e-3", {"size": "auto"}),
        ("openai/dall-e-3", {"size": "256x256"}),  # not a DALL-E 3 size
        ("openai/dall-e-2", {"quality": "hd"}),  # DALL-E 2 has one quality
        ("openai/dall-e-4", {}),  # no price
        ("mock/any", {}),
    ],
)
def test_an_image_of_unknown_price_is_none(model: str, params: dict[str, Any]) -> None:
    assert stamped(images(1), model, **params).response_cost is None


def test_the_images_returned_count_when_n_was_left_to_the_default() -> None:
    assert stamped(images(3), "openai/dall-e-2", size="256x256").response_cost == pytest.approx(3 * 0.016)
    empty = stamped(ImagesResponse(created=1), "openai/dall-e-2", n=2)
    assert empty.response_cost == pytest.approx(2 * 0.02)  # no data echoed (e.g. a redacted answer): the n asked
    assert stamped(ImagesResponse(created=1), "openai/dall-e-2").response_cost is None  # nothing says how many


def test_an_unstamped_result_is_priced_with_model_and_settings_given() -> None:
    bare = images(1)
    assert bare.response_cost is None and billing_of(bare) is None  # OpenAI's answer names no model
    assert completion_cost(bare, model="dall-e-3", quality="hd", size="1792x1024") == pytest.approx(0.12)
    assert completion_cost(bare, model="openai/dall-e-3", n=4) == pytest.approx(4 * 0.04)
    over = stamped(images(1), "openai/dall-e-3", quality="hd")
    assert completion_cost(over, quality="standard") == pytest.approx(0.04)  # an argument overrides the stamp


def test_gpt_image_usage_tokens() -> None:
    usage = {
        "input_tokens": 50,
        "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
        "output_tokens": 4160,
        "total_tokens": 4210,
    }
    result = stamped(images(1, usage=usage, size="1024x1024", quality="high"), "openai/gpt-image-1")
    # text in 10 x $5, image in 40 x $10, image out 4,160 x $40 (per 1M)
    assert result.response_cost == pytest.approx((10 * 5 + 40 * 10 + 4160 * 40) / 1e6)
    mini = stamped(images(1, usage=usage), "openai/gpt-image-1-mini")
    assert mini.response_cost == pytest.approx((10 * 2 + 40 * 2.5 + 4160 * 8) / 1e6)


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": 50, "output_tokens": 10},  # input not split into text and image
        {"input_tokens": 50, "input_tokens_details": {"text_tokens": 10, "image_tokens": 30}, "output_tokens": 1},
        {"input_tokens": 5, "input_tokens_details": {"text_tokens": 5, "cached_tokens": 5}, "output_tokens": 1},
        {"input_tokens": 5, "input_tokens_details": {"text_tokens": 5}, "output_tokens": -1},
        {"input_tokens": 5, "input_tokens_details": {"text_tokens": 5}, "output_tokens": 9,
         "output_tokens_details": {"image_tokens": 5, "text_tokens": 4}},  # text output has no published price
    ],
)  # fmt: skip
def test_gpt_image_usage_that_cannot_be_priced_is_none(usage: dict[str, Any]) -> None:
    assert stamped(images(1, usage=usage), "openai/gpt-image-1").response_cost is None


# ---------------------------------------------------------------- transcriptions


def transcript(**extra: Any) -> TranscriptionResponse:
    return TranscriptionResponse.model_validate({"text": "hello"} | extra)


def test_whisper_90_seconds() -> None:
    # $0.006 per minute: 90 s = 1.5 min = $0.009
    by_usage = stamped(transcript(usage={"type": "duration", "seconds": 90}), "openai/whisper-1")
    assert by_usage.response_cost == pytest.approx(0.009)
    verbose = stamped(transcript(duration=90.0, language="english", segments=[]), "openai/whisper-1")
    assert verbose.response_cost == pytest.approx(0.009)
    on_azure = stamped(transcript(usage={"type": "duration", "seconds": 600}), "azure/whisper")
    assert on_azure.response_cost == pytest.approx(0.06)  # Azure: $0.36 per hour of audio


def test_a_transcription_whose_length_is_unknown_is_none() -> None:
    assert stamped(transcript(), "openai/whisper-1").response_cost is None  # json format, no usage: never guessed
    tokens = {"type": "tokens", "input_tokens": 10, "input_token_details": {"audio_tokens": 10}, "output_tokens": 3}
    assert stamped(transcript(usage=tokens), "openai/whisper-1").response_cost is None  # priced per minute only
    assert stamped(transcript(duration=-1.0), "openai/whisper-1").response_cost is None
    assert stamped(transcript(usage={"type": "duration", "seconds": 9}), "openai/whisper-9").response_cost is None


def test_token_priced_transcriptions() -> None:
    prices = load_prices(
        {"updated": "2026-12-02", "models": {"openai/gpt-4o-transcribe": {"source": SOURCE, "input": 2.5,
                                                                            "input_audio": 6, "output": 10}}}
    )  # fmt: skip
    usage = {
        "type": "tokens",
        "input_tokens": 1020,
        "input_token_details": {"text_tokens": 20, "audio_tokens": 1000},
        "output_tokens": 200,
        "total_tokens": 1220,
    }
    result = stamped(transcript(usage=usage), "openai/gpt-4o-transcribe")
    assert completion_cost(result, prices=prices) == pytest.approx((20 * 2.5 + 1000 * 6 + 200 * 10) / 1e6)
    assert completion_cost(stamped(transcript(duration=60.0), "openai/gpt-4o-transcribe"), prices=prices) is None
    # the bundled rates are the pricing page's: text $2.50 in / $10 out, audio $6 in per 1M (mini: 1.25 / 5 / 3)
    assert result.response_cost == pytest.approx((20 * 2.5 + 1000 * 6 + 200 * 10) / 1e6)
    mini = stamped(transcript(usage=usage), "openai/gpt-4o-mini-transcribe")
    assert mini.response_cost == pytest.approx((20 * 1.25 + 1000 * 3 + 200 * 5) / 1e6)


# ---------------------------------------------------------------- moderation and rerank


def moderation(model: str = "omni-moderation-latest") -> ModerationResponse:
    result = {"flagged": False, "categories": {}, "category_scores": {}}
    return ModerationResponse.model_validate({"id": "modr-1", "model": model, "results": [result]})


def test_moderation_is_free() -> None:
    assert stamped(moderation(), "openai/omni-moderation-latest").response_cost == 0.0
    assert moderation("omni-moderation-2024-09-26").response_cost == 0.0  # the answer's own (dated) model name
    assert moderation("text-moderation-007").response_cost == 0.0
    assert moderation("omni-moderation-2099-01-01").response_cost is None


def reranked(search_units: Any = None) -> RerankResponse:
    meta = None if search_units is None else {"billed_units": {"search_units": search_units}}
    return RerankResponse.model_validate({"id": "r", "results": [{"index": 0, "relevance_score": 0.5}], "meta": meta})


def test_rerank_search_units() -> None:
    set_default_prices(bundled_prices().with_overrides({"cohere/rerank-v3.5": {"per_1k_search_units": 2.0}}))
    # Cohere counts one search unit per query with up to 100 documents: 250 documents bill 3
    assert stamped(reranked(3), "cohere/rerank-v3.5").response_cost == pytest.approx(3 * 2.0 / 1000)
    assert stamped(reranked(3.0), "cohere/rerank-v3.5").response_cost == pytest.approx(0.006)
    assert stamped(reranked(), "cohere/rerank-v3.5").response_cost is None  # units not reported: not counted
    assert stamped(reranked(-1), "cohere/rerank-v3.5").response_cost is None
    assert stamped(reranked(True), "cohere/rerank-v3.5").response_cost is None
    assert reranked(3).response_cost is None  # the answer names no model
    assert completion_cost(reranked(3), model="cohere/rerank-v3.5") == pytest.approx(0.006)


def test_rerank_is_unpriced_in_the_bundled_file() -> None:
    assert stamped(reranked(1), "cohere/rerank-v3.5").response_cost is None


# ---------------------------------------------------------------- what every kind shares


def test_a_cache_hit_costs_nothing_and_a_non_standard_tier_is_unknown() -> None:
    hit = stamped(images(1), "openai/dall-e-3")
    hit._hidden_params = {"cache_hit": True}
    assert hit.response_cost == 0.0
    assert completion_cost(stamped(images(1), "openai/dall-e-3"), service_tier="flex") is None
    assert completion_cost(stamped(images(1), "openai/dall-e-3"), service_tier="default") == pytest.approx(0.04)


def test_the_stamp_is_private_and_survives_a_copy() -> None:
    result = stamped(images(1), "openai/dall-e-3", size="1024x1024", quality="hd", n=1)
    assert BILLING not in result.model_dump() and "_billing" not in result.model_dump_json()
    assert billing_of(result) == Billing("openai", "dall-e-3", "1024x1024", "hd", 1)
    assert billing_of(result.model_copy()) == billing_of(result)
    assert stamp_billing("plain text", "openai", "whisper-1") == "plain text"  # a text answer carries nothing
    odd = stamped(images(1), "openai/dall-e-3", size=1024, quality=["hd"], n=True)  # not the billed settings
    assert billing_of(odd) == Billing("openai", "dall-e-3")
