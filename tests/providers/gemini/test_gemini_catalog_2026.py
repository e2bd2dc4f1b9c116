"""The Gemini API models Google lists in late 2026 resolve by their bare ids, with the model pages' limits.

Limits: each model page (ai.google.dev/gemini-api/docs/models/<id>), 1,048,576 input and 65,536 output tokens for
every 3.x text model catalogued here (read 2026-09-23; 3.8 Flash, 3.5 Flash-Lite and 3.1 Pro Preview again on
2026-10-02). The request goes to ``models/<id>:generateContent`` and a Gemini 3+ id gets ``thinkingLevel``.
"""

from __future__ import annotations

import json

import httpx
import pytest

import modelmux
from modelmux._registry import catalog, resolve

NEW_CHAT_IDS = [
    "gemini-3.8-flash",
    "gemini-3.7-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.1-flash-lite",
    "gemini-3.1-pro-preview",
]


@pytest.mark.parametrize("model", NEW_CHAT_IDS)
def test_bare_id_is_catalogued_as_gemini_with_the_model_page_limits(model: str) -> None:
    info = catalog()[model]
    assert (info.provider, info.mode) == ("gemini", "chat")
    assert (info.context_window, info.max_output_tokens) == (1_048_576, 65_536)
    assert {"tools", "vision", "json_schema", "reasoning"} <= info.capabilities


def test_gemini_embedding_2_is_an_embedding_model() -> None:
    info = catalog()["gemini-embedding-2"]
    assert (info.provider, info.mode) == ("gemini", "embedding")


@pytest.mark.parametrize(
    ("model", "per_million"),
    [("gemini-3.8-flash", (0.75, 3.75, 0.075)), ("gemini-3.1-pro-preview", (2, 12, 0.2))],
)
def test_get_model_info_reports_the_limits_and_base_rates(model: str, per_million: tuple[float, ...]) -> None:
    info = modelmux.get_model_info(model)
    assert info["litellm_provider"] == "gemini"
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (1_048_576, 65_536)
    assert info["supports_reasoning"] is True and info["supports_function_calling"] is True
    rates = (info["input_cost_per_token"], info["output_cost_per_token"], info["cache_read_input_token_cost"])
    assert rates == pytest.approx(tuple(r / 1e6 for r in per_million))


def _reply(model: str) -> dict[str, object]:
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Pelly"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 2, "totalTokenCount": 13},
        "modelVersion": model,
    }


@pytest.mark.parametrize("model", ["gemini-3.6-flash", "gemini-3.8-flash"])
def test_completion_with_a_bare_new_id_reaches_generate_content_and_is_costed(model: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_reply(model))

    assert (resolve(model).provider_name, resolve(model).model) == ("gemini", model)
    reply = modelmux.completion(
        model,
        [{"role": "user", "content": "Name a pelican"}],
        api_key="k",
        reasoning_effort="low",
        transport=httpx.MockTransport(handler),
    )
    assert seen[0].url.path == f"/v1beta/models/{model}:generateContent"
    body = json.loads(seen[0].content)
    assert body["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "LOW"
    assert "thinkingBudget" not in body["generationConfig"]["thinkingConfig"]
    assert reply.choices[0].message.content == "Pelly"
    # promotional rates through 2026-12-31: 11 * 0.75 + 2 * 3.75 per 1M
    assert reply.response_cost == pytest.approx((11 * 0.75 + 2 * 3.75) / 1e6)


def test_latest_alias_is_costed_as_the_model_that_answered() -> None:
    # As recorded in August 2026 (llm-gemini cassette): gemini-flash-latest answered with modelVersion
    # gemini-3.6-flash, 11 prompt, 2 candidate and 291 thought tokens.
    native = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Pelly"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 2, "thoughtsTokenCount": 291},
        "modelVersion": "gemini-3.6-flash",
    }
    reply = modelmux.completion(
        "gemini-flash-latest",
        [{"role": "user", "content": "Name a pelican"}],
        api_key="k",
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=native)),
    )
    assert reply.model == "gemini-3.6-flash"
    assert reply.response_cost == pytest.approx((11 * 0.75 + 293 * 3.75) / 1e6)
