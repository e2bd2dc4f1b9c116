"""Claude 4.6 and later on Bedrock, priced by hand from the rate cards ``data/prices.json`` transcribes.

USD per 1M tokens, Global profile and bare id (geo profiles us./eu./apac./jp./au./ca.: 1.1x every rate):
Opus 4.6/4.7/4.8/5 $5 in / $6.25 5-minute write / $10 1-hour write / $0.50 read / $25 out; Opus 5.5 $4 / $5 / $8 /
$0.20 / $20; Sonnet 4.6 $3 / $3.75 / $6 / $0.30 / $15; Sonnet 5 $2 / $2.50 / $4 / $0.20 / $10; Sonnet 5.5 the same
with reads $0.10 from 2026-10-07; Haiku 5.5 $0.10 / $0.125 / $0.20 / $0.01 / $0.50, over 100K prompt tokens every
token at $0.50 / $0.625 / $1.00 / $0.05 / $2.50; Fable 5 and 5.1 $10 / $50 (no Bedrock cache rates found).
"""

from __future__ import annotations

import datetime

import pytest

from modelmux.cost import bundled_prices, cost_per_token
from modelmux.cost.find_price import find_price

GEO = ["us", "eu", "apac", "jp", "au", "ca"]


def _day(text: str) -> float:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("model", "io"),
    [
        ("anthropic.claude-opus-4-6-v1", (5, 25)),
        ("anthropic.claude-sonnet-4-6", (3, 15)),
        ("anthropic.claude-opus-4-7", (5, 25)),
        ("anthropic.claude-opus-4-8", (5, 25)),
        ("anthropic.claude-opus-5", (5, 25)),
        ("anthropic.claude-opus-5-5", (4, 20)),
        ("anthropic.claude-sonnet-5", (2, 10)),
        ("anthropic.claude-sonnet-5-5", (2, 10)),
        ("anthropic.claude-haiku-5-5", (0.1, 0.5)),
        ("anthropic.claude-fable-5", (10, 50)),
        ("anthropic.claude-fable-5-1", (10, 50)),
    ],
)
def test_plain_call_global_and_geo(model: str, io: tuple[float, float]) -> None:
    # 10,000 in and 2,000 out: in-region (bare id) and Global at the Global rate, every geo profile 10% more.
    plain = (10_000 * io[0] / 1e6, 2_000 * io[1] / 1e6)
    assert cost_per_token(f"bedrock/{model}", 10_000, 2_000) == pytest.approx(plain)
    assert cost_per_token(f"bedrock/global.{model}", 10_000, 2_000) == pytest.approx(plain)
    for prefix in GEO:
        geo = cost_per_token(f"bedrock/{prefix}.{model}", 10_000, 2_000)
        assert geo == pytest.approx((plain[0] * 1.1, plain[1] * 1.1)), prefix


def test_opus_5_cached_call_with_both_write_durations() -> None:
    # Converse usage: 1,000 fresh in x $5 + 20,000 reads x $0.50 + 4,000 5-minute writes x $6.25 = $0.04;
    # 500 out x $25 = $0.0125.
    usage = {"inputTokens": 1_000, "cacheReadInputTokens": 20_000, "cacheWriteInputTokens": 4_000, "outputTokens": 500}
    assert cost_per_token("bedrock/global.anthropic.claude-opus-5", usage=usage) == pytest.approx((0.04, 0.0125))
    # The US profile: $5.50, $0.55, $6.875 and $27.50.
    assert cost_per_token("bedrock/us.anthropic.claude-opus-5", usage=usage) == pytest.approx((0.044, 0.01375))
    # 1-hour writes at $10: 1,000 x $5 + 4,000 x $10 = $0.045.
    one_hour = cost_per_token(
        "bedrock/anthropic.claude-opus-5", 5_000, 0, cache_creation_tokens=4_000, cache_creation_1h_tokens=4_000
    )
    assert one_hour == pytest.approx((0.045, 0.0))


def test_opus_5_5_reads_are_a_twentieth_of_input() -> None:
    # 100,000 reads x $0.20 + 10,000 fresh x $4 = $0.06; through eu.: $0.066.
    assert cost_per_token("bedrock/anthropic.claude-opus-5-5", 110_000, 0, cached_tokens=100_000) == pytest.approx(
        (0.06, 0.0)
    )
    eu = cost_per_token("bedrock/eu.anthropic.claude-opus-5-5", 110_000, 0, cached_tokens=100_000)
    assert eu == pytest.approx((0.066, 0.0))


def test_haiku_5_5_over_100k_prompt_tokens_bills_every_token_at_the_long_band() -> None:
    # 100,000 prompt tokens is not over the line: $0.10 in, $0.50 out.
    assert cost_per_token("bedrock/anthropic.claude-haiku-5-5", 100_000, 1_000) == pytest.approx((0.01, 0.0005))
    # 150,000 (50,000 of them cache reads) is: 100,000 x $0.50 + 50,000 x $0.05 = $0.0525; 1,000 out x $2.50.
    long = cost_per_token("bedrock/anthropic.claude-haiku-5-5", 150_000, 1_000, cached_tokens=50_000)
    assert long == pytest.approx((0.0525, 0.0025))
    # Through a geo profile, 1.1x: $0.05775 and $0.00275.
    geo = cost_per_token("bedrock/us.anthropic.claude-haiku-5-5", 150_000, 1_000, cached_tokens=50_000)
    assert geo == pytest.approx((0.05775, 0.00275))


@pytest.mark.parametrize(
    "model", ["anthropic.claude-opus-4-6-v1", "anthropic.claude-sonnet-4-6", "anthropic.claude-opus-5"]
)
def test_one_rate_across_the_1m_context(model: str) -> None:
    small = cost_per_token(f"bedrock/{model}", 100_000, 0)
    large = cost_per_token(f"bedrock/{model}", 900_000, 0)
    assert small is not None and large is not None and large[0] == pytest.approx(small[0] * 9)


def test_sonnet_5_5_cache_reads_halved_on_2026_10_07() -> None:
    for key, before, after in (
        ("bedrock/anthropic.claude-sonnet-5-5", 0.2, 0.1),
        ("bedrock/us.anthropic.claude-sonnet-5-5", 0.22, 0.11),
    ):
        early = find_price(bundled_prices(), key, at=_day("2026-10-06T23:59:59"))
        late = find_price(bundled_prices(), key, at=_day("2026-10-07T00:00:00"))
        assert early is not None and early.rates.cache_read == pytest.approx(before)
        assert late is not None and late.rates.cache_read == pytest.approx(after)
        assert late.rates.input == early.rates.input  # only the reads changed
    # Today: 100,000 reads x $0.10 + 10,000 fresh x $2 = $0.03.
    now = cost_per_token("bedrock/global.anthropic.claude-sonnet-5-5", 110_000, 0, cached_tokens=100_000)
    assert now == pytest.approx((0.03, 0.0))


def test_fable_without_bedrock_cache_rates_costs_a_cached_call_as_unknown() -> None:
    assert cost_per_token("bedrock/global.anthropic.claude-fable-5-1", 10_000, 0) == pytest.approx((0.1, 0.0))
    assert cost_per_token("bedrock/global.anthropic.claude-fable-5-1", 10_000, 0, cached_tokens=5_000) is None


def test_no_batch_price_for_the_new_models_is_unknown_not_standard() -> None:
    # No dated copy gives Bedrock batch rates for Claude 4.6+ (4.5 has them: half).
    assert cost_per_token("bedrock/anthropic.claude-opus-5", 1_000, 1_000, service_tier="batch") is None
    half = cost_per_token("bedrock/anthropic.claude-opus-4-5-20251101-v1:0", 1_000_000, 0, service_tier="batch")
    assert half == pytest.approx((2.5, 0.0))


def test_each_new_model_has_a_global_entry_and_a_geo_twin_with_every_geo_alias() -> None:
    prices = bundled_prices()
    new = [
        k.removeprefix("bedrock/us.")
        for k in prices
        if k.startswith("bedrock/us.anthropic.claude-") and "-v1:0" not in k
    ]
    assert len(new) == 11
    for model in new:
        base, geo = prices.get(f"bedrock/{model}"), prices.get(f"bedrock/us.{model}")
        assert base is not None and geo is not None, model
        assert base.source == geo.source == "https://aws.amazon.com/bedrock/pricing/"
        assert geo.rates.input == pytest.approx(base.rates.input * 1.1)  # type: ignore[operator]
        for prefix in GEO[1:]:
            assert prices.get(f"bedrock/{prefix}.{model}") is geo, prefix
