"""Prices per unit other than tokens: images by quality and size, minutes of audio, rerank search units, characters.

An entry of ``data/prices.json`` may carry, besides (or instead of) its token rates::

    "openai/dall-e-3": {
        "source": "https://…",
        "per_image": {
            "standard": {"1024x1024": 0.04, "1024x1792": 0.08, "1792x1024": 0.08},
            "hd": {"1024x1024": 0.08, "1024x1792": 0.12, "1792x1024": 0.12},
            "default": "standard/1024x1024"
        }
    },
    "openai/whisper-1": {"source": "https://…", "per_audio_minute": 0.006},
    "cohere/rerank-v3.5": {"source": "https://…", "per_1k_search_units": 2.0},
    "vertex/text-embedding-005": {"source": "https://…", "per_1k_characters": 0.000025}

``per_image`` maps each quality the provider prices to a table of ``WIDTHxHEIGHT`` sizes (USD per image);
its ``default`` names the ``quality/size`` cell a request that sets neither is billed at (the provider's
own defaults). ``per_audio_minute`` is USD per minute of input audio, ``per_1k_search_units`` USD per
thousand search units as the provider reports them, ``per_1k_characters`` USD per thousand billable input
characters as the provider counts them (Vertex AI's legacy text embeddings; an entry with it is not priced per
token). A free operation is ``"per_request": 0``. Anything malformed is refused when the file is loaded, as the
token rates are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["UNIT_KEYS", "ImagePrices", "UnitPrices", "parse_units"]

#: The entry keys this module parses (each optional).
UNIT_KEYS = frozenset({"per_image", "per_audio_minute", "per_1k_search_units", "per_1k_characters"})

_SIZE = re.compile(r"[1-9]\d{0,4}x[1-9]\d{0,4}")
_QUALITY = re.compile(r"[a-z][a-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class ImagePrices:
    """USD per image by ``quality`` then ``size``; ``default_quality``/``default_size``: what a request that
    sets neither is billed at."""

    table: Mapping[str, Mapping[str, float]]
    default_quality: str
    default_size: str

    def price(self, quality: str | None, size: str | None) -> float | None:
        """One image's price, or ``None`` for a quality or size the table does not list (``auto`` included:
        which one the provider picks is not known here)."""
        sizes = self.table.get(quality or self.default_quality)
        if sizes is None:
            return None
        return sizes.get(size or self.default_size)


@dataclass(frozen=True, slots=True)
class UnitPrices:
    per_image: ImagePrices | None = None
    per_audio_minute: float | None = None
    per_1k_search_units: float | None = None
    #: USD per 1,000 billable input characters (the provider's count, never one made here).
    per_1k_characters: float | None = None


def parse_units(where: str, entry: Mapping[str, Any]) -> UnitPrices | None:
    """The unit prices of one entry (``None`` when it has none); raises ``ValueError`` on a malformed one."""
    if not any(key in entry for key in UNIT_KEYS):
        return None
    return UnitPrices(
        per_image=_images(f"{where}.per_image", entry.get("per_image")),
        per_audio_minute=_optional_number(f"{where}.per_audio_minute", entry.get("per_audio_minute")),
        per_1k_search_units=_optional_number(f"{where}.per_1k_search_units", entry.get("per_1k_search_units")),
        per_1k_characters=_optional_number(f"{where}.per_1k_characters", entry.get("per_1k_characters")),
    )


def _images(where: str, doc: Any) -> ImagePrices | None:
    if doc is None:
        return None
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where}: an object of quality -> {{size: price}} and a 'default'")
    default = doc.get("default")
    if not isinstance(default, str) or default.count("/") != 1:
        raise ValueError(f"{where}.default: 'quality/size' naming the cell billed by default, got {default!r}")
    table: dict[str, dict[str, float]] = {}
    for quality, sizes in doc.items():
        if quality == "default":
            continue
        if not isinstance(quality, str) or not _QUALITY.fullmatch(quality):
            raise ValueError(f"{where}: a quality is a lowercase name, got {quality!r}")
        if not isinstance(sizes, Mapping) or not sizes:
            raise ValueError(f"{where}.{quality}: an object of 'WIDTHxHEIGHT': price")
        table[quality] = {_size(f"{where}.{quality}", size): _number(f"{where}.{quality}.{size}", price)
                          for size, price in sizes.items()}  # fmt: skip
    quality, _, size = default.partition("/")
    if size not in table.get(quality, {}):
        raise ValueError(f"{where}.default: {default!r} is not a cell of the table")
    return ImagePrices(table, quality, size)


def _size(where: str, size: Any) -> str:
    if not isinstance(size, str) or not _SIZE.fullmatch(size):
        raise ValueError(f"{where}: a size is 'WIDTHxHEIGHT' such as '1024x1024', got {size!r}")
    return size


def _optional_number(where: str, value: Any) -> float | None:
    return None if value is None else _number(where, value)


def _number(where: str, value: Any) -> float:
    # The token rates' rule (prices.py): a finite, non-negative number, never a bool.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: a price is a non-negative number, got {value!r}")
    return float(value)
