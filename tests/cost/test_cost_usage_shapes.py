"""Hand-computed costs for each usage shape, from the providers' published prices (USD per 1M tokens).

Figures: OpenAI gpt-4o $2.50 in / $1.25 cached / $10 out; o3 $2 / $8; gpt-5 $1.25 / $0.125 / $10, flex and batch
half, priority $2.50 / $0.25 / $20 (platform.openai.com/docs/pricing, openai.com/api-priority-processing).
Claude Sonnet 4.5 $3 in / $3.75 5-minute write / $6 1-hour write / $0.30 read / $15 out, over 200K prompt tokens
$6 / $22.50 (and the cache multipliers on those); Haiku 4.5 $1 / $1.25 / $5; batch half
(platform.claude.com/docs/en/about-claude/pricing). Gemini 2.5 Pro $1.25 / $10 up to 200K prompt tokens, $2.50 /
$15 above, cached $0.125 / $0.25; 2.5 Flash $0.30 text, $1.00 audio, $2.50 out (ai.google.dev/gemini-api/docs/pricing).
"""

from typing import Any

import pytest

import modelmux
from modelmux.providers.anthropic.convert_usage import convert_usage as anthropic_usage
from modelmux.providers.bedrock.convert_usage import convert_usage as bedrock_usage
from modelmux.providers.gemini.convert_usage import convert_usage as gemini_usage
from modelmux.types import ChatCompletion


def _completion(model: str, usage: dict[str, Any] | None, **extra: Any) -> ChatCompletion:
    return ChatCompletion.model_validate({"model": model, "choices": [], "usage": usage, **extra})


def _pair(costs: tuple[float, float] | None) -> tuple[float, float]:
    assert costs is not None
    return costs


def test_plain_prompt_and_completion() -> None:
    assert _pair(modelmux.cost_per_token("gpt-4o", 1200, 300)) == pytest.approx((0.003, 0.003))


def test_openai_cached_tokens_are_part_of_the_prompt_and_billed_once() -> None:
    usage = {"prompt_tokens": 2000, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 1024}}
    # 976 * 2.50 + 1024 * 1.25 = 3720 → $0.00372; 100 * 10 → $0.001
    assert modelmux.completion_cost(_completion("gpt-4o-2024-08-06", usage)) == pytest.approx(0.00472)
    assert _pair(modelmux.cost_per_token("gpt-4o", 2000, 100, cached_tokens=1024)) == pytest.approx((0.00372, 0.001))


ANTHROPIC_NATIVE = {
    "input_tokens": 50,
    "cache_read_input_tokens": 10_000,
    "cache_creation_input_tokens": 2_000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1_500, "ephemeral_1h_input_tokens": 500},
    "output_tokens": 400,
}
# 50 * 3 + 10000 * 0.30 + 1500 * 3.75 + 500 * 6 = 11775 → $0.011775; 400 * 15 → $0.006
ANTHROPIC_COST = (0.011775, 0.006)


def test_anthropic_cache_reads_and_5m_and_1h_writes_through_the_provider_translation() -> None:
    translated = anthropic_usage(ANTHROPIC_NATIVE)
    assert translated is not None and translated["prompt_tokens"] == 12_050
    reply = _completion("claude-sonnet-4-5-20250929", translated)
    assert reply.response_cost == pytest.approx(sum(ANTHROPIC_COST))
    assert _pair(modelmux.cost_per_token("claude-sonnet-4-5", usage=ANTHROPIC_NATIVE)) == pytest.approx(ANTHROPIC_COST)
    by_counts = modelmux.cost_per_token(
        "anthropic/claude-sonnet-4-5",
        prompt_tokens=12_050,
        completion_tokens=400,
        cached_tokens=10_000,
        cache_creation_tokens=2_000,
        cache_creation_1h_tokens=500,
    )
    assert _pair(by_counts) == pytest.approx(ANTHROPIC_COST)


def test_cache_writes_without_a_lifetime_split_are_5_minute_writes() -> None:
    native = {"inputTokens": 100, "cacheReadInputTokens": 0, "cacheWriteInputTokens": 4_000, "outputTokens": 50}
    reply = _completion("global.anthropic.claude-haiku-4-5-20251001-v1:0", bedrock_usage(native))
    # 100 * 1 + 4000 * 1.25 = 5100 → $0.0051; 50 * 5 → $0.00025 (the Global profile: no geo premium)
    assert modelmux.completion_cost(reply, provider="bedrock") == pytest.approx(0.00535)


def test_reasoning_tokens_are_billed_once_at_the_output_rate() -> None:
    usage = {"prompt_tokens": 500, "completion_tokens": 2500, "completion_tokens_details": {"reasoning_tokens": 2000}}
    assert modelmux.completion_cost(_completion("o3-2025-04-16", usage)) == pytest.approx(0.001 + 0.02)
    thinking = gemini_usage({"promptTokenCount": 1000, "candidatesTokenCount": 200, "thoughtsTokenCount": 800})
    # 1000 * 0.30 → $0.0003; (200 + 800) * 2.50 → $0.0025
    assert modelmux.completion_cost(_completion("gemini-2.5-flash", thinking)) == pytest.approx(0.0028)


def test_gemini_long_context_bills_every_token_at_the_higher_rate() -> None:
    usage = {"prompt_tokens": 250_000, "completion_tokens": 1000, "prompt_tokens_details": {"cached_tokens": 50_000}}
    # 200000 * 2.50 + 50000 * 0.25 → $0.5125; 1000 * 15 → $0.015
    assert _pair(modelmux.cost_per_token("gemini-2.5-pro", usage=usage)) == pytest.approx((0.5125, 0.015))
    # At the threshold itself the standard rates still apply: 200000 * 1.25 → $0.25; 1000 * 10 → $0.01
    assert _pair(modelmux.cost_per_token("gemini-2.5-pro", 200_000, 1000)) == pytest.approx((0.25, 0.01))


def test_claude_long_context_threshold_counts_cached_tokens() -> None:
    native = {"input_tokens": 150_000, "cache_read_input_tokens": 60_000, "output_tokens": 2000}
    # 210000 prompt tokens > 200K: 150000 * 6 + 60000 * 0.60 → $0.936; 2000 * 22.50 → $0.045
    assert _pair(modelmux.cost_per_token("claude-sonnet-4-5", usage=native)) == pytest.approx((0.936, 0.045))


def test_batch_rates() -> None:
    assert _pair(modelmux.cost_per_token("claude-haiku-4-5", 10_000, 2000, service_tier="batch")) == pytest.approx(
        (0.005, 0.005)
    )
    # gpt-5 batch: 6000 * 0.625 + 4000 * 0.0625 → $0.004; 1000 * 5 → $0.005
    batch = modelmux.cost_per_token("gpt-5", 10_000, 1000, cached_tokens=4000, service_tier="batch")
    assert _pair(batch) == pytest.approx((0.004, 0.005))
    # Batch stacks on long context: 250000 * 3 → $0.75; 1000 * 11.25 → $0.01125
    long = modelmux.cost_per_token("claude-sonnet-4-5", 250_000, 1000, service_tier="batch")
    assert _pair(long) == pytest.approx((0.75, 0.01125))


def test_flex_and_priority_service_tiers() -> None:
    assert _pair(modelmux.cost_per_token("gpt-5", 1000, 1000, service_tier="flex")) == pytest.approx((0.000625, 0.005))
    usage = {"prompt_tokens": 1000, "completion_tokens": 1000, "prompt_tokens_details": {"cached_tokens": 500}}
    # The tier the response reports: 500 * 2.50 + 500 * 0.25 → $0.001375; 1000 * 20 → $0.02
    reply = _completion("gpt-5-2025-08-07", usage, service_tier="priority")
    assert reply.response_cost == pytest.approx(0.021375)
    # Standard: 500 * 1.25 + 500 * 0.125 → $0.0006875; 1000 * 10 → $0.01
    assert _completion("gpt-5", usage, service_tier="default").response_cost == pytest.approx(0.0106875)
    # A tier with no published price here is unknown, not the standard price.
    assert _completion("gpt-5", usage, service_tier="scale").response_cost is None
    assert modelmux.cost_per_token("gpt-4o", 1000, 10, service_tier="priority") is None


def test_embedding_response() -> None:
    reply = modelmux.EmbeddingResponse.model_validate(
        {"data": [], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 5000, "total_tokens": 5000}}
    )
    assert reply.response_cost == pytest.approx(0.0001)
    assert modelmux.completion_cost(reply) == pytest.approx(0.0001)


def test_web_search_requests_are_billed_per_request() -> None:
    native = {"input_tokens": 1000, "output_tokens": 100, "server_tool_use": {"web_search_requests": 3}}
    reply = _completion("claude-sonnet-4-5-20250929", anthropic_usage(native))
    # The bundled file has no confirmed per-search price: unknown, rather than the tokens alone.
    assert reply.response_cost is None
    prices = modelmux.default_prices().with_overrides({"anthropic/claude-sonnet-4-5": {"web_search": 0.01}})
    # 1000 * 3 → $0.003 + 3 * $0.01; 100 * 15 → $0.0015
    assert modelmux.completion_cost(reply, prices=prices) == pytest.approx(0.0345)
    # The batch discount is on tokens, not on the per-search fee: $0.0015 + $0.03 + $0.00075
    batch = modelmux.cost_per_token("claude-sonnet-4-5-20250929", usage=native, service_tier="batch", prices=prices)
    assert batch is not None and sum(batch) == pytest.approx(0.03225)


def test_audio_tokens_at_their_own_rate_or_unknown() -> None:
    usage = {"prompt_tokens": 1500, "completion_tokens": 0, "prompt_tokens_details": {"audio_tokens": 1000}}
    # 500 * 0.30 + 1000 * 1.00 → $0.00115
    assert _pair(modelmux.cost_per_token("gemini-2.5-flash", usage=usage)) == pytest.approx((0.00115, 0.0))
    assert modelmux.cost_per_token("gpt-4o", usage=usage) is None  # no audio price for gpt-4o here


def test_a_rebuilt_stream_and_a_chunk_list() -> None:
    chunks = [
        {"id": "c", "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {"content": "Hi"}}]},
        {"id": "c", "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"id": "c", "model": "gpt-4o-mini", "choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 500}},
    ]
    # 1000 * 0.15 + 500 * 0.60 → $0.00045
    assert modelmux.stream_chunk_builder(chunks).response_cost == pytest.approx(0.00045)
    assert modelmux.completion_cost(chunks) == pytest.approx(0.00045)


def test_prompt_and_completion_texts_are_counted() -> None:
    prompt = modelmux.token_counter("gpt-4o", text="hello world")
    completion = modelmux.token_counter("gpt-4o", text="hi there")
    expected = (prompt * 2.5 + completion * 10) / 1e6
    cost = modelmux.completion_cost(model="gpt-4o", prompt="hello world", completion="hi there")
    assert cost == pytest.approx(expected) and expected > 0
