from __future__ import annotations

import pytest

import modelmux
from modelmux._registry import PROVIDERS, catalog, get_provider, resolve


@pytest.mark.parametrize(
    ("model", "provider", "native"),
    [
        ("openai/gpt-4o", "openai", "gpt-4o"),
        ("anthropic/claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-20250514"),
        ("gemini/gemini-2.5-flash", "gemini", "gemini-2.5-flash"),
        ("google/gemini-2.5-flash", "gemini", "gemini-2.5-flash"),
        ("gpt-4o", "openai", "gpt-4o"),
        ("claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-20250514"),
        ("gemini-2.5-pro", "gemini", "gemini-2.5-pro"),
        ("openrouter/anthropic/claude-3.5-sonnet", "openrouter", "anthropic/claude-3.5-sonnet"),
        ("openai/some-future-model", "openai", "some-future-model"),
    ],
)
def test_resolve(model: str, provider: str, native: str) -> None:
    r = resolve(model)
    assert (r.provider_name, r.model) == (provider, native)


def test_catalog_info_for_prefixed_and_bare() -> None:
    assert resolve("anthropic/claude-sonnet-4-20250514").info is not None
    assert resolve("claude-sonnet-4-20250514").info.max_output_tokens == 64000  # type: ignore[union-attr]
    assert resolve("openai/unknown-thing").info is None


@pytest.mark.parametrize("model", ["claude-unknown-9", "llama-3-70b", "meta/llama", ""])
def test_unknown_bare_id_says_how_to_write_it(model: str) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        resolve(model)
    assert "provider/model" in str(info.value) or "non-empty" in str(info.value)
    if model.startswith("claude"):
        assert f"anthropic/{model}" in str(info.value)


def test_every_registered_provider_loads_and_has_the_contract() -> None:
    for name in PROVIDERS:
        p = get_provider(name)
        assert p.name == name
        for attr in ("build_chat_request", "parse_chat_response", "chat_stream_translator", "map_error"):
            assert callable(getattr(p, attr))


def test_every_catalog_provider_is_registered() -> None:
    assert {info.provider for info in catalog().values()} <= set(PROVIDERS)
