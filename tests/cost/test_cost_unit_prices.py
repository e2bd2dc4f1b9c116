"""The schema of prices per image, audio minute and search unit: what parses, and every malformed shape refused."""

from __future__ import annotations

from typing import Any

import pytest

from modelmux.cost import load_prices
from modelmux.cost.unit_prices import ImagePrices

SOURCE = "https://example.com/pricing"
DALLE3 = {
    "standard": {"1024x1024": 0.04, "1024x1792": 0.08, "1792x1024": 0.08},
    "hd": {"1024x1024": 0.08, "1024x1792": 0.12, "1792x1024": 0.12},
    "default": "standard/1024x1024",
}


def _load(entry: dict[str, Any], key: str = "openai/m") -> Any:
    return load_prices({"updated": "2026-12-02", "models": {key: {"source": SOURCE, **entry}}})


def test_a_per_image_table_parses_with_its_default_cell() -> None:
    entry = _load({"per_image": DALLE3}).get("openai/m")
    assert entry is not None and entry.units is not None
    table = entry.units.per_image
    assert isinstance(table, ImagePrices)
    assert (table.default_quality, table.default_size) == ("standard", "1024x1024")
    assert table.price("hd", "1024x1792") == 0.12
    assert table.price(None, None) == 0.04  # the provider's defaults
    assert table.price(None, "1792x1024") == 0.08
    assert table.price("hd", None) == 0.08
    assert table.price("auto", "1024x1024") is None  # which quality "auto" picks is not known
    assert table.price("standard", "auto") is None
    assert table.price("standard", "2048x2048") is None


def test_audio_minutes_search_units_and_free_requests_parse() -> None:
    prices = load_prices(
        {
            "updated": "2026-12-02",
            "models": {
                "openai/whisper-1": {"source": SOURCE, "per_audio_minute": 0.006},
                "cohere/rerank-v3.5": {"source": SOURCE, "per_1k_search_units": 2},
                "openai/omni-moderation-latest": {"source": SOURCE, "per_request": 0},
            },
        }
    )
    whisper, rerank = prices.get("openai/whisper-1"), prices.get("cohere/rerank-v3.5")
    moderation = prices.get("openai/omni-moderation-latest")
    assert rerank is not None and rerank.units is not None and rerank.units.per_1k_search_units == 2.0
    assert moderation is not None and moderation.units is None and moderation.rates.per_request == 0.0
    assert whisper is not None and whisper.units is not None and whisper.units.per_audio_minute == 0.006
    assert whisper.units.per_image is None and whisper.rates.input is None


def test_characters_parse_and_price_nothing_per_token() -> None:
    entry = _load({"per_1k_characters": 0.000025}, "vertex/text-embedding-005").get("vertex/text-embedding-005")
    assert entry is not None and entry.units is not None and entry.units.per_1k_characters == 0.000025
    assert entry.rates.input is None and entry.units.per_1k_search_units is None


def test_an_override_adds_unit_prices_to_an_entry() -> None:
    base = _load({"input": 1})
    over = base.with_overrides(
        {"openai/m": {"per_image": {"standard": {"512x512": 0.5}, "default": "standard/512x512"}}}
    )
    entry = over.get("openai/m")
    assert entry is not None and entry.rates.input == 1.0
    assert entry.units is not None and entry.units.per_image is not None
    assert entry.units.per_image.price(None, None) == 0.5
    untouched = base.get("openai/m")
    assert untouched is not None and untouched.units is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"per_image": {"standard": {"1024x1024": 0.04}}}, "default"),
        ({"per_image": {"standard": {"1024x1024": 0.04}, "default": "hd/1024x1024"}}, "not a cell"),
        ({"per_image": {"standard": {"1024x1024": 0.04}, "default": "standard/512x512"}}, "not a cell"),
        ({"per_image": {"standard": {"1024x1024": 0.04}, "default": "standard"}}, "quality/size"),
        ({"per_image": {"standard": {"big": 0.04}, "default": "standard/big"}}, "WIDTHxHEIGHT"),
        ({"per_image": {"standard": {"1024x1024": -0.04}, "default": "standard/1024x1024"}}, "non-negative"),
        ({"per_image": {"standard": {"1024x1024": True}, "default": "standard/1024x1024"}}, "non-negative"),
        ({"per_image": {"standard": {"1024x1024": "0.04"}, "default": "standard/1024x1024"}}, "non-negative"),
        ({"per_image": {"HD": {"1024x1024": 0.08}, "default": "HD/1024x1024"}}, "lowercase"),
        ({"per_image": {"standard": {}, "default": "standard/1024x1024"}}, "WIDTHxHEIGHT"),
        ({"per_image": {"standard": [0.04], "default": "standard/1024x1024"}}, "WIDTHxHEIGHT"),
        ({"per_image": [0.04]}, "quality"),
        ({"per_audio_minute": "0.006"}, "non-negative"),
        ({"per_audio_minute": float("inf")}, "non-negative"),
        ({"per_1k_search_units": -2}, "non-negative"),
        ({"per_1k_characters": -0.000025}, "per_1k_characters: a price is a non-negative"),
        ({"per_1k_characters": "0.000025"}, "per_1k_characters: a price is a non-negative"),
        ({"per_1k_characters": True}, "per_1k_characters: a price is a non-negative"),
        ({"per_1k_characters": float("nan")}, "per_1k_characters: a price is a non-negative"),
        ({"per_1k_characters": {"online": 0.000025}}, "per_1k_characters: a price is a non-negative"),
        ({"per_1k_character": 0.000025}, "unknown price field"),
        ({"tiers": {"batch": {"per_1k_characters": 0.00002}}}, "unknown price field"),  # no tiers of them
        ({"per_images": DALLE3}, "unknown price field"),  # a typo is refused, not ignored
        ({"per_audio_second": 0.0001}, "unknown price field"),
        ({"tiers": {"batch": {"per_audio_minute": 0.003}}}, "unknown price field"),  # units have no tiers
    ],
)
def test_malformed_unit_prices_are_refused_at_load(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _load(entry)
