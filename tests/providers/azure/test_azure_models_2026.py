"""Azure OpenAI's models of late 2026 (Microsoft's model page, version of 2026-09-21): GPT-5.x, GPT-5.6, GPT-6.x."""

from __future__ import annotations

import pytest

from modelmux import get_model_info
from modelmux._registry import resolve


@pytest.mark.parametrize(
    ("model", "window", "tools"),
    [
        ("azure/gpt-6-sol", 1050000, True),
        ("azure/gpt-6-astra", 1050000, True),
        ("azure/gpt-6.1-sol", 1050000, False),  # function tools through the Responses API only
        ("azure/gpt-5.6-terra", 1050000, True),
        ("azure/gpt-5.5", 1050000, True),
        ("azure/gpt-5.4-mini", 400000, True),
        ("azure/gpt-5.2", 400000, True),
    ],
)
def test_azure_rows_of_2026(model: str, window: int, tools: bool) -> None:
    info = resolve(model).info
    assert info is not None and info.provider == "azure"
    assert (info.context_window, info.max_output_tokens) == (window, 128000)
    assert ("tools" in info.capabilities) is tools and "reasoning" in info.capabilities


def test_bare_ids_stay_openai_s_and_azure_rows_are_unpriced() -> None:
    assert resolve("gpt-6-sol").provider_name == "openai"
    info = get_model_info("azure/gpt-5.6-sol")
    assert info["max_input_tokens"] == 1050000 and info["litellm_provider"] == "azure"
    assert info["input_cost_per_token"] is None  # no dated copy of Azure's pricing page for it


def test_base_model_names_a_new_model_behind_a_deployment() -> None:
    from modelmux._call import open_call

    call = open_call(
        resolve("azure/prod-reasoner"),
        {"messages": [{"role": "user", "content": "hi"}]},
        {"api_base": "https://res.openai.azure.com", "api_key": "k", "base_model": "gpt-6-luna"},
    )
    call.provider.build_chat_request(call.params, call.ctx)
    assert call.ctx.info is not None and call.ctx.info.context_window == 1050000
    assert (call.ctx.info.provider, call.ctx.info.model) == ("azure", "prod-reasoner")
