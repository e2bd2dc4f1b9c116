"""The parameter table: every OpenAI parameter the provider accepts is a documented row."""

from __future__ import annotations

from anthropic_helpers import build

from modelmux.providers.anthropic import provider

HI = [{"role": "user", "content": "hi"}]


def test_every_supported_param_is_a_documented_table_row() -> None:
    from modelmux.providers.anthropic.build_request import PARAMETERS

    assert set(PARAMETERS) == set(provider.supported_params)
    assert all(doc.startswith("https://platform.claude.com/docs/") for _, doc in PARAMETERS.values())


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    assert build({"messages": HI, "max_tokens": 10, "max_completion_tokens": 20})["max_tokens"] == 20
    assert build({"messages": HI, "max_completion_tokens": 7})["max_tokens"] == 7
