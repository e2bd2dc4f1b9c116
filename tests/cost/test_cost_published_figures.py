"""Entries added from dated copies of the providers' pricing pages cost what those pages say, by hand.

Each case is a usage shape and the figure worked out from the page's USD-per-1M rates (notes in ``prices.json``
name the copy each was checked against), so a typo in the file (a rate off by 10x, a field under the wrong key)
fails here.
"""

from __future__ import annotations

import pytest

from modelmux import cost_per_token


@pytest.mark.parametrize(
    ("model", "provider", "counts", "expected"),
    [
        # GPT-4: $30 in / $60 out (shut down 2026-10-23, kept at its last price)
        ("gpt-4", None, {"prompt_tokens": 1000, "completion_tokens": 500}, (0.03, 0.03)),
        ("gpt-4-0613", "openai", {"prompt_tokens": 1000, "completion_tokens": 0}, (0.03, 0.0)),
        # o1-mini: $1.10 in, $0.55 cached, $4.40 out; 400 of the 1,000 prompt tokens were cache reads
        (
            "o1-mini",
            None,
            {"prompt_tokens": 1000, "cached_tokens": 400, "completion_tokens": 100},
            ((600 * 1.1 + 400 * 0.55) / 1e6, 100 * 4.4 / 1e6),
        ),
        # Cohere Command R7B: $0.0375 / $0.15; Command R 08-2024: $0.15 / $0.60; legacy Command R+ 08-2024: $2.50 / $10
        ("command-r7b-12-2024", None, {"prompt_tokens": 10_000, "completion_tokens": 1000}, (0.000375, 0.00015)),
        ("command-r-08-2024", None, {"prompt_tokens": 10_000, "completion_tokens": 1000}, (0.0015, 0.0006)),
        ("command-r-plus-08-2024", None, {"prompt_tokens": 10_000, "completion_tokens": 1000}, (0.025, 0.01)),
        # Bedrock embeddings: Titan Text Embeddings V2 $0.02, V1 and Cohere Embed 3 $0.10 per 1M input tokens
        ("amazon.titan-embed-text-v2:0", "bedrock", {"prompt_tokens": 1_000_000}, (0.02, 0.0)),
        ("us.amazon.titan-embed-text-v2:0", "bedrock", {"prompt_tokens": 500_000}, (0.01, 0.0)),
        ("amazon.titan-embed-text-v1", "bedrock", {"prompt_tokens": 1_000_000}, (0.1, 0.0)),
        ("cohere.embed-multilingual-v3", "bedrock", {"prompt_tokens": 2_000_000}, (0.2, 0.0)),
        # Retired models keep their last published price. Gemini 1.5 Pro: $1.25 / $5 up to 128k prompt tokens, then
        # $2.50 / $10 for the whole request; Gemini 1.5 Flash: $0.075 / $0.30
        ("gemini-1.5-pro", None, {"prompt_tokens": 128_000, "completion_tokens": 1000}, (0.16, 0.005)),
        ("gemini-1.5-pro", None, {"prompt_tokens": 128_001, "completion_tokens": 1000}, (0.3200025, 0.01)),
        ("gemini-1.5-flash", None, {"prompt_tokens": 100_000, "completion_tokens": 10_000}, (0.0075, 0.003)),
        # Mistral: Pixtral Large $2 / $6, Devstral 2 $0.40 / $2, Mistral NeMo $0.15 / $0.15 (by their -latest names)
        ("pixtral-large-latest", "mistral", {"prompt_tokens": 1000, "completion_tokens": 1000}, (0.002, 0.006)),
        ("devstral-medium-latest", "mistral", {"prompt_tokens": 1000, "completion_tokens": 1000}, (0.0004, 0.002)),
        ("open-mistral-nemo", None, {"prompt_tokens": 1000, "completion_tokens": 1000}, (0.00015, 0.00015)),
        # Vertex's Gemini Embedding: $0.15 per 1M input tokens online (the Gemini API's own entry is separate)
        ("gemini-embedding-001", "vertex", {"prompt_tokens": 1_000_000}, (0.15, 0.0)),
        # OpenAI model pages (stored copies): GPT-6 Sol $2 / $0.20 cached / $10
        ("gpt-6-sol", None, {"prompt_tokens": 1000, "completion_tokens": 500}, (0.002, 0.005)),
        # GPT-6.1 Terra $1 / $0.05 / $5; 8,000 of the 10,000 prompt tokens were cache reads
        (
            "gpt-6.1-terra",
            None,
            {"prompt_tokens": 10_000, "cached_tokens": 8_000, "completion_tokens": 1000},
            ((2_000 * 1 + 8_000 * 0.05) / 1e6, 1000 * 5 / 1e6),
        ),
        # GPT-6.2 Sol above 272K input tokens: the whole request at input/cache 2x ($4 / $0.20), output 1.5x ($15)
        (
            "gpt-6.2-sol",
            "openai",
            {"prompt_tokens": 300_000, "cached_tokens": 100_000, "completion_tokens": 2000},
            ((200_000 * 4 + 100_000 * 0.2) / 1e6, 2000 * 15 / 1e6),
        ),
        # GPT-6 Luna at exactly 272,000 prompt tokens: still the short-context $0.10 / $0.50
        ("gpt-6-luna", None, {"prompt_tokens": 272_000, "completion_tokens": 1000}, (0.0272, 0.0005)),
        # GPT-5.6 Sol at list price $5 / $0.50 / $30 (the $4 / $20 promotion ended); Terra $2 / $0.20 / $12
        ("gpt-5.6-sol", None, {"prompt_tokens": 1000, "completion_tokens": 1000}, (0.005, 0.03)),
        (
            "gpt-5.6-sol",
            None,
            {"prompt_tokens": 300_000, "cached_tokens": 200_000, "completion_tokens": 1000},
            ((100_000 * 10 + 200_000 * 1) / 1e6, 1000 * 45 / 1e6),
        ),
        ("gpt-5.6-terra", None, {"prompt_tokens": 1000, "cached_tokens": 1000, "completion_tokens": 0}, (0.0002, 0.0)),
        # GPT-5.6 Luna above 272K: input and cache reads 2x ($0.40 / $0.04), output 1.5x ($1.80)
        (
            "gpt-5.6-luna",
            None,
            {"prompt_tokens": 400_000, "cached_tokens": 100_000, "completion_tokens": 1000},
            ((300_000 * 0.4 + 100_000 * 0.04) / 1e6, 1000 * 1.8 / 1e6),
        ),
    ],
)
def test_published_figure(
    model: str, provider: str | None, counts: dict[str, int], expected: tuple[float, float]
) -> None:
    got = cost_per_token(model, provider=provider, **counts)
    assert got is not None, model
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_vertex_gemini_embedding_batch_rate_is_its_own() -> None:
    # batch on Vertex is $0.12 per 1M (0.8x online, not the 0.5x other batch tiers take)
    got = cost_per_token("gemini-embedding-001", 1_000_000, provider="vertex", service_tier="batch")
    assert got == pytest.approx((0.12, 0.0))


@pytest.mark.parametrize(
    ("model", "tier", "counts", "expected"),
    [
        # GPT-6 Luna: Batch and Flex half of $0.10 / $0.50, and half of the long-context $0.20 / $0.75 above 272K
        ("gpt-6-luna", "batch", {"prompt_tokens": 100_000, "completion_tokens": 1_000_000}, (0.005, 0.25)),
        ("gpt-6-luna", "flex", {"prompt_tokens": 100_000, "completion_tokens": 1_000_000}, (0.005, 0.25)),
        ("gpt-6-luna", "batch", {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}, (0.1, 0.375)),
        # GPT-6.2 Sol Fast mode (priority): twice the long-context rates $4 / $15 above 272K
        ("gpt-6.2-sol", "priority", {"prompt_tokens": 300_000, "completion_tokens": 1000}, (2.4, 0.03)),
        # GPT-6 Sol Fast mode below the threshold: twice $2 / $10
        ("gpt-6-sol", "priority", {"prompt_tokens": 1000, "completion_tokens": 1000}, (0.004, 0.02)),
    ],
)
def test_openai_service_tier_figure(
    model: str, tier: str, counts: dict[str, int], expected: tuple[float, float]
) -> None:
    got = cost_per_token(model, service_tier=tier, **counts)
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("model", "tier"), [("gpt-6.2-sol", "flex"), ("gpt-5.6-terra", "batch")])
def test_openai_tier_the_page_does_not_price_is_unknown(model: str, tier: str) -> None:
    # GPT-6.2 Sol's page names Batch and Fast only; the GPT-5.6 page copies show no tier at all
    assert cost_per_token(model, 1000, 100, service_tier=tier) is None


def _claude_reply(model: str, usage: dict[str, object]) -> bytes:
    import json

    return json.dumps(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "hi"}],
            "stop_reason": "end_turn",
            "usage": usage,
        }
    ).encode()


@pytest.mark.parametrize(("geo", "scale"), [(None, 1.0), ("global", 1.0), ("us", 1.1)])
def test_us_only_inference_costs_a_tenth_more_on_claude(geo: str | None, scale: float) -> None:
    # Claude Opus 4.6: $5 in / $25 out / $0.50 cache read per 1M; inference_geo "us" is 1.1x every token price
    from modelmux import completion_cost
    from modelmux._registry import get_provider
    from modelmux.providers._base import CallContext

    usage: dict[str, object] = {"input_tokens": 1000, "output_tokens": 200, "cache_read_input_tokens": 4000}
    if geo is not None:
        usage["inference_geo"] = geo
    ctx = CallContext("anthropic", "claude-opus-4-6", api_base="https://api.anthropic.com")
    reply = get_provider("anthropic").parse_chat_response(_claude_reply("claude-opus-4-6", usage), ctx)
    expected = (1000 * 5 + 200 * 25 + 4000 * 0.5) / 1e6 * scale
    assert completion_cost(reply) == pytest.approx(expected)
    assert completion_cost(reply.model_dump()) == pytest.approx(expected)  # the region travels in the usage JSON


def test_a_region_a_model_has_no_price_for_is_unknown_and_older_claude_costs_the_same() -> None:
    from modelmux import completion_cost

    reply = {"model": "claude-opus-4-6", "usage": {"input_tokens": 10, "output_tokens": 1, "inference_geo": "eu"}}
    assert completion_cost(reply) is None  # only "us" is priced: an "eu" figure would be a guess
    older = {"model": "claude-haiku-4-5", "usage": {"input_tokens": 10, "output_tokens": 1, "inference_geo": "us"}}
    assert completion_cost(older) == pytest.approx((10 * 1 + 1 * 5) / 1e6)  # no regional price: the standard one
