"""Self-hosted servers and the mock have no list price: their cost is unknown (``None``), never 0, and never the
price of the cloud model a server happens to be named after; a caller who has a figure gives it."""

from typing import Any

import httpx
import pytest

import modelmux
from modelmux import completion_cost, cost_per_token
from modelmux._registry import catalog
from modelmux.cost import bundled_prices
from modelmux.cost.find_price import NO_LIST_PRICE, find_price

MSG = [{"role": "user", "content": "hi"}]


def _openai_answer(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000, "total_tokens": 2_000_000},
    }


def test_a_vllm_server_named_after_a_cloud_model_costs_none() -> None:
    # vLLM's --served-model-name often mirrors a cloud id; the answer names it, but nobody bills per token.
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=_openai_answer("gpt-4o")))
    reply = modelmux.completion("hosted_vllm/gpt-4o", MSG, api_base="http://gpu-box:8000/v1", transport=transport)
    assert reply.model == "gpt-4o" and reply.usage is not None and reply.usage.prompt_tokens == 1_000_000
    assert reply.response_cost is None and completion_cost(reply) is None
    # The same answer from OpenAI costs OpenAI's rates ($2.50 + $10.00 for 1M + 1M): only the server differs.
    cloud = modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=transport)
    assert cloud.response_cost == pytest.approx(12.5)
    # A caller who wants the cloud figure anyway says how to price it.
    assert completion_cost(reply, model="gpt-4o") == pytest.approx(12.5)


def test_a_mock_answer_costs_none_whatever_model_it_names() -> None:
    for model in ("mock/mock-1", "mock/mistral-small-latest", "mock/gpt-4o"):
        reply = modelmux.completion(model, MSG)
        assert reply.usage is not None and reply.usage.total_tokens > 0
        assert reply.response_cost is None, model


@pytest.mark.parametrize("model", ["ollama/llama3.1", "ollama/gpt-oss:20b", "hosted_vllm/gpt-4o", "lm_studio/qwen3"])
def test_self_hosted_models_have_no_bundled_price(model: str) -> None:
    assert cost_per_token(model, 1000, 1000) is None


def test_no_catalogued_self_hosted_model_is_priced() -> None:
    local = [info for info in catalog().values() if info.provider in NO_LIST_PRICE]
    assert {info.provider for info in local} >= {"ollama", "mock"}
    for info in local:
        assert find_price(bundled_prices(), info.model, info.provider) is None, info.model


def test_a_caller_gives_a_self_hosted_model_a_price_explicitly() -> None:
    free = bundled_prices().with_overrides({"ollama/llama3.1": {"input": 0, "output": 0}})
    assert cost_per_token("ollama/llama3.1", 1000, 1000, prices=free) == (0.0, 0.0)
    metered = bundled_prices().with_overrides({"hosted_vllm/gpt-4o": {"input": 0.2, "output": 0.4}})
    assert cost_per_token("hosted_vllm/gpt-4o", 10**6, 10**6, prices=metered) == pytest.approx((0.2, 0.4))
