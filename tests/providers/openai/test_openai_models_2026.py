"""OpenAI's 2026 models as catalogued: bare ids resolve to OpenAI, calls go out unchanged, limits and prices read back.

Figures are those of the stored copies of the developers.openai.com model pages named in ``prices.json``'s notes
(GPT-6.1 Terra $1 in / $0.05 cached / $5 out; GPT-6.2 Sol $2 / $0.10 / $10; GPT-6 Luna $0.10 / $0.01 / $0.50;
1,050,000-token context, 128,000 output tokens; gpt-image-2.6-sunburst $5 text in, $8 image in, $30 image out).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import resolve
from modelmux.cost.billing import stamp_billing
from modelmux.types import ImagesResponse

KEY = "sk-test-0123456789abcdefghij"


class Recorder:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.answer)

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.requests[-1].content)  # type: ignore[no-any-return]


def answer(model: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": usage,
    }


NEW_CHAT = [
    "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna",
    "gpt-6-astra", "gpt-6-sol", "gpt-6-luna", "gpt-6.1-sol", "gpt-6.1-terra", "gpt-6.2-sol", "gpt-6.2-astra",
]  # fmt: skip


@pytest.mark.parametrize("model", [*NEW_CHAT, "gpt-image-1.5", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"])
def test_bare_id_resolves_to_openai(model: str) -> None:
    found = resolve(model)
    assert (found.provider_name, found.model) == ("openai", model)
    assert found.info is not None


def test_a_bare_gpt6_call_goes_to_openai_unchanged_and_is_costed() -> None:
    usage = {"prompt_tokens": 10_000, "completion_tokens": 1_000, "prompt_tokens_details": {"cached_tokens": 8_000}}
    rec = Recorder(answer("gpt-6.1-terra", usage))
    out = modelmux.completion(
        "gpt-6.1-terra",
        [{"role": "user", "content": "hi"}],
        api_key=KEY,
        transport=httpx.MockTransport(rec),
        reasoning_effort="max",
        max_tokens=64,
    )
    assert str(rec.requests[0].url) == "https://api.openai.com/v1/chat/completions"
    assert rec.body["model"] == "gpt-6.1-terra"
    assert rec.body["reasoning_effort"] == "max"  # GPT-6's new level passes through as given
    assert rec.body["max_completion_tokens"] == 64 and "max_tokens" not in rec.body
    # 2,000 uncached x $1 + 8,000 cached x $0.05 + 1,000 out x $5 (per 1M)
    assert modelmux.completion_cost(out) == pytest.approx((2_000 * 1 + 8_000 * 0.05 + 1_000 * 5) / 1e6)


def test_model_info_of_gpt_6_2_sol() -> None:
    info = modelmux.get_model_info("gpt-6.2-sol")
    assert info["litellm_provider"] == "openai" and info["mode"] == "chat"
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (1_050_000, 128_000)
    assert info["input_cost_per_token"] == pytest.approx(2e-6)
    assert info["cache_read_input_token_cost"] == pytest.approx(1e-7)
    assert info["output_cost_per_token"] == pytest.approx(1e-5)
    assert info["supports_reasoning"] and info["supports_vision"]
    # rejects reasoning_effort "none", and Chat Completions takes function tools only at "none"
    assert not info["supports_function_calling"]


def test_model_info_of_gpt_6_luna() -> None:
    info = modelmux.get_model_info("openai/gpt-6-luna")
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (1_050_000, 128_000)
    assert info["input_cost_per_token"] == pytest.approx(1e-7)
    assert info["output_cost_per_token"] == pytest.approx(5e-7)
    assert info["supports_function_calling"] and info["supports_response_schema"]


def test_models_without_a_page_copy_have_no_invented_limits_or_price() -> None:
    info = modelmux.get_model_info("gpt-6-astra")
    assert info["max_input_tokens"] is None and info["max_output_tokens"] is None
    assert info["input_cost_per_token"] is None
    assert modelmux.cost_per_token("gpt-6.1-sol", 1_000, 100) is None


def test_gpt_image_2_6_sunburst_usage_tokens() -> None:
    usage = {
        "input_tokens": 50,
        "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
        "output_tokens": 4160,
        "total_tokens": 4210,
    }
    result = ImagesResponse.model_validate({"created": 1, "data": [{"url": "https://x/0.png"}], "usage": usage})
    stamped = stamp_billing(result, "openai", "gpt-image-2.6-sunburst", {})
    # text in 10 x $5, image in 40 x $8, image out 4,160 x $30 (per 1M)
    assert stamped.response_cost == pytest.approx((10 * 5 + 40 * 8 + 4160 * 30) / 1e6)
