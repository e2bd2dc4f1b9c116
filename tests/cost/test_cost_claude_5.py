"""The Claude 5 generation on the Claude API: bare ids resolve, limits and prices are the published ones.

Figures (USD per 1M tokens; each entry's note in ``prices.json`` names the copy it was checked against):
Opus 5.5 $4 in / $5 5-minute write / $8 1-hour write / $0.20 read / $20 out; Opus 5 and Opus 4.8 $5 / $6.25 / $10 /
$0.50 / $25; Fable 5.2 $8 / $10 / $16 / $0.20 / $40; Fable 5.1 $10 / $12.50 / $20 / $0.25 / $50 (Fable 5: $1 read);
Sonnet 5.5 $2 / $2.50 / $4 / $0.10 / $10 (Sonnet 5: $0.20 read); Haiku 5.5 up to 100K prompt tokens $0.10 / $0.125 /
$0.20 / $0.01 / $0.50, over 100K every token at $0.50 / $0.625 / $1.00 / $0.05 / $2.50; batch half of each.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.providers.anthropic.convert_usage import convert_usage
from modelmux.types import ChatCompletion

NEW_IDS = [
    "claude-fable-5-2",
    "claude-fable-5-1",
    "claude-fable-5",
    "claude-opus-5-5",
    "claude-opus-5",
    "claude-opus-4-8",
    "claude-sonnet-5-5",
    "claude-sonnet-5",
    "claude-haiku-5-5",
]
MSG = [{"role": "user", "content": "hi"}]


def _answer(model: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "hello"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


@pytest.mark.parametrize("model", NEW_IDS)
def test_bare_id_routes_to_the_messages_api_and_is_costed(model: str) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_answer(model, {"input_tokens": 1000, "output_tokens": 100}))

    reply = modelmux.completion(model, MSG, api_key="sk-ant-test", transport=httpx.MockTransport(handle))
    assert isinstance(reply, ChatCompletion)
    assert str(seen[0].url) == "https://api.anthropic.com/v1/messages"
    body = json.loads(seen[0].content)
    assert body["model"] == model
    assert body["max_tokens"] == 128_000  # the catalog's output limit when the caller sets none
    assert reply.choices[0].message.content == "hello"
    cost = modelmux.completion_cost(reply)
    assert cost is not None and cost > 0


@pytest.mark.parametrize("model", NEW_IDS)
def test_catalog_limits(model: str) -> None:
    info = modelmux.get_model_info(model)
    assert info["litellm_provider"] == "anthropic"
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (1_000_000, 128_000)
    assert info["supports_reasoning"] and info["supports_vision"] and info["supports_response_schema"]


def test_model_info_prices() -> None:
    info = modelmux.get_model_info("claude-opus-5-5")
    assert info["input_cost_per_token"] == pytest.approx(4e-6)
    assert info["output_cost_per_token"] == pytest.approx(20e-6)
    assert info["cache_read_input_token_cost"] == pytest.approx(0.2e-6)
    assert modelmux.get_model_info("claude-opus-4-6")["max_input_tokens"] == 1_000_000  # its model page: 1M


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 10,000 prompt tokens and 1,000 completion tokens at each model's plain rates
        ("claude-fable-5-2", (0.08, 0.04)),
        ("claude-fable-5-1", (0.1, 0.05)),
        ("claude-fable-5", (0.1, 0.05)),
        ("claude-opus-5-5", (0.04, 0.02)),
        ("claude-opus-5", (0.05, 0.025)),
        ("claude-opus-4-8", (0.05, 0.025)),
        ("claude-sonnet-5-5", (0.02, 0.01)),
        ("claude-sonnet-5", (0.02, 0.01)),
        ("claude-haiku-5-5", (0.001, 0.0005)),
    ],
)
def test_plain_call(model: str, expected: tuple[float, float]) -> None:
    assert modelmux.cost_per_token(model, 10_000, 1_000) == pytest.approx(expected)


# 50 fresh input tokens, 10,000 cache reads, 1,500 written for 5 minutes and 500 for an hour, 400 out
NATIVE_CACHED = {
    "input_tokens": 50,
    "cache_read_input_tokens": 10_000,
    "cache_creation_input_tokens": 2_000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1_500, "ephemeral_1h_input_tokens": 500},
    "output_tokens": 400,
}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 50 * 4 + 10000 * 0.20 + 1500 * 5 + 500 * 8 = 13700 → $0.0137; 400 * 20 → $0.008
        ("claude-opus-5-5", 0.0137 + 0.008),
        # 50 * 10 + 10000 * 0.25 + 1500 * 12.5 + 500 * 20 = 31750 → $0.03175; 400 * 50 → $0.02
        ("claude-fable-5-1", 0.03175 + 0.02),
        # 50 * 10 + 10000 * 1 + 1500 * 12.5 + 500 * 20 = 39250 → $0.03925; 400 * 50 → $0.02
        ("claude-fable-5", 0.03925 + 0.02),
        # 50 * 8 + 10000 * 0.20 + 1500 * 10 + 500 * 16 = 25400 → $0.0254; 400 * 40 → $0.016
        ("claude-fable-5-2", 0.0254 + 0.016),
        # 50 * 2 + 10000 * 0.10 + 1500 * 2.5 + 500 * 4 = 6850 → $0.00685; 400 * 10 → $0.004
        ("claude-sonnet-5-5", 0.00685 + 0.004),
        # Sonnet 5 keeps the 0.1x read: 50 * 2 + 10000 * 0.20 + 3750 + 2000 = 7850 → $0.00785
        ("claude-sonnet-5", 0.00785 + 0.004),
        # Haiku 5.5 (12,050 prompt tokens, under 100K): 5 + 100 + 187.5 + 100 = 392.5 → $0.0003925; 400 * 0.5
        ("claude-haiku-5-5", 0.0003925 + 0.0002),
    ],
)
def test_cached_answer_with_both_write_durations(model: str, expected: float) -> None:
    reply = ChatCompletion.model_validate({"model": model, "choices": [], "usage": convert_usage(NATIVE_CACHED)})
    assert modelmux.completion_cost(reply) == pytest.approx(expected)


def test_haiku_5_5_over_100k_prompt_tokens_bills_every_token_at_the_long_band() -> None:
    # 90,000 fresh + 20,000 cache reads = 110,000 prompt tokens (> 100K): 90000 * 0.50 + 20000 * 0.05 = 46000
    # → $0.046; 1,000 out at $2.50 → $0.0025
    assert modelmux.cost_per_token("claude-haiku-5-5", 110_000, 1_000, cache_read_input_tokens=20_000) == pytest.approx(
        (0.046, 0.0025)
    )
    # exactly 100K stays in the lower band
    assert modelmux.cost_per_token("claude-haiku-5-5", 100_000, 0) == pytest.approx((0.01, 0.0))
    # batch halves either band: 110,000 * 0.25 → $0.0275; 1,000 * 1.25 → $0.00125
    assert modelmux.cost_per_token("claude-haiku-5-5", 110_000, 1_000, service_tier="batch") == pytest.approx(
        (0.0275, 0.00125)
    )


@pytest.mark.parametrize("model", ["claude-opus-5-5", "claude-sonnet-5-5", "claude-fable-5-2"])
def test_one_rate_across_the_1m_context(model: str) -> None:
    short = modelmux.cost_per_token(model, 100_000, 1_000)
    long = modelmux.cost_per_token(model, 800_000, 1_000)
    assert short is not None and long is not None
    assert long[0] == pytest.approx(short[0] * 8) and long[1] == pytest.approx(short[1])


def test_batch_is_half() -> None:
    # Opus 5.5 batch: $2 / $10
    assert modelmux.cost_per_token("claude-opus-5-5", 10_000, 1_000, service_tier="batch") == pytest.approx(
        (0.02, 0.01)
    )
