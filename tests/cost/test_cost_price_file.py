"""The bundled price file: dated, sourced, well-formed, and deciding every catalogued chat/embedding model."""

import datetime
import json
from importlib import resources
from typing import Any

import pytest

from modelmux._registry import PROVIDERS, catalog
from modelmux.cost import bundled_prices
from modelmux.cost.find_price import NO_LIST_PRICE, find_price


def _doc() -> dict[str, Any]:
    return json.loads(resources.files("modelmux").joinpath("data/prices.json").read_text("utf-8"))  # type: ignore[no-any-return]


#: Catalogued chat/embedding models left unpriced on purpose, each for its reason: no price found on the provider's
#: own page (or in a dated transcription of it), a price unit modelmux cannot express, a retired, free-experimental
#: or moving model. A price seen only on third-party aggregators does not count.
UNPRICED = {
    # Moving aliases: the model behind them changes (and its price with it); the answer names the concrete model,
    # which is what gets priced.
    "gemini-flash-latest", "gemini-flash-lite-latest",
    # Shut down, never priced: the Gemini API's pricing page listed text-embedding-004's paid tier as "Not available"
    # and never priced the experimental 2.0-flash-exp. (A retired model that had a price keeps its last one.)
    "gemini-2.0-flash-exp", "text-embedding-004",
    # Claude on Vertex, older models (Opus 4 and Sonnet 4 deprecated, 3.7 Sonnet and 3.5 Haiku shut down there): no
    # copy of Vertex's page with their figures was found, and Anthropic's "global endpoint = Claude API price"
    # statement covers only Claude 4.5 and later (older models "keep their existing pricing", unstated).
    "claude-opus-4@20250514", "claude-sonnet-4@20250514", "claude-3-7-sonnet@20250219", "claude-3-5-haiku@20241022",
    # Bedrock: shut down there on 2026-08-19; the last months were billed at an extended-access price no copy of
    # AWS's page shows (its standard $3/$15 would understate them).
    "cohere.command-r-plus-v1:0",
    # Cohere: still served (docs.cohere.com/docs/models), but cohere.com/pricing (stored copies of 2026-08-29 and
    # 2026-10-06) prices none of them: its cards are Command A+ and North Mini Code (free), Command R, Command R7B,
    # Embed 5 and Rerank 4, its FAQ the older Command models and Aya Expanse; Embed 4's card ($0.12) was replaced by
    # Embed 5's in September 2026. Command A Translate, North Small Translate ("free tier" in its docs page, no card),
    # Aya Vision 32B (the FAQ's Aya rate names Aya Expanse only) and Tiny Aya have no figure on the page at all.
    "command-a-03-2025", "command-a-reasoning-08-2025", "command-a-vision-07-2025", "command-a-translate-08-2025",
    "north-small-translate-1-0", "c4ai-aya-vision-32b",
    "tiny-aya-global", "tiny-aya-earth", "tiny-aya-fire", "tiny-aya-water",
    "embed-v4.0", "embed-english-v3.0", "embed-multilingual-v3.0", "embed-english-light-v3.0",
    "embed-multilingual-light-v3.0",
    # Mistral's Voxtral Small bills chat audio input per minute ($0.004/min beside $0.1/$0.3 per 1M text tokens,
    # docs.mistral.ai/models/voxtral-small-25-07): chat costs are per token here, so a token-only entry would
    # understate every call that sends audio.
    "voxtral-small-latest",
    # OpenAI: no stored copy of these models' own pages (nor a dated transcription of the pricing page) was found;
    # the models overview page gives only GPT-6.2 Astra's headline $8/$40, without its cached-input or long-context
    # rates (every GPT-6 model bills above 272K input tokens at other rates), so a figure would be partly guessed.
    "gpt-6-astra", "gpt-6.1-sol", "gpt-6.2-astra",
    # OpenAI GPT-5.5 and GPT-5.4 (mini, nano): still listed (the GPT-5.6 pages compare against them), but only their
    # input prices appear there; no copy of their own pages or of the pricing page was found.
    "gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano",
    # Azure OpenAI GPT-5.x and GPT-6.x: catalogued from Microsoft's model page (MicrosoftDocs/azure-ai-docs, version
    # of 2026-09-21), but no copy or dated transcription of Azure's pricing page with their Global Standard rates was
    # found (OpenAI's own rates are not Azure's page; GPT-5.6 and GPT-6 also bill long prompts at other rates there).
    "azure/gpt-6.1-sol", "azure/gpt-6-astra", "azure/gpt-6-sol", "azure/gpt-6-luna",
    "azure/gpt-5.6-sol", "azure/gpt-5.6-terra", "azure/gpt-5.6-luna",
    "azure/gpt-5.5", "azure/gpt-5.4", "azure/gpt-5.4-mini", "azure/gpt-5.4-nano", "azure/gpt-5.2", "azure/gpt-5.1",
    "azure/gpt-5-mini", "azure/gpt-5-nano",
    # Vertex AI Gemini 3.8 / 3.7 Flash and 3.5 Flash-Lite: on Google's model-versions page (Agent Platform), but no
    # copy or dated transcription of Vertex's pricing page with their rates was found; the Gemini API's promotional
    # rates (until 2026-12-31) are not Vertex's page.
    "vertex/gemini-3.8-flash", "vertex/gemini-3.7-flash", "vertex/gemini-3.5-flash-lite",
}  # fmt: skip
#: Providers left out whole: the model runs on the caller's own server (or is modelmux's mock), which has no list
#: price; their answers cost ``None`` (see NO_LIST_PRICE, pinned by test_cost_local_providers.py).
UNPRICED_PROVIDERS = NO_LIST_PRICE


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
    entry = find_price(bundled_prices(), info.model, info.provider)
    priced = entry is not None
    assert priced != (name in UNPRICED), f"{name}: priced={priced}; update UNPRICED or prices.json"
    assert entry is None or _prices_its_kind(info.mode, entry), f"{name} has an entry without a price for {info.mode}"


def test_long_context_tiers_are_above_the_base_rates() -> None:
    for key in bundled_prices():
        entry = bundled_prices().get(key)
        assert entry is not None
        long = entry.long_context
        if long is not None:
            assert long.rates.input is not None and entry.rates.input is not None
            assert long.rates.input > entry.rates.input, key


#: Catalogued image/audio/moderation/rerank models left unpriced on purpose: Azure's gpt-image-1 (no copy of
#: Azure's page prices it; retired there 2026-10-23); Cohere's pricing page gives no pay-as-you-go rate for
#: Rerank 3 or 3.5 (its per-search cards are Rerank 4 Fast's and Pro's, which are priced; Rerank 3.5 appears only
#: as a Model Vault hourly row); OpenAI's gpt-image-1.5 (shut down 2026-12-01, catalogued so recorded answers
#: resolve) and gpt-image-2.6-flare: no stored copy of their model pages was found.
UNPRICED_UNITS = {
    "azure/gpt-image-1", "gpt-image-1.5", "gpt-image-2.6-flare",
    "rerank-v3.5", "rerank-english-v3.0", "rerank-multilingual-v3.0",
}  # fmt: skip
_UNIT_MODES = {"image_generation", "audio_transcription", "moderation", "rerank"}


def _prices_its_kind(mode: str, entry: Any) -> bool:
    """The entry carries a price for what its mode bills (not only some unrelated rate)."""
    units, rates = entry.units, entry.rates
    if mode == "chat":
        return rates.input is not None and rates.output is not None
    if mode == "embedding":  # per input token, or per 1,000 billable characters (Vertex's legacy text embeddings)
        return rates.input is not None or (units is not None and units.per_1k_characters is not None)
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
