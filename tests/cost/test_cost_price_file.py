"""The bundled price file: dated, sourced, well-formed, and deciding every catalogued chat/embedding model."""

import datetime
import json
from importlib import resources
from typing import Any

import pytest

from modelmux._registry import PROVIDERS, catalog
from modelmux.cost import bundled_prices
from modelmux.cost.find_price import find_price


def _doc() -> dict[str, Any]:
    return json.loads(resources.files("modelmux").joinpath("data/prices.json").read_text("utf-8"))  # type: ignore[no-any-return]


#: Catalogued chat/embedding models left unpriced on purpose: no price confirmed on the provider's page
#: (cloud prices that vary by region or deployment type, retired or free experimental models, moving aliases).
UNPRICED = {
    "gpt-4", "o1-mini",
    "gemini-flash-latest", "gemini-flash-lite-latest", "gemini-2.0-flash-exp", "gemini-1.5-pro", "gemini-1.5-flash",
    "text-embedding-004",
    "vertex/gemini-3-pro-preview", "vertex/gemini-3-flash-preview", "vertex/gemini-2.5-pro", "vertex/gemini-2.5-flash",
    "vertex/gemini-2.5-flash-lite", "vertex/gemini-2.0-flash", "vertex/gemini-2.0-flash-lite",
    "vertex/gemini-embedding-001", "text-embedding-005", "text-multilingual-embedding-002",
    "claude-opus-4-5@20251101", "claude-opus-4-1@20250805", "claude-opus-4@20250514", "claude-sonnet-4-5@20250929",
    "claude-sonnet-4@20250514", "claude-haiku-4-5@20251001", "claude-3-7-sonnet@20250219", "claude-3-5-haiku@20241022",
    "vertex/claude-opus-4-5", "vertex/claude-opus-4-1", "vertex/claude-sonnet-4-5", "vertex/claude-haiku-4-5",
    "azure/gpt-5", "azure/gpt-4.1", "azure/gpt-4o", "azure/gpt-4o-mini", "azure/o4-mini", "azure/o3-mini",
    "azure/text-embedding-3-small", "azure/text-embedding-3-large", "azure/text-embedding-ada-002",
    "amazon.nova-premier-v1:0", "amazon.nova-2-lite-v1:0", "meta.llama3-3-70b-instruct-v1:0",
    "meta.llama4-maverick-17b-instruct-v1:0", "meta.llama4-scout-17b-instruct-v1:0", "mistral.mistral-large-2407-v1:0",
    "mistral.pixtral-large-2502-v1:0", "deepseek.r1-v1:0", "openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0",
    "cohere.command-r-plus-v1:0", "amazon.titan-embed-text-v2:0", "amazon.titan-embed-text-v1",
    "cohere.embed-english-v3", "cohere.embed-multilingual-v3",
}  # fmt: skip
#: Providers left out whole: self-hosted servers have no list price; Cohere and Mistral prices are not researched yet.
UNPRICED_PROVIDERS = {
    "mock", "cohere", "mistral", "ollama", "hosted_vllm", "text-completion-openai", "llamacpp", "tgi", "lm_studio",
    "llama_cpp", "llamacpp_chat", "sglang",
}  # fmt: skip


def test_the_file_has_an_updated_date_and_every_entry_a_source() -> None:
    doc = _doc()
    datetime.date.fromisoformat(doc["updated"])
    assert doc["currency"] == "USD"
    for key, entry in doc["models"].items():
        assert entry["source"].startswith("https://"), key
        assert key.partition("/")[0] in PROVIDERS, key


def test_the_file_parses_and_aliases_are_unambiguous() -> None:
    prices = bundled_prices()
    assert len(prices) == len(_doc()["models"])
    seen: set[str] = set()
    for key, entry in _doc()["models"].items():
        provider = key.partition("/")[0]
        for alias in entry.get("aliases", ()):
            full = f"{provider}/{alias}"
            assert full not in seen and full not in _doc()["models"], full
            seen.add(full)


@pytest.mark.parametrize("name", sorted(n for n, i in catalog().items() if i.mode in {"chat", "embedding"}))
def test_every_catalogued_model_is_priced_or_knowingly_left_out(name: str) -> None:
    info = catalog()[name]
    if info.provider in UNPRICED_PROVIDERS:
        return
    priced = find_price(bundled_prices(), info.model, info.provider) is not None
    assert priced != (name in UNPRICED), f"{name}: priced={priced}; update UNPRICED or prices.json"


def test_long_context_tiers_are_above_the_base_rates() -> None:
    for key in bundled_prices():
        entry = bundled_prices().get(key)
        assert entry is not None
        long = entry.long_context
        if long is not None:
            assert long.rates.input is not None and entry.rates.input is not None
            assert long.rates.input > entry.rates.input, key


#: Catalogued image/audio/moderation/rerank models left unpriced on purpose (see docs/readme/prices-ops.md):
#: OpenAI's stored model pages for the gpt-4o transcribe models list one "Audio tokens" table (input $2.5/$1.25,
#: output $10/$5 per 1M) where the earlier pricing page split text input/output from audio input ($6/$3): which
#: rate bills audio input is not certain, and no page prices the diarize model; Azure's image and audio prices
#: vary by region and deployment; Cohere's pricing page gives no pay-as-you-go rate for rerank (Model Vault only).
UNPRICED_UNITS = {
    "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize",
    "azure/dall-e-3", "azure/gpt-image-1", "azure/whisper",
    "rerank-v3.5", "rerank-english-v3.0", "rerank-multilingual-v3.0",
}  # fmt: skip
_UNIT_MODES = {"image_generation", "audio_transcription", "moderation", "rerank"}


def _prices_its_kind(mode: str, entry: Any) -> bool:
    """The entry carries a price for what its mode bills (not only some unrelated rate)."""
    units, rates = entry.units, entry.rates
    if mode == "image_generation":
        return (units is not None and units.per_image is not None) or rates.output_image is not None
    if mode == "audio_transcription":
        return (units is not None and units.per_audio_minute is not None) or rates.input_audio is not None
    if mode == "moderation":
        return rates.per_request is not None
    return units is not None and units.per_1k_search_units is not None


@pytest.mark.parametrize("name", sorted(n for n, i in catalog().items() if i.mode in _UNIT_MODES))
def test_every_catalogued_image_audio_moderation_and_rerank_model_is_priced_or_knowingly_left_out(name: str) -> None:
    info = catalog()[name]
    entry = find_price(bundled_prices(), info.model, info.provider)
    priced = entry is not None and _prices_its_kind(info.mode, entry)
    assert priced != (name in UNPRICED_UNITS), f"{name}: priced={priced}; update UNPRICED_UNITS or prices.json"
    assert entry is None or priced, f"{name} has an entry without a price for {info.mode}"
