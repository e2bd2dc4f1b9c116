"""Mistral's current models (October 2026) cost what their docs.mistral.ai model pages say, computed by hand.

Rates (USD per 1M tokens; the pages' sources in mistralai/platform-docs-public, ``src/schema/models/models``):
Mistral Large 4 $0.68 in / $0.07 cached / $2.09 out (its public-preview sale; list $1.36 / $0.14 / $4.18), Z.ai
GLM 5.3 $1.4 / $0.14 / $4.4, Codestral Embed $0.15; Voxtral Mini Transcribe 2 $0.003 per minute of audio; Mistral
Moderation 2 free. Uncached input is ``prompt_tokens - cached_tokens`` (Mistral's prompt-caching guide).
"""

from __future__ import annotations

from typing import Any

import pytest

from modelmux import completion_cost, cost_per_token
from modelmux.cost import bundled_prices
from modelmux.cost.billing import stamp_billing
from modelmux.types import ChatCompletion, EmbeddingResponse, ModerationResponse, TranscriptionResponse


def _reply(model: str, usage: dict[str, Any]) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "x",
            "created": 1_791_000_000,  # 2026-10-03
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": usage,
        }
    )


def test_mistral_large_4_plain_call_at_the_preview_rate() -> None:
    # 12,000 x $0.68 + 3,000 x $2.09 per 1M = $0.00816 + $0.00627
    reply = _reply("mistral-large-4", {"prompt_tokens": 12_000, "completion_tokens": 3_000})
    assert completion_cost(reply) == pytest.approx(0.01443)
    assert cost_per_token("mistral/mistral-large-4-0", 12_000, 3_000) == pytest.approx((0.00816, 0.00627))


def test_mistral_large_4_cache_reads_at_the_listed_cached_input_price() -> None:
    # 100,000 prompt tokens of which 90,048 cached (a multiple of 64): 9,952 x $0.68 + 90,048 x $0.07
    # + 2,000 x $2.09 per 1M = $0.00676736 + $0.00630336 + $0.00418
    usage = {"prompt_tokens": 100_000, "completion_tokens": 2_000, "prompt_tokens_details": {"cached_tokens": 90_048}}
    assert completion_cost(_reply("mistral-large-4-0", usage)) == pytest.approx(0.01725072)


def test_mistral_large_4_has_no_long_context_tier_up_to_its_1m_window() -> None:
    # Mistral publishes one rate for the whole 1M window: 900,000 x $0.68 + 10,000 x $2.09 per 1M
    entry = bundled_prices().get("mistral/mistral-large-4")
    assert entry is not None and entry.long_context is None and not entry.changes
    assert cost_per_token("mistral/mistral-large-4", 900_000, 10_000) == pytest.approx((0.612, 0.0209))


def test_zai_glm_5_3_hosted_by_mistral_with_reasoning_and_cache_reads() -> None:
    # 50,000 prompt (20,032 cached) + 4,000 out, 3,000 of them reasoning (billed as output):
    # 29,968 x $1.4 + 20,032 x $0.14 + 4,000 x $4.4 per 1M = $0.0419552 + $0.00280448 + $0.0176
    usage = {
        "prompt_tokens": 50_000,
        "completion_tokens": 4_000,
        "prompt_tokens_details": {"cached_tokens": 20_032},
        "completion_tokens_details": {"reasoning_tokens": 3_000},
    }
    assert completion_cost(_reply("zai-glm-5-3", usage)) == pytest.approx(0.0623597)
    assert completion_cost(_reply("zai-glm-latest", usage)) == pytest.approx(0.0623597)


def test_codestral_embed() -> None:
    answer = EmbeddingResponse.model_validate(
        {"data": [{"index": 0, "embedding": [0.1]}], "model": "codestral-embed", "usage": {"prompt_tokens": 40_000}}
    )
    assert completion_cost(answer) == pytest.approx(40_000 * 0.15 / 1e6)  # $0.006


def test_voxtral_transcription_is_priced_on_mistrals_prompt_audio_seconds() -> None:
    # Mistral's answer: usage {prompt_audio_seconds: 150, ...}; 2.5 min x $0.003 = $0.0075
    usage = {"prompt_audio_seconds": 150, "prompt_tokens": 4, "completion_tokens": 30, "total_tokens": 34}
    body = {"model": "voxtral-mini-2602", "text": "hello", "language": "en", "segments": [], "usage": usage}
    result = stamp_billing(TranscriptionResponse.model_validate(body), "mistral", "voxtral-mini-latest")
    assert result.response_cost == pytest.approx(0.0075)
    no_seconds = {k: v for k, v in body.items() if k != "usage"}
    unknown = stamp_billing(TranscriptionResponse.model_validate(no_seconds), "mistral", "voxtral-mini-latest")
    assert unknown.response_cost is None  # the length is never guessed


def test_mistral_moderation_2_is_free() -> None:
    result = {"flagged": False, "categories": {"pii": False}, "category_scores": {"pii": 0.01}}
    answer = ModerationResponse.model_validate({"id": "m", "model": "mistral-moderation-2603", "results": [result]})
    assert stamp_billing(answer, "mistral", "mistral-moderation-2603").response_cost == 0.0


def test_voxtral_small_chat_is_left_unpriced() -> None:
    # Its audio input is billed per minute, which a chat answer's token usage cannot show.
    assert completion_cost(_reply("voxtral-small-latest", {"prompt_tokens": 10, "completion_tokens": 10})) is None


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("mistral-large-latest", "mistral/mistral-large-2512"),
        ("mistral-medium-latest", "mistral/mistral-medium-3-5"),
        ("mistral-medium-2604", "mistral/mistral-medium-3-5"),
        ("mistral-small-latest", "mistral/mistral-small-2603"),
        ("mistral-large-4-0", "mistral/mistral-large-4"),
        ("zai-glm-latest", "mistral/zai-glm-5-3"),
        ("voxtral-mini-latest", "mistral/voxtral-mini-2602"),
        ("codestral-embed", "mistral/codestral-embed-2505"),
    ],
)
def test_each_alias_prices_as_the_model_its_page_names(alias: str, key: str) -> None:
    assert bundled_prices().get(f"mistral/{alias}") is bundled_prices().get(key)
