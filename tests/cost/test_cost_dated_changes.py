"""A price announced to change on a date (a promotional rate that ends) is applied by the time of the call."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import modelmux
from modelmux.cost.find_price import find_price
from modelmux.types import ChatCompletion

SOURCE = "https://example.test/pricing"
NEW_YEAR = datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc).timestamp()


def _prices(**entry: Any) -> modelmux.Prices:
    doc = {
        "source": SOURCE,
        "input": 0.75,
        "output": 4.5,
        "cache_read": 0.075,
        "long_context": {"threshold": 200_000, "input": 1.5},
        "tiers": {"batch": {"multiplier": 0.5}},
        "changes": {
            "2027-01-01": {"input": 1.5, "output": 9, "cache_read": 0.15,
                           "long_context": {"threshold": 200_000, "input": 3}},
        },
    } | entry  # fmt: skip
    return modelmux.load_prices({"updated": "2026-12-03", "models": {"gemini/promo-flash": doc}})


def _reply(created: int, prompt: int = 1000, completion: int = 100, cached: int = 0) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "r",
            "object": "chat.completion",
            "created": created,
            "model": "gemini/promo-flash",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
    )


def test_the_rate_of_the_day_of_the_call() -> None:
    prices = _prices()
    before = _reply(int(NEW_YEAR) - 1, cached=400)
    after = _reply(int(NEW_YEAR), cached=400)
    assert modelmux.completion_cost(before, prices=prices) == pytest.approx(
        (600 * 0.75 + 400 * 0.075 + 100 * 4.5) / 1e6
    )
    assert modelmux.completion_cost(after, prices=prices) == pytest.approx((600 * 1.5 + 400 * 0.15 + 100 * 9) / 1e6)


def test_a_change_replaces_the_long_context_tier_and_keeps_the_batch_multiplier() -> None:
    prices = _prices()
    long_after = _reply(int(NEW_YEAR) + 60, prompt=300_000, completion=0)
    assert modelmux.completion_cost(long_after, prices=prices) == pytest.approx(300_000 * 3 / 1e6)
    batch_before = modelmux.completion_cost(_reply(int(NEW_YEAR) - 60), prices=prices, service_tier="batch")
    assert batch_before == pytest.approx((1000 * 0.75 + 100 * 4.5) / 2e6)
    batch_after = modelmux.completion_cost(_reply(int(NEW_YEAR) + 60), prices=prices, service_tier="batch")
    assert batch_after == pytest.approx((1000 * 1.5 + 100 * 9) / 2e6)


def test_without_a_call_time_the_present_decides() -> None:
    prices = _prices()
    entry = find_price(prices, "gemini/promo-flash")
    assert entry is not None
    now_is_before = datetime.datetime.now(datetime.timezone.utc).timestamp() < NEW_YEAR
    assert entry.rates.input == (0.75 if now_is_before else 1.5)
    assert find_price(prices, "gemini/promo-flash", at=NEW_YEAR - 1).rates.input == 0.75  # type: ignore[union-attr]
    assert find_price(prices, "gemini/promo-flash", at=NEW_YEAR).rates.input == 1.5  # type: ignore[union-attr]
    # a response without a plausible ``created`` is priced now, never at 1970's or year 5000's rate
    for created in (0, 10**12):
        expected = 0.75 if now_is_before else 1.5
        assert modelmux.completion_cost(_reply(created, completion=0), prices=prices) == pytest.approx(expected / 1e3)


def test_changes_fold_in_date_order() -> None:
    prices = _prices(changes={"2027-06-01": {"output": 12}, "2027-01-01": {"input": 1.5, "output": 9}})
    june = datetime.datetime(2027, 6, 1, tzinfo=datetime.timezone.utc).timestamp()
    spring = find_price(prices, "gemini/promo-flash", at=june - 1)
    summer = find_price(prices, "gemini/promo-flash", at=june)
    assert spring is not None and (spring.rates.input, spring.rates.output) == (1.5, 9)
    assert summer is not None and (summer.rates.input, summer.rates.output) == (1.5, 12)


def test_an_override_is_the_price_from_then_on() -> None:
    prices = _prices().with_overrides({"gemini/promo-flash": {"input": 0.5}})
    late = find_price(prices, "gemini/promo-flash", at=NEW_YEAR + 86_400 * 365)
    assert late is not None and late.rates.input == 0.5 and late.rates.output == 4.5
    dated = _prices().with_overrides({"gemini/promo-flash": {"input": 0.5, "changes": {"2027-02-01": {"input": 2}}}})
    feb = datetime.datetime(2027, 2, 1, tzinfo=datetime.timezone.utc).timestamp()
    assert dated.get("gemini/promo-flash").at(feb - 1).rates.input == 0.5  # type: ignore[union-attr]
    assert dated.get("gemini/promo-flash").at(feb).rates.input == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        [],
        {"2027-13-01": {"input": 1}},
        {"next year": {"input": 1}},
        {"2027-01-01": {}},
        {"2027-01-01": 1.5},
        {"2027-01-01": {"inptu": 1}},
        {"2027-01-01": {"input": -1}},
        {"2027-01-01": {"source": "https://other", "input": 1}},
        {"2027-01-01": {"changes": {"2028-01-01": {"input": 1}}}},
    ],
)
def test_a_malformed_change_is_refused_at_load(changes: Any) -> None:
    with pytest.raises(ValueError):
        _prices(changes=changes)


@pytest.mark.parametrize("model", ["gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash"])
def test_the_bundled_gemini_flash_promotion_ends_with_2026(model: str) -> None:
    # Google's pricing page: "$0.75 through December 31, 2026. $1.50 starting January 1, 2027." (output 3.75 -> 7.50)
    prices = modelmux.default_prices()
    december = find_price(prices, model, "gemini", at=NEW_YEAR - 1)
    january = find_price(prices, model, "gemini", at=NEW_YEAR)
    assert december is not None and january is not None
    assert (december.rates.input, december.rates.output, december.rates.cache_read) == (0.75, 3.75, 0.075)
    assert (january.rates.input, january.rates.output, january.rates.cache_read) == (1.5, 7.5, 0.15)
    reply = _reply(int(NEW_YEAR) + 3600).model_copy(update={"model": model})
    assert modelmux.completion_cost(reply) == pytest.approx((1000 * 1.5 + 100 * 7.5) / 1e6)


def test_sonnet_5_5_cache_reads_were_cut_on_2026_10_07() -> None:
    # Anthropic halved Claude Sonnet 5.5's cache-hit price from $0.20 to $0.10 per 1M on 2026-10-07
    cut = datetime.datetime(2026, 10, 7, tzinfo=datetime.timezone.utc).timestamp()
    before = find_price(modelmux.default_prices(), "claude-sonnet-5-5", "anthropic", at=cut - 1)
    after = find_price(modelmux.default_prices(), "claude-sonnet-5-5", "anthropic", at=cut)
    assert before is not None and after is not None
    assert (before.rates.cache_read, after.rates.cache_read) == (0.2, 0.1)
    assert before.rates.input == after.rates.input == 2


def _day(text: str) -> float:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("model", "day", "rates"),
    [
        ("gpt-5.6-terra", "2026-07-29", (2.5, 0.25, 15)),  # launch price
        ("gpt-5.6-terra", "2026-07-30", (2, 0.2, 12)),  # OpenAI's cut
        ("gpt-5.6-luna", "2026-07-29", (1, 0.1, 6)),
        ("gpt-5.6-luna", "2026-12-03", (0.2, 0.02, 1.2)),
        ("gpt-5.6-sol", "2026-08-20", (5, 0.5, 30)),  # list
        ("gpt-5.6-sol", "2026-11-30", (4, 0.4, 20)),  # the promotion (2026-08-21 to 2026-11-30)
        ("gpt-5.6-sol", "2026-12-01", (5, 0.5, 30)),  # list again
    ],
)
def test_gpt_5_6_prices_by_day(model: str, day: str, rates: tuple[float, float, float]) -> None:
    entry = find_price(modelmux.default_prices(), model, "openai", at=_day(day) + 3600)
    assert entry is not None
    assert (entry.rates.input, entry.rates.cache_read, entry.rates.output) == rates
    long = entry.long_context
    assert long is not None and (long.rates.input, long.rates.output) == (rates[0] * 2, rates[2] * 1.5)


@pytest.mark.parametrize("geo", [[], {"": 1.1}, {"us": -1}, {"us": True}, {"us": "1.1"}, {"us": float("nan")}, 1.1])
def test_a_malformed_regional_multiplier_is_refused_at_load(geo: Any) -> None:
    with pytest.raises(ValueError):
        _prices(geo=geo)


def test_a_regional_multiplier_is_an_override_like_any_price() -> None:
    prices = _prices(geo={"us": 1.1}).with_overrides({"gemini/promo-flash": {"geo": {"us": 1.2, "eu": 1.05}}})
    entry = prices.get("gemini/promo-flash")
    assert entry is not None and dict(entry.geo) == {"us": 1.2, "eu": 1.05}
    reply = _reply(int(NEW_YEAR) - 60, completion=0).model_dump()
    reply["usage"]["inference_geo"] = "eu"
    assert modelmux.completion_cost(reply, prices=prices) == pytest.approx(1000 * 0.75 * 1.05 / 1e6)
